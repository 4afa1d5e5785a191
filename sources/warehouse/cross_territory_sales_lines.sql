-- grain: one row per sell-through line shipped outside the partner's authorised territory (see
-- marts.cross_territory_sales_lines): the evidence an account manager acts on.
-- Published inside the static site, so the pseudonymous customer id is left out: a page needs the partner, region,
-- date, product, quantity, price, amount and the file line the partner reported it in, not the end customer.
select
    sell_through_id,
    partner_id,
    partner_name,
    channel_id,
    sale_id,
    region_id,
    home_region_id,
    authorised_region_ids,
    product_id,
    sku,
    product_name,
    product_name_zh,
    quantity,
    unit_price,
    sale_amount,
    sale_date,
    sale_month,
    source_location
from marts.cross_territory_sales_lines
