-- grain: one row per channel per region (see marts.channel_region_coverage).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.channel_region_coverage
