-- grain: one row per channel per month with completed order lines (channel_id, month)

with

order_lines as (

    select * from core.order_lines

),

channels as (

    select * from core.channels

),

by_channel_month as (

    -- every completed line is sell-in to a partner, a direct sale to a named customer or a guest checkout
    select
        channel_id,
        order_month as month,
        cast(sum(line_amount) as decimal(18, 2)) as revenue,
        cast(coalesce(sum(line_amount) filter (where is_sell_in), 0) as decimal(18, 2)) as sell_in_revenue,
        cast(
            coalesce(sum(line_amount) filter (where not is_sell_in and customer_id is not null), 0) as decimal(18, 2)
        ) as customer_revenue,
        cast(coalesce(sum(line_amount) filter (where is_guest), 0) as decimal(18, 2)) as guest_revenue,
        count(distinct order_id) filter (where is_purchase and not is_sell_in and customer_id is not null)
            as customer_orders,
        count(distinct order_id) filter (where is_purchase and is_guest) as guest_orders

    from order_lines
    where is_completed
    group by all

),

final as (

    select
        by_channel_month.month,
        by_channel_month.channel_id,
        channels.channel_name,
        channels.channel_type,
        by_channel_month.revenue,
        by_channel_month.sell_in_revenue,
        by_channel_month.customer_revenue,
        by_channel_month.guest_revenue,
        by_channel_month.customer_orders,
        by_channel_month.guest_orders,
        -- the share of the channel's revenue the customer marts cannot see
        by_channel_month.guest_revenue / nullif(by_channel_month.revenue, 0) as guest_revenue_share

    from by_channel_month
    left join channels
        on by_channel_month.channel_id = channels.channel_id

)

select * from final
