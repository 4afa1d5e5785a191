-- grain and tests: models/reporting/customers/customer_region_counts.sql and .yml (the page-shaped table is a tested model)
select * from reporting.customer_region_counts
