-- grain: one row per channel per ship-to region per month (see marts.channel_performance_monthly).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.channel_performance_monthly
