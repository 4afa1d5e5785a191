-- grain: one row per partner channel per month (see marts.new_outlets_monthly).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.new_outlets_monthly
