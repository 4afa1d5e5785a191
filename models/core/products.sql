-- grain: one row per product (product_id)

with

products as (

    select * from staging.stg_order_system__products

),

final as (

    select
        product_id,
        sku,
        sku_key,
        -- another product's sku differs from this one only by case: partner files naming it in another case cannot
        -- be told apart (reported as a warning, resolved by exact spelling where it matches)
        count(*) over (partition by sku_key) > 1 as is_sku_case_collision,
        product_name,
        category,
        -- the standard cost today: the source keeps no cost history; null = unknown (margins built on it are null)
        unit_cost,
        unit_cost is not null as is_cost_known,
        launched_date,
        updated_at

    from products

)

select * from final
