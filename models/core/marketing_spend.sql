-- grain: one row per marketing spend record (spend_id): a channel, a region and a month

with

marketing_spend as (

    select * from staging.stg_order_system__marketing_spend

),

final as (

    select
        spend_id,
        channel_id,
        region_id,
        spend_amount,
        visits,
        spend_month,
        updated_at

    from marketing_spend

)

select * from final
