-- grain: one row per channel per ship-to region per month (see marts.channel_revenue_monthly).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.channel_revenue_monthly
