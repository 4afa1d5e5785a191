-- grain: one row per lead (lead_id), latest load

with

source as (

    select * from raw.crm.leads

),

renamed as (

    select
        trim(lead_id) as lead_id,
        trim(region_id) as region_id,
        nullif(trim(channel_id), '') as channel_id,
        nullif(trim(converted_customer_id), '') as converted_customer_id,
        lower(trim(status)) as status,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by lead_id)

)

select * from final
