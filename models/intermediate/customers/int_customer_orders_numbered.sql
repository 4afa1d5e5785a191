-- grain: one row per completed order with lines of an identified customer (order_id), from the customer's first purchase on: the purchases, numbered in the customer's history, and the fully cancelled orders and cancellation documents that net the customer's revenue

with

orders as (

    select * from core.orders

),

channels as (

    select * from core.channels

),

customer_documents as (

    -- the company's own completed orders that name the customer: the purchases whose value and margin the company
    -- knows (partner resales reach the profile separately), and the fully cancelled orders and cancellation
    -- documents that net them; guest checkouts name nobody and orders without lines are nothing
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
        orders.is_purchase,
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

first_purchases as (

    select
        customer_id,
        min(ordered_at) as first_purchase_at

    from customer_documents
    where is_purchase
    group by all

),

from_first_purchase as (

    -- a customer who never bought is no customer of these marts; a cancellation dated before the first purchase
    -- cannot net anything they show (it stays in the channel revenue)
    select customer_documents.*, first_purchases.first_purchase_at
    from customer_documents
    inner join first_purchases
        on customer_documents.customer_id = first_purchases.customer_id
        and customer_documents.ordered_at >= first_purchases.first_purchase_at

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
        is_purchase,
        -- purchases are numbered; a cancellation is no order of the customer's (null)
        case
            when is_purchase
                then row_number() over (partition by customer_id, is_purchase order by ordered_at, order_id)
        end as customer_order_number,
        case
            when is_purchase
                then date_diff(
                    'day',
                    lag(order_date) over (partition by customer_id, is_purchase order by ordered_at, order_id),
                    order_date
                )
        end as days_since_previous_order,
        order_date,
        order_month,
        -- acquisition cohort: the month of the customer's first purchase
        cast(date_trunc('month', first_purchase_at) as date) as cohort_month,
        ordered_at

    from from_first_purchase

)

select * from final
