-- grain: one row per scope (company, channel, value tier) per month (see marts.customer_satisfaction_monthly).
select * from marts.customer_satisfaction_monthly
