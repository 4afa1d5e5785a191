-- grain: one row per channel partner (partner_id), latest load

with

source as (

    select * from raw.order_system.partners

),

renamed as (

    select
        trim(partner_id) as partner_id,
        trim(channel_id) as channel_id,
        trim(home_region_id) as home_region_id,
        trim(partner_name) as partner_name,
        lower(trim(tier)) as partner_tier,
        cast(outlet_count as integer) as outlet_count,
        cast(signed_on as date) as signed_date,
        cast(terminated_on as date) as terminated_date,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by partner_id)

)

select * from final
