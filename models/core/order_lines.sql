-- grain: one row per order line (order_line_id), with its order's attributes

with

order_lines as (

    select * from staging.stg_order_system__order_lines

),

orders as (

    select * from staging.stg_order_system__orders

),

channels as (

    select * from core.channels

),

products as (

    select * from core.products

),

price_list as (

    select * from core.price_list

),

lines_joined_to_orders as (

    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.product_id,
        orders.channel_id,
        orders.partner_id,
        orders.customer_id,
        orders.ship_to_region_id,
        channels.channel_type,
        orders.status,
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.discount_amount,
        order_lines.line_amount,
        products.unit_cost,
        channels.is_online,
        channels.is_partner_channel as is_sell_in,
        orders.status = 'completed' as is_completed,
        -- a guest checkout: a direct order without an end customer (counts in channel figures, in no customer mart)
        not channels.is_partner_channel and orders.customer_id is null as is_guest,
        -- a purchase: a completed order whose lines net above zero; a fully cancelled order, a cancellation document
        -- (credit note) or an order of free samples only is none (it still nets revenue)
        orders.status = 'completed'
        and sum(order_lines.line_amount) over (partition by order_lines.order_id) > 0 as is_purchase,
        cast(orders.ordered_at as date) as order_date,
        orders.ordered_at,
        order_lines.updated_at

    from order_lines
    left join orders
        on order_lines.order_id = orders.order_id
    left join channels
        on orders.channel_id = channels.channel_id
    left join products
        on order_lines.product_id = products.product_id

),

prices_on_order_date as (

    select
        lines_joined_to_orders.order_line_id,
        price_list.list_price,
        price_list.partner_price,
        price_list.floor_price

    from lines_joined_to_orders
    inner join price_list
        on lines_joined_to_orders.product_id = price_list.product_id
        and lines_joined_to_orders.order_date >= price_list.valid_from
        and (price_list.valid_to is null or lines_joined_to_orders.order_date <= price_list.valid_to)
    -- rows touching on a boundary day: the one that starts later is the price of that day
    qualify row_number() over (
        partition by lines_joined_to_orders.order_line_id
        order by price_list.valid_from desc
    ) = 1

),

final as (

    select
        lines_joined_to_orders.order_line_id,
        lines_joined_to_orders.order_id,
        lines_joined_to_orders.product_id,
        lines_joined_to_orders.channel_id,
        lines_joined_to_orders.partner_id,
        lines_joined_to_orders.customer_id,
        lines_joined_to_orders.ship_to_region_id,
        lines_joined_to_orders.channel_type,
        lines_joined_to_orders.status,
        lines_joined_to_orders.quantity,
        lines_joined_to_orders.unit_price,
        lines_joined_to_orders.discount_amount,
        lines_joined_to_orders.line_amount,
        prices_on_order_date.list_price,
        prices_on_order_date.partner_price,
        prices_on_order_date.floor_price,
        lines_joined_to_orders.unit_cost,
        -- an unknown unit cost leaves cost of goods and gross margin unknown (null), never a 100% margin. The unit
        -- cost has 4 decimals; the amounts are rounded to the cent (exact decimals, so a cost in cents changes nothing)
        cast(
            round(lines_joined_to_orders.quantity * lines_joined_to_orders.unit_cost, 2) as decimal(18, 2)
        ) as cost_of_goods,
        cast(
            round(
                lines_joined_to_orders.line_amount
                - lines_joined_to_orders.quantity * lines_joined_to_orders.unit_cost,
                2
            )
            as decimal(18, 2)
        ) as gross_margin,
        lines_joined_to_orders.unit_cost is not null as is_cost_known,
        -- no price-list entry on the order date: discount and below-floor checks do not apply to the line
        prices_on_order_date.order_line_id is not null as has_price_list_entry,
        -- a cancellation, return or adjustment sent as a line of its own
        lines_joined_to_orders.quantity < 0 or lines_joined_to_orders.line_amount < 0 as is_reversal,
        -- a sample or a gift
        lines_joined_to_orders.unit_price = 0 as is_zero_priced,
        lines_joined_to_orders.is_online,
        lines_joined_to_orders.is_sell_in,
        lines_joined_to_orders.is_completed,
        lines_joined_to_orders.is_guest,
        lines_joined_to_orders.is_purchase,
        lines_joined_to_orders.order_date,
        cast(date_trunc('month', lines_joined_to_orders.order_date) as date) as order_month,
        lines_joined_to_orders.ordered_at,
        lines_joined_to_orders.updated_at

    from lines_joined_to_orders
    left join prices_on_order_date
        on lines_joined_to_orders.order_line_id = prices_on_order_date.order_line_id

)

select * from final
