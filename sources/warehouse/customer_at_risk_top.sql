-- grain and tests: models/reporting/customers/customer_at_risk_top.sql and .yml (the page-shaped table is a tested model)
select * from reporting.customer_at_risk_top
