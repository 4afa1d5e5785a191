-- grain: one row per product (product_id)

with

products as (

    select * from staging.stg_order_system__products

),

final as (

    select
        product_id,
        sku,
        product_name,
        category,
        -- the standard cost today: the source keeps no cost history
        unit_cost,
        launched_date,
        updated_at

    from products

)

select * from final
