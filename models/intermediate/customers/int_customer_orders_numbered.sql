-- grain: one row per completed order of an identified customer (order_id), numbered in the customer's history

with

orders as (

    select * from core.orders

),

channels as (

    select * from core.channels

),

customer_orders as (

    -- the company's own completed orders that name the customer: the purchases whose value and margin the company
    -- knows (partner resales reach the profile separately); orders without lines are not purchases
    select
        orders.order_id,
        orders.customer_id,
        orders.channel_id,
        orders.ship_to_region_id,
        orders.channel_type,
        channels.channel_group,
        orders.units,
        orders.order_amount,
        orders.gross_margin,
        orders.order_date,
        orders.order_month,
        orders.ordered_at

    from orders
    left join channels
        on orders.channel_id = channels.channel_id
    where orders.is_completed
        and orders.customer_id is not null
        and orders.line_count > 0

),

final as (

    select
        order_id,
        customer_id,
        channel_id,
        ship_to_region_id,
        channel_type,
        channel_group,
        units,
        order_amount,
        gross_margin,
        row_number() over (partition by customer_id order by ordered_at, order_id) as customer_order_number,
        date_diff(
            'day',
            lag(order_date) over (partition by customer_id order by ordered_at, order_id),
            order_date
        ) as days_since_previous_order,
        order_date,
        order_month,
        -- acquisition cohort: the month of the customer's first completed order
        min(order_month) over (partition by customer_id) as cohort_month,
        ordered_at

    from customer_orders

)

select * from final
