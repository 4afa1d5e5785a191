-- grain: one row per acquisition cohort per month since first purchase (see marts.customer_cohort_retention).
-- Counts and rates only.
select * from marts.customer_cohort_retention
