-- grain: one row per product (product_id)

with

products as (

    select * from staging.stg_order_system__products

),

order_lines as (

    select * from staging.stg_order_system__order_lines

),

orders as (

    select * from staging.stg_order_system__orders

),

first_orders as (

    select order_lines.product_id, cast(min(orders.ordered_at) as date) as first_order_date
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    group by all

),

final as (

    select
        products.product_id,
        sku,
        sku_key,
        -- another product's sku differs from this one only by case: partner files naming it in another case cannot
        -- be told apart (reported as a warning, resolved by exact spelling where it matches)
        count(*) over (partition by products.sku_key) > 1 as is_sku_case_collision,
        product_name,
        product_name_zh,
        category,
        -- the standard cost today: the source keeps no cost history; null = unknown (margins built on it are null)
        unit_cost,
        unit_cost is not null as is_cost_known,
        -- optional in the contract: a product without a launch date counts from its first order
        coalesce(products.launched_date, first_orders.first_order_date) as launched_date,
        updated_at

    from products
    left join first_orders
        on products.product_id = first_orders.product_id

)

select * from final
