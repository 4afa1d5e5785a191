-- grain: one row per region (region_id), as of the as-of date

with

coverage_monthly as (

    select * from marts.region_coverage_monthly

),

calendar as (

    select * from intermediate.int_calendar_months

),

authorised as (

    select * from intermediate.int_partner_region_months_authorised

),

costed_cells as (

    select * from intermediate.int_channel_region_months_costed

),

channels as (

    select * from core.channels

),

as_of as (

    select month, reference_date
    from calendar
    where months_before_as_of = 0

),

partners_as_of as (

    select
        authorised.region_id,
        string_agg(distinct authorised.partner_id, ', ' order by authorised.partner_id) as authorised_partner_ids,
        string_agg(distinct authorised.channel_id, ', ' order by authorised.channel_id) as authorised_channel_ids

    from authorised
    inner join as_of
        on authorised.month = as_of.month
    group by all

),

sales_last_12_months as (

    select
        costed_cells.region_id,
        count(distinct costed_cells.channel_id) filter (where costed_cells.revenue > 0) as channels_with_sales,
        sum(costed_cells.revenue) as revenue,
        sum(costed_cells.revenue) filter (where channels.is_partner_channel) as partner_channel_revenue,
        sum(costed_cells.revenue) filter (where channels.is_online) as online_revenue

    from costed_cells
    inner join calendar
        on costed_cells.month = calendar.month
    inner join channels
        on costed_cells.channel_id = channels.channel_id
    where calendar.is_last_12_months
        and costed_cells.region_id is not null
    group by all

),

final as (

    select
        coverage_monthly.region_id,
        coverage_monthly.region_name,
        coverage_monthly.region_name_zh,
        coverage_monthly.area,
        coverage_monthly.area_zh,
        partners_as_of.authorised_partner_ids,
        partners_as_of.authorised_channel_ids,
        coverage_monthly.authorised_partners,
        coverage_monthly.authorised_channels,
        coverage_monthly.authorised_outlet_shops,
        coverage_monthly.customers,
        coverage_monthly.leads_last_12_months,
        coverage_monthly.online_orders_last_12_months,
        coverage_monthly.direct_orders_last_12_months,
        coalesce(sales_last_12_months.channels_with_sales, 0) as channels_with_sales_last_12_months,
        cast(coalesce(sales_last_12_months.revenue, 0) as decimal(18, 2)) as revenue_last_12_months,
        cast(coalesce(sales_last_12_months.partner_channel_revenue, 0) as decimal(18, 2))
            as partner_channel_revenue_last_12_months,
        cast(coalesce(sales_last_12_months.online_revenue, 0) as decimal(18, 2)) as online_revenue_last_12_months,
        coverage_monthly.is_covered,
        coverage_monthly.has_demand,
        coverage_monthly.is_blind_spot,
        coverage_monthly.reference_date as as_of_date

    from coverage_monthly
    inner join as_of
        on coverage_monthly.month = as_of.month
    left join partners_as_of
        on coverage_monthly.region_id = partners_as_of.region_id
    left join sales_last_12_months
        on coverage_monthly.region_id = sales_last_12_months.region_id

)

select * from final
