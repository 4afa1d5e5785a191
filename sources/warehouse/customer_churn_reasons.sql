-- grain: one row per churn reason (see marts.churn_reasons). Counts and shares only.
select * from marts.churn_reasons
