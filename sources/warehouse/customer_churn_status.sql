-- grain and tests: models/reporting/customers/customer_churn_status.sql and .yml (the page-shaped table is a tested model)
select * from reporting.customer_churn_status
