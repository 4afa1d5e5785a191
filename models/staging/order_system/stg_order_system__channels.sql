-- grain: one row per sales channel (channel_id), latest load

with

source as (

    select * from raw.order_system.channels

),

renamed as (

    select
        trim(channel_id) as channel_id,
        trim(channel_name) as channel_name,
        lower(trim(channel_type)) as channel_type,
        cast(platform_fee_rate as double) as platform_fee_rate,
        cast(commission_rate as double) as commission_rate,
        cast(monthly_management_cost as decimal(18, 2)) as monthly_management_cost,
        cast(is_online as boolean) as is_online,
        cast(launched_on as date) as launched_date,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by channel_id)

)

select * from final
