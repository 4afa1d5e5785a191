-- grain: one row per marketing touch (touch_id), latest load

with

source as (

    select * from raw.crm.touches

),

renamed as (

    select
        trim(touch_id) as touch_id,
        trim(visitor_id) as visitor_id,
        nullif(trim(customer_id), '') as customer_id,
        trim(channel_id) as channel_id,
        lower(trim(touch_type)) as touch_type,
        cast(occurred_at as timestamp) as occurred_at,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by touch_id)

)

select * from final
