-- grain: one row per sales channel (channel_id), latest load

with

source as (

    select * from raw.order_system.channels

),

renamed as (

    select
        trim(channel_id) as channel_id,
        trim(channel_name) as channel_name,
        -- optional in the contract: a company without Chinese channel names shows its own on the Chinese pages
        coalesce(nullif(trim(channel_name_zh), ''), trim(channel_name)) as channel_name_zh,
        lower(trim(channel_type)) as channel_type,
        -- terms a company does not state count as 0 (contribution then counts no such cost); is_terms_stated says so
        -- and a warning names the channel
        coalesce(cast(platform_fee_rate as double), 0) as platform_fee_rate,
        coalesce(cast(commission_rate as double), 0) as commission_rate,
        coalesce(cast(monthly_management_cost as decimal(18, 2)), 0) as monthly_management_cost,
        platform_fee_rate is not null
        and commission_rate is not null
        and monthly_management_cost is not null as is_terms_stated,
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
