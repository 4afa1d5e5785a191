-- grain: one row per sale line priced below the floor valid that day (see marts.below_floor_price_sales_lines): the
-- evidence an account manager acts on.
-- Published inside the static site, so the pseudonymous customer id is left out.
select
    sale_line_id,
    sale_source,
    partner_id,
    channel_id,
    region_id,
    product_id,
    sku,
    product_name,
    product_name_zh,
    quantity,
    unit_price,
    effective_unit_price,
    floor_price,
    amount,
    amount_at_floor,
    shortfall_amount,
    share_below_floor,
    sale_date,
    sale_month
from marts.below_floor_price_sales_lines
