-- grain: one row per target (target_id), latest load

with

source as (

    select * from raw.order_system.targets

),

renamed as (

    select
        trim(target_id) as target_id,
        lower(trim(metric)) as metric,
        lower(trim(scope_type)) as scope_type,
        -- channel types are codes; channel and region ids are kept as the source spells them
        case
            when lower(trim(scope_type)) = 'channel_type' then lower(trim(scope_id))
            else nullif(trim(scope_id), '')
        end as scope_id,
        cast(target_value as double) as target_value,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by target_id)

)

select * from final
