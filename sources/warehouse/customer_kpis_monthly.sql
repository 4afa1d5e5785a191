-- grain: one row per month (see marts.customer_kpis_monthly). Company-wide counts and rates only: no customer
-- rows, no personal data.
select * from marts.customer_kpis_monthly
