-- grain: one row per partner sell-through line delivered outside the partner's authorised territory (sell_through_id)

with

sell_through as (

    select * from core.sell_through

),

partners as (

    select * from core.partners

),

partner_territories as (

    select * from core.partner_territories

),

products as (

    select * from core.products

),

outside_lines as (

    select * from sell_through
    where not is_inside_territory

),

authorised_on_sale_date as (

    -- the regions the partner was authorised for on the day: what the account manager holds the sale against
    select
        outside_lines.sell_through_id,
        string_agg(distinct partner_territories.region_id, ', ' order by partner_territories.region_id)
            as authorised_region_ids

    from outside_lines
    inner join partner_territories
        on outside_lines.partner_id = partner_territories.partner_id
        and outside_lines.sale_date >= partner_territories.valid_from
        and (partner_territories.valid_to is null or outside_lines.sale_date <= partner_territories.valid_to)
    group by all

),

final as (

    select
        outside_lines.sell_through_id,
        outside_lines.partner_id,
        outside_lines.sale_id,
        outside_lines.product_id,
        outside_lines.channel_id,
        -- pseudonymous end-customer key, when the partner reported one
        outside_lines.customer_id,
        outside_lines.ship_to_region_id as region_id,
        partners.home_region_id,
        partners.partner_name,
        outside_lines.sku,
        -- a SKU no product carries (core.sell_through warns about it): the line stays, with no product name (the
        -- page says "unknown product" in the reader's language)
        case when outside_lines.is_sku_resolved then products.product_name end as product_name,
        case when outside_lines.is_sku_resolved then products.product_name_zh end as product_name_zh,
        authorised_on_sale_date.authorised_region_ids,
        -- the partner file and line the sale was reported in
        outside_lines.source_location,
        outside_lines.quantity,
        outside_lines.unit_price,
        outside_lines.sale_amount,
        outside_lines.sale_date,
        outside_lines.sale_month

    from outside_lines
    left join partners
        on outside_lines.partner_id = partners.partner_id
    left join products
        on outside_lines.product_id = products.product_id
    left join authorised_on_sale_date
        on outside_lines.sell_through_id = authorised_on_sale_date.sell_through_id

)

select * from final
