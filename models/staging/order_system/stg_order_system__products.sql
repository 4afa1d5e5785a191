-- grain: one row per product (product_id), latest load

with

source as (

    select * from raw.order_system.products

),

renamed as (

    select
        trim(product_id) as product_id,
        -- the sku as the order system spells it: two products may differ only by case (ab12c / AB12C)
        trim(sku) as sku,
        -- partner files type skus by hand in any case: they are matched on the upper-cased key
        upper(trim(sku)) as sku_key,
        trim(product_name) as product_name,
        -- optional in the contract: a company without Chinese names shows its own to Chinese readers
        coalesce(nullif(trim(product_name_zh), ''), trim(product_name)) as product_name_zh,
        coalesce(nullif(lower(trim(category)), ''), 'uncategorised') as category,
        -- null when the source keeps no cost: unknown, never 0. A cost per unit keeps 4 decimals, like prices
        cast(unit_cost as decimal(18, 4)) as unit_cost,
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
