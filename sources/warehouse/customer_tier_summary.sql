-- grain and tests: models/reporting/customers/customer_tier_summary.sql and .yml (the page-shaped table is a tested model)
select * from reporting.customer_tier_summary
