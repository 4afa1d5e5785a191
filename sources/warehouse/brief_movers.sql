-- The executive brief's biggest movers (grain and tests: models/reporting/brief/brief_movers.sql and .yml).
select * from reporting.brief_movers
