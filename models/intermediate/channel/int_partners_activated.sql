-- grain: one row per partner (partner_id), with when it became an effective outlet

with

partners as (

    select * from core.partners

),

orders as (

    select * from core.orders

),

calendar as (

    select * from intermediate.int_calendar_months

),

history as (

    select
        min(month) as first_month,
        max(as_of_date) as as_of_date

    from calendar

),

first_sell_in as (

    -- the first sell-in purchase on or after signing (a cancellation document is no trade)
    select
        orders.partner_id,
        min(orders.order_date) as first_sell_in_date

    from orders
    inner join partners
        on orders.partner_id = partners.partner_id
        and orders.order_date >= partners.signed_date
    where orders.is_purchase
    group by all

),

final as (

    select
        partners.partner_id,
        partners.channel_id,
        partners.home_region_id,
        partners.channel_type,
        partners.outlet_count,
        -- new: signed inside the history the warehouse holds (partners signed earlier were already there)
        coalesce(partners.signed_date >= history.first_month, false) as is_signed_in_history,
        -- effective (有效): has traded - at least one completed sell-in order since signing
        first_sell_in.first_sell_in_date is not null as is_effective,
        coalesce(partners.signed_date >= history.first_month, false)
        and first_sell_in.first_sell_in_date is not null as is_new_effective_outlet,
        partners.is_terminated,
        partners.signed_date,
        first_sell_in.first_sell_in_date as effective_date,
        cast(date_trunc('month', first_sell_in.first_sell_in_date) as date) as effective_month,
        partners.terminated_date,
        cast(date_trunc('month', partners.terminated_date) as date) as terminated_month

    from partners
    cross join history
    left join first_sell_in
        on partners.partner_id = first_sell_in.partner_id

)

select * from final
