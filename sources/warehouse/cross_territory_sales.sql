-- grain: one row per partner per ship-to region per month (see marts.cross_territory_sales).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.cross_territory_sales
