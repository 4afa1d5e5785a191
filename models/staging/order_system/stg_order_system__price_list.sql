-- grain: one row per product per price validity start (product_id, valid_from), latest load

with

source as (

    select * from raw.order_system.price_list

),

renamed as (

    select
        trim(product_id) as product_id,
        -- prices per unit keep 4 decimals (0.0125 a gram): a line is judged against the floor as priced
        cast(list_price as decimal(18, 4)) as list_price,
        cast(partner_price as decimal(18, 4)) as partner_price,
        cast(floor_price as decimal(18, 4)) as floor_price,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by product_id, valid_from)

)

select * from final
