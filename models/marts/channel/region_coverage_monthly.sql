-- grain: one row per region per month of the history

with

calendar as (

    select * from intermediate.int_calendar_months

),

regions as (

    select * from core.regions

),

authorised as (

    select * from intermediate.int_partner_region_months_authorised

),

customers as (

    select * from core.customers

),

leads as (

    select * from core.leads

),

orders as (

    select * from core.orders

),

partners as (

    select * from core.partners

),

coverage as (

    select
        region_id,
        month,
        count(distinct partner_id) as authorised_partners,
        count(distinct channel_id) as authorised_channels,
        cast(sum(outlet_count) as bigint) as authorised_outlet_shops

    from authorised
    group by all

),

leads_by_month as (

    select
        region_id,
        cast(date_trunc('month', created_date) as date) as month,
        count(*) as leads

    from leads
    group by all

),

orders_by_month as (

    -- purchases reaching the region without a partner: online channels and direct (key-account) sales
    select
        ship_to_region_id as region_id,
        order_month as month,
        count(*) filter (where is_online) as online_orders,
        count(*) filter (where not is_online) as direct_orders

    from orders
    where is_purchase
        and not is_sell_in
    group by all

),

region_months as (

    select
        regions.region_id,
        regions.region_name,
        regions.region_name_zh,
        regions.area,
        regions.area_zh,
        calendar.month,
        calendar.reference_date,
        coalesce(coverage.authorised_partners, 0) as authorised_partners,
        coalesce(coverage.authorised_channels, 0) as authorised_channels,
        coalesce(coverage.authorised_outlet_shops, 0) as authorised_outlet_shops,
        coalesce(leads_by_month.leads, 0) as leads,
        coalesce(orders_by_month.online_orders, 0) as online_orders,
        coalesce(orders_by_month.direct_orders, 0) as direct_orders,
        (
            select count(*)
            from customers
            where customers.region_id = regions.region_id
                and customers.created_date <= calendar.reference_date
        ) as customers

    from regions
    cross join calendar
    left join coverage
        on regions.region_id = coverage.region_id
        and calendar.month = coverage.month
    left join leads_by_month
        on regions.region_id = leads_by_month.region_id
        and calendar.month = leads_by_month.month
    left join orders_by_month
        on regions.region_id = orders_by_month.region_id
        and calendar.month = orders_by_month.month

),

region_months_with_trailing_sums as (

    select
        *,
        sum(leads) over twelve_months_to_date as leads_last_12_months,
        sum(online_orders) over twelve_months_to_date as online_orders_last_12_months,
        sum(direct_orders) over twelve_months_to_date as direct_orders_last_12_months

    from region_months
    window twelve_months_to_date as (
        partition by region_id
        order by month
        range between interval 11 month preceding and current row
    )

),

final as (

    select
        region_id,
        region_name,
        region_name_zh,
        area,
        area_zh,
        authorised_partners,
        authorised_channels,
        authorised_outlet_shops,
        customers,
        leads,
        online_orders,
        direct_orders,
        cast(leads_last_12_months as bigint) as leads_last_12_months,
        cast(online_orders_last_12_months as bigint) as online_orders_last_12_months,
        cast(direct_orders_last_12_months as bigint) as direct_orders_last_12_months,
        authorised_partners > 0 as is_covered,
        customers + leads_last_12_months + online_orders_last_12_months + direct_orders_last_12_months > 0
            as has_demand,
        -- a company selling through no partners at all (a web shop) has no outlet network with gaps in it: no region
        -- of it is a blind spot
        authorised_partners = 0
        and customers + leads_last_12_months + online_orders_last_12_months + direct_orders_last_12_months > 0
        and (select count(*) from partners) > 0
            as is_blind_spot,
        month,
        reference_date

    from region_months_with_trailing_sums

)

select * from final
