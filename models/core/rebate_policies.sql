-- grain: one row per rebate policy (rebate_policy_id)

with

rebate_policies as (

    select * from staging.stg_order_system__rebate_policies

),

final as (

    select
        rebate_policy_id,
        channel_id,
        -- partners earn rebate_rate on monthly sell-in revenue above monthly_threshold
        monthly_threshold,
        rebate_rate,
        valid_from,
        valid_to,
        updated_at

    from rebate_policies

)

select * from final
