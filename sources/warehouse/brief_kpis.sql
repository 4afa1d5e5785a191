-- The executive brief's headline KPIs (grain and tests: models/reporting/brief/brief_kpis.sql and .yml).
select * from reporting.brief_kpis
