-- grain: one row per partner channel per month of the history (channel_id, month)

with

calendar as (

    select * from intermediate.int_calendar_months

),

channels as (

    select * from core.channels

),

partners_activated as (

    select * from intermediate.int_partners_activated

),

partners as (

    select * from core.partners

),

channel_months as (

    select
        channels.channel_id,
        channels.channel_name,
        channels.channel_type,
        calendar.month,
        calendar.reference_date

    from channels
    cross join calendar
    where channels.is_partner_channel

),

new_outlets as (

    select
        channel_id,
        effective_month as month,
        count(*) as new_effective_outlets,
        cast(sum(outlet_count) as bigint) as new_outlet_shops,
        string_agg(partner_id, ', ' order by partner_id) as new_partner_ids

    from partners_activated
    where is_new_effective_outlet
    group by all

),

signed as (

    select
        channel_id,
        cast(date_trunc('month', signed_date) as date) as month,
        count(*) as partners_signed

    from partners
    group by all

),

terminated as (

    select
        channel_id,
        terminated_month as month,
        count(*) as outlets_terminated

    from partners_activated
    where terminated_month is not null
    group by all

),

active as (

    -- under contract on the month's reference date
    select
        channel_months.channel_id,
        channel_months.month,
        count(partners.partner_id) as active_outlets,
        cast(coalesce(sum(partners.outlet_count), 0) as bigint) as active_outlet_shops

    from channel_months
    inner join partners
        on channel_months.channel_id = partners.channel_id
        and partners.signed_date <= channel_months.reference_date
        and (partners.terminated_date is null or partners.terminated_date > channel_months.reference_date)
    group by all

),

final as (

    select
        channel_months.channel_id,
        channel_months.channel_name,
        channel_months.channel_type,
        new_outlets.new_partner_ids,
        coalesce(new_outlets.new_effective_outlets, 0) as new_effective_outlets,
        coalesce(new_outlets.new_outlet_shops, 0) as new_outlet_shops,
        coalesce(signed.partners_signed, 0) as partners_signed,
        coalesce(terminated.outlets_terminated, 0) as outlets_terminated,
        coalesce(new_outlets.new_effective_outlets, 0) - coalesce(terminated.outlets_terminated, 0) as net_new_outlets,
        coalesce(active.active_outlets, 0) as active_outlets,
        coalesce(active.active_outlet_shops, 0) as active_outlet_shops,
        channel_months.month

    from channel_months
    left join new_outlets
        on channel_months.channel_id = new_outlets.channel_id
        and channel_months.month = new_outlets.month
    left join signed
        on channel_months.channel_id = signed.channel_id
        and channel_months.month = signed.month
    left join terminated
        on channel_months.channel_id = terminated.channel_id
        and channel_months.month = terminated.month
    left join active
        on channel_months.channel_id = active.channel_id
        and channel_months.month = active.month

)

select * from final
