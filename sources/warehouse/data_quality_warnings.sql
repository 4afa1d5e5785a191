-- The data-quality page's warnings: published tests that warned (data to fix), with counts and meaning.
select * from marts.data_quality_warnings
