-- grain: one row per channel partner (partner_id)

with

partners as (

    select * from staging.stg_order_system__partners

),

channels as (

    select * from core.channels

),

final as (

    select
        partners.partner_id,
        partners.channel_id,
        partners.home_region_id,
        partners.partner_name,
        channels.channel_type,
        partners.partner_tier,
        partners.outlet_count,
        partners.terminated_date is not null as is_terminated,
        partners.signed_date,
        partners.terminated_date,
        partners.updated_at

    from partners
    left join channels
        on partners.channel_id = channels.channel_id

)

select * from final
