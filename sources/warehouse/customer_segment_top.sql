-- grain and tests: models/reporting/customers/customer_segment_top.sql and .yml (the page-shaped table is a tested model)
select * from reporting.customer_segment_top
