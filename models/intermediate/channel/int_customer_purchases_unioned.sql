-- grain: one row per purchase by an identified customer: a purchase (completed order netting above zero) with a customer (order_id) or a partner sell-through sale reporting one (sell_through_id)

with

orders as (

    select * from core.orders

),

sell_through as (

    select * from core.sell_through

),

channels as (

    select * from core.channels

),

direct_orders as (

    select
        order_id as purchase_id,
        customer_id,
        channel_id,
        cast(null as varchar) as partner_id,
        ship_to_region_id as region_id,
        'order' as purchase_source,
        units,
        order_amount as amount,
        -- the company's margin is known on its own orders only (and there only when every line's cost is)
        gross_margin,
        order_date as purchase_date

    from orders
    -- a purchase: a cancellation document or a fully cancelled order is none; a guest checkout names nobody
    where is_purchase
        and customer_id is not null

),

partner_sales as (

    select
        sell_through_id as purchase_id,
        customer_id,
        channel_id,
        partner_id,
        ship_to_region_id as region_id,
        'sell_through' as purchase_source,
        cast(quantity as bigint) as units,
        sale_amount as amount,
        cast(null as decimal(18, 2)) as gross_margin,
        sale_date as purchase_date

    from sell_through
    where customer_id is not null

),

purchases as (

    select * from direct_orders
    union all
    select * from partner_sales

),

final as (

    select
        purchases.purchase_id,
        purchases.customer_id,
        purchases.channel_id,
        purchases.partner_id,
        purchases.region_id,
        channels.channel_type,
        channels.channel_group,
        purchases.purchase_source,
        purchases.units,
        purchases.amount,
        purchases.gross_margin,
        -- first purchase of the customer (ties: orders before partner sales, then by id)
        row_number() over (
            partition by purchases.customer_id
            order by purchases.purchase_date, purchases.purchase_source, purchases.purchase_id
        ) as customer_purchase_number,
        row_number() over (
            partition by purchases.customer_id, purchases.channel_id
            order by purchases.purchase_date, purchases.purchase_source, purchases.purchase_id
        ) as customer_channel_purchase_number,
        purchases.purchase_date,
        cast(date_trunc('month', purchases.purchase_date) as date) as purchase_month

    from purchases
    left join channels
        on purchases.channel_id = channels.channel_id

)

select * from final
