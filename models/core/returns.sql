-- grain: one row per return (return_id), with the returned line's order attributes

with

returns as (

    select * from staging.stg_order_system__returns

),

order_lines as (

    select * from core.order_lines

),

final as (

    select
        returns.return_id,
        returns.order_line_id,
        order_lines.order_id,
        order_lines.product_id,
        order_lines.channel_id,
        order_lines.partner_id,
        order_lines.customer_id,
        order_lines.ship_to_region_id,
        returns.return_reason,
        returns.returned_quantity,
        returns.refund_amount,
        cast(returns.returned_at as date) as returned_date,
        cast(date_trunc('month', returns.returned_at) as date) as returned_month,
        returns.returned_at,
        returns.updated_at

    from returns
    left join order_lines
        on returns.order_line_id = order_lines.order_line_id

)

select * from final
