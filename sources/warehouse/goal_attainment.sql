-- grain: one row per channel target (SMART goal) (see marts.goal_attainment).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.goal_attainment
