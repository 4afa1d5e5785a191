-- grain: one row per channel per region the channel is authorised for on the as-of date or sold into / marketed in during the last 12 months

with

calendar as (

    select * from intermediate.int_calendar_months

),

authorised as (

    select * from intermediate.int_partner_region_months_authorised

),

costed_cells as (

    select * from intermediate.int_channel_region_months_costed

),

purchases as (

    select * from intermediate.int_customer_purchases_unioned

),

channels as (

    select * from core.channels

),

regions as (

    select * from core.regions

),

authorised_as_of as (

    select
        authorised.channel_id,
        authorised.region_id,
        count(distinct authorised.partner_id) as authorised_partners,
        cast(sum(authorised.outlet_count) as bigint) as authorised_outlet_shops

    from authorised
    inner join calendar
        on authorised.month = calendar.month
    where calendar.months_before_as_of = 0
    group by all

),

activity_last_12_months as (

    select
        costed_cells.channel_id,
        costed_cells.region_id,
        sum(costed_cells.orders) as orders,
        sum(costed_cells.revenue) as revenue,
        sum(costed_cells.marketing_spend) as marketing_spend,
        count(distinct costed_cells.month) filter (where costed_cells.revenue > 0) as months_with_sales

    from costed_cells
    inner join calendar
        on costed_cells.month = calendar.month
    where calendar.is_last_12_months
        and costed_cells.region_id is not null
    group by all

),

customers_last_12_months as (

    select
        purchases.channel_id,
        purchases.region_id,
        count(distinct purchases.customer_id) as identified_customers

    from purchases
    inner join calendar
        on purchases.purchase_month = calendar.month
    where calendar.is_last_12_months
    group by all

),

pairs as (

    select channel_id, region_id from authorised_as_of
    union
    select channel_id, region_id from activity_last_12_months

),

final as (

    select
        pairs.channel_id,
        channels.channel_name,
        channels.channel_type,
        channels.channel_group,
        pairs.region_id,
        regions.region_name,
        regions.region_name_zh,
        regions.area,
        coalesce(authorised_as_of.authorised_partners, 0) as authorised_partners,
        coalesce(authorised_as_of.authorised_outlet_shops, 0) as authorised_outlet_shops,
        cast(coalesce(activity_last_12_months.orders, 0) as bigint) as orders_last_12_months,
        cast(coalesce(activity_last_12_months.revenue, 0) as decimal(18, 2)) as revenue_last_12_months,
        cast(coalesce(activity_last_12_months.marketing_spend, 0) as decimal(18, 2)) as marketing_spend_last_12_months,
        coalesce(activity_last_12_months.months_with_sales, 0) as months_with_sales_last_12_months,
        coalesce(customers_last_12_months.identified_customers, 0) as identified_customers_last_12_months,
        channels.is_partner_channel,
        coalesce(authorised_as_of.authorised_partners, 0) > 0 as is_authorised,
        coalesce(activity_last_12_months.revenue, 0) > 0 as has_sales_last_12_months

    from pairs
    left join channels
        on pairs.channel_id = channels.channel_id
    left join regions
        on pairs.region_id = regions.region_id
    left join authorised_as_of
        on pairs.channel_id = authorised_as_of.channel_id
        and pairs.region_id = authorised_as_of.region_id
    left join activity_last_12_months
        on pairs.channel_id = activity_last_12_months.channel_id
        and pairs.region_id = activity_last_12_months.region_id
    left join customers_last_12_months
        on pairs.channel_id = customers_last_12_months.channel_id
        and pairs.region_id = customers_last_12_months.region_id

)

select * from final
