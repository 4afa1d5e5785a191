-- grain: one row per seller per product per month (see marts.below_floor_price_sales).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.below_floor_price_sales
