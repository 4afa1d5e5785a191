-- grain: one row per customer metric (see marts.customer_metric_glossary): English and Chinese name, formula, grain.
select * from marts.customer_metric_glossary
