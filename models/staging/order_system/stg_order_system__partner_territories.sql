-- grain: one row per partner per authorised region per validity start (partner_id, region_id, valid_from), latest load

with

source as (

    select * from raw.order_system.partner_territories

),

renamed as (

    select
        trim(partner_id) as partner_id,
        trim(region_id) as region_id,
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
    qualify loaded_at = max(loaded_at) over (partition by partner_id, region_id, valid_from)

)

select * from final
