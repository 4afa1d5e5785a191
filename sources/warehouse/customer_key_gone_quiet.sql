-- grain and tests: models/reporting/customers/customer_key_gone_quiet.sql and .yml (the page-shaped table is a tested model)
select * from reporting.customer_key_gone_quiet
