-- grain: one row for the whole warehouse build

with

orders as (

    select * from core.orders

),

build_context as (

    select * from ops.build_context

),

latest_order as (

    select max(order_date) as as_of_date
    from orders

),

final as (

    select
        latest_order.as_of_date,
        build_context.built_at as refreshed_at,
        build_context.run_id

    from build_context
    cross join latest_order

)

select * from final
