-- grain: one row per product (product_id), latest load

with

source as (

    select * from raw.order_system.products

),

renamed as (

    select
        trim(product_id) as product_id,
        -- skus are matched against partner files: one spelling everywhere
        upper(trim(sku)) as sku,
        trim(product_name) as product_name,
        lower(trim(category)) as category,
        cast(unit_cost as decimal(18, 2)) as unit_cost,
        cast(launched_on as date) as launched_date,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by product_id)

)

select * from final
