-- grain: one row per region, as of the as-of date (see marts.region_coverage).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.region_coverage
