-- grain: one row per CRM goal (see marts.crm_goal_attainment): targets and what was achieved.
select * from marts.crm_goal_attainment
