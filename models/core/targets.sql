-- grain: one row per target (target_id): a metric's goal for a scope and a period

with

targets as (

    select * from staging.stg_order_system__targets

),

final as (

    select
        target_id,
        metric,
        -- company (scope_id empty), channel_type (a channel type code), channel (channel_id) or region (region_id)
        scope_type,
        scope_id,
        target_value,
        period_start,
        period_end,
        updated_at

    from targets

)

select * from final
