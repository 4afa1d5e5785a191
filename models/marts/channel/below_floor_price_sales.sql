-- grain: one row per seller (partner, or the company's own channel) per product per month with sales below the floor price

with

lines as (

    select * from marts.below_floor_price_sales_lines

),

partners as (

    select * from core.partners

),

channels as (

    select * from core.channels

),

by_seller_product_month as (

    select
        sale_source,
        channel_id,
        partner_id,
        product_id,
        sale_month as month,
        any_value(sku) as sku,
        any_value(product_name) as product_name,
        any_value(product_name_zh) as product_name_zh,
        count(*) as lines,
        cast(sum(quantity) as bigint) as units,
        cast(sum(amount) as decimal(18, 2)) as amount,
        cast(sum(amount_at_floor) as decimal(18, 2)) as amount_at_floor,
        cast(sum(shortfall_amount) as decimal(18, 2)) as shortfall_amount,
        max(share_below_floor) as max_share_below_floor,
        min(least(unit_price, effective_unit_price)) as lowest_unit_price,
        max(floor_price) as floor_price,
        min(sale_date) as first_sale_date,
        max(sale_date) as last_sale_date

    from lines
    group by sale_source, channel_id, partner_id, product_id, sale_month

),

final as (

    select
        by_seller_product_month.sale_source,
        by_seller_product_month.channel_id,
        by_seller_product_month.partner_id,
        by_seller_product_month.product_id,
        channels.channel_name,
        partners.partner_name,
        by_seller_product_month.sku,
        by_seller_product_month.product_name,
        by_seller_product_month.product_name_zh,
        by_seller_product_month.lines,
        by_seller_product_month.units,
        by_seller_product_month.amount,
        by_seller_product_month.amount_at_floor,
        by_seller_product_month.shortfall_amount,
        by_seller_product_month.shortfall_amount / nullif(by_seller_product_month.amount_at_floor, 0)
            as average_share_below_floor,
        by_seller_product_month.max_share_below_floor,
        by_seller_product_month.lowest_unit_price,
        by_seller_product_month.floor_price,
        by_seller_product_month.month,
        by_seller_product_month.first_sale_date,
        by_seller_product_month.last_sale_date

    from by_seller_product_month
    left join partners
        on by_seller_product_month.partner_id = partners.partner_id
    left join channels
        on by_seller_product_month.channel_id = channels.channel_id

)

select * from final
