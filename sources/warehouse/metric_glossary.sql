-- grain: one row per channel metric (see marts.metric_glossary).
-- Published whole inside the static site: definitions only.
select * from marts.metric_glossary
