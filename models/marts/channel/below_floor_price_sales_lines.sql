-- grain: one row per sale below the floor price: a partner sell-through line (sell_through_id) or a direct order line (order_line_id)

with

sell_through as (

    select * from core.sell_through

),

order_lines as (

    select * from core.order_lines

),

products as (

    select * from core.products

),

partner_resales as (

    select
        sell_through_id as sale_line_id,
        'sell_through' as sale_source,
        partner_id,
        channel_id,
        product_id,
        customer_id,
        ship_to_region_id as region_id,
        quantity,
        unit_price,
        -- what the customer actually paid per unit
        sale_amount / nullif(quantity, 0) as effective_unit_price,
        floor_price,
        sale_amount as amount,
        sale_date

    from sell_through
    where is_below_floor_price

),

direct_sales as (

    -- the company's own sales to customers (no partner): list price less discounts must stay at or above the floor;
    -- sell-in to partners is at partner_price, below the floor by design, and is not checked. Only a sale can breach
    -- the floor: a line without a price-list entry (no floor known), a cancellation or return line and a sample or
    -- gift given at price 0 are never flagged. What was charged is compared with the amount at the floor rounded to
    -- the cent, as a charge is: 333 g at a floor of 0.0125 a gram is 4.16, not 4.1625
    select
        order_line_id as sale_line_id,
        'order_line' as sale_source,
        partner_id,
        channel_id,
        product_id,
        customer_id,
        ship_to_region_id as region_id,
        quantity,
        unit_price,
        line_amount / nullif(quantity, 0) as effective_unit_price,
        floor_price,
        line_amount as amount,
        order_date as sale_date

    from order_lines
    where partner_id is null
        and has_price_list_entry
        and not is_reversal
        and not is_zero_priced
        and (unit_price < floor_price or line_amount < round(quantity * floor_price, 2))

),

below_floor as (

    select * from partner_resales
    union all
    select * from direct_sales

),

final as (

    select
        below_floor.sale_line_id,
        below_floor.sale_source,
        below_floor.partner_id,
        below_floor.channel_id,
        below_floor.product_id,
        below_floor.customer_id,
        below_floor.region_id,
        products.sku,
        products.product_name,
        products.product_name_zh,
        below_floor.quantity,
        -- prices keep 4 decimals
        cast(below_floor.unit_price as decimal(18, 4)) as unit_price,
        below_floor.effective_unit_price,
        below_floor.floor_price,
        below_floor.amount,
        -- the floor price has 4 decimals; the amounts at and below it are rounded to the cent
        cast(round(below_floor.quantity * below_floor.floor_price, 2) as decimal(18, 2)) as amount_at_floor,
        cast(
            round(below_floor.quantity * below_floor.floor_price - below_floor.amount, 2) as decimal(18, 2)
        ) as shortfall_amount,
        1 - least(below_floor.unit_price, below_floor.effective_unit_price) / nullif(below_floor.floor_price, 0)
            as share_below_floor,
        below_floor.sale_date,
        cast(date_trunc('month', below_floor.sale_date) as date) as sale_month

    from below_floor
    left join products
        on below_floor.product_id = products.product_id

)

select * from final
