-- grain: one row per order (order_id), with totals over its lines

with

orders as (

    select * from staging.stg_order_system__orders

),

channels as (

    select * from core.channels

),

order_lines as (

    select * from core.order_lines

),

order_totals as (

    select
        order_id,
        count(*) as line_count,
        cast(sum(quantity) as bigint) as units,
        cast(sum(discount_amount) as decimal(18, 2)) as discount_amount,
        cast(sum(line_amount) as decimal(18, 2)) as order_amount,
        cast(sum(cost_of_goods) as decimal(18, 2)) as cost_of_goods,
        cast(sum(gross_margin) as decimal(18, 2)) as gross_margin

    from order_lines
    group by all

),

final as (

    select
        orders.order_id,
        orders.channel_id,
        orders.partner_id,
        orders.customer_id,
        orders.ship_to_region_id,
        channels.channel_type,
        orders.status,
        orders.currency,
        coalesce(order_totals.line_count, 0) as line_count,
        coalesce(order_totals.units, 0) as units,
        coalesce(order_totals.discount_amount, 0) as discount_amount,
        -- what the customer (or partner) pays: the sum of line amounts, in the order's currency (CNY)
        coalesce(order_totals.order_amount, 0) as order_amount,
        coalesce(order_totals.cost_of_goods, 0) as cost_of_goods,
        coalesce(order_totals.gross_margin, 0) as gross_margin,
        channels.is_online,
        channels.is_partner_channel as is_sell_in,
        orders.status = 'completed' as is_completed,
        cast(orders.ordered_at as date) as order_date,
        cast(date_trunc('month', orders.ordered_at) as date) as order_month,
        orders.ordered_at,
        orders.updated_at

    from orders
    left join channels
        on orders.channel_id = channels.channel_id
    left join order_totals
        on orders.order_id = order_totals.order_id

)

select * from final
