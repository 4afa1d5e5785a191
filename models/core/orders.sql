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
        -- one line of unknown cost leaves the order's cost and margin unknown (a sum over the known lines is wrong)
        case when bool_and(is_cost_known) then cast(sum(cost_of_goods) as decimal(18, 2)) end as cost_of_goods,
        case when bool_and(is_cost_known) then cast(sum(gross_margin) as decimal(18, 2)) end as gross_margin,
        bool_and(is_cost_known) as is_cost_known

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
        -- an order without lines costs nothing; one with a line of unknown cost has unknown cost and margin
        case when order_totals.order_id is null then 0 else order_totals.cost_of_goods end as cost_of_goods,
        case when order_totals.order_id is null then 0 else order_totals.gross_margin end as gross_margin,
        coalesce(order_totals.is_cost_known, true) as is_cost_known,
        channels.is_online,
        channels.is_partner_channel as is_sell_in,
        orders.status = 'completed' as is_completed,
        -- a guest checkout: a direct order without an end customer (counts in channel figures, in no customer mart)
        not channels.is_partner_channel and orders.customer_id is null as is_guest,
        -- a purchase: completed, its lines netting above zero. A fully cancelled order, a cancellation document that
        -- names no original line (credit note) and an order of free samples only net revenue but are no purchase:
        -- they count in no order total, frequency or RFM
        orders.status = 'completed' and coalesce(order_totals.order_amount, 0) > 0 as is_purchase,
        -- a completed document whose lines net below zero: a cancellation (credit note) naming no original order
        orders.status = 'completed' and coalesce(order_totals.order_amount, 0) < 0 as is_credit_note,
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
