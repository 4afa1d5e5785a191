-- grain: one row per scope (company, value tier, channel) as of the as-of date (see marts.customer_churn_rates).
select * from marts.customer_churn_rates
