-- grain: one row per rebate policy (rebate_policy_id), latest load

with

source as (

    select * from raw.order_system.rebate_policies

),

renamed as (

    select
        trim(policy_id) as rebate_policy_id,
        trim(channel_id) as channel_id,
        cast(monthly_threshold as decimal(18, 2)) as monthly_threshold,
        cast(rebate_rate as double) as rebate_rate,
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
    qualify loaded_at = max(loaded_at) over (partition by rebate_policy_id)

)

select * from final
