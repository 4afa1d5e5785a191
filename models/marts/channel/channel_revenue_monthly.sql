-- grain: one row per channel per ship-to region per month (completed orders only)

with

order_lines as (

    select * from core.order_lines

),

channels as (

    select * from core.channels

),

regions as (

    select * from core.regions

),

completed_lines as (

    select *
    from order_lines
    where is_completed

),

revenue_by_channel_region_month as (

    select
        order_month as month,
        channel_id,
        ship_to_region_id as region_id,
        -- purchases only: a cancellation document nets the revenue below but is no order
        count(distinct order_id) filter (where is_purchase) as orders,
        cast(sum(quantity) as bigint) as units,
        cast(sum(line_amount) as decimal(18, 2)) as revenue,
        -- one line of unknown cost leaves the cell's cost and margin unknown (never a 100% margin)
        case when bool_and(is_cost_known) then cast(sum(cost_of_goods) as decimal(18, 2)) end as cost_of_goods,
        case when bool_and(is_cost_known) then cast(sum(gross_margin) as decimal(18, 2)) end as gross_margin,
        cast(coalesce(sum(line_amount) filter (where not is_cost_known), 0) as decimal(18, 2)) as revenue_unknown_cost

    from completed_lines
    group by all

),

final as (

    select
        revenue_by_channel_region_month.month,
        revenue_by_channel_region_month.channel_id,
        channels.channel_name,
        channels.channel_type,
        revenue_by_channel_region_month.region_id,
        regions.region_name,
        regions.area,
        revenue_by_channel_region_month.orders,
        revenue_by_channel_region_month.units,
        revenue_by_channel_region_month.revenue,
        revenue_by_channel_region_month.cost_of_goods,
        revenue_by_channel_region_month.gross_margin,
        revenue_by_channel_region_month.revenue_unknown_cost

    from revenue_by_channel_region_month
    left join channels
        on revenue_by_channel_region_month.channel_id = channels.channel_id
    left join regions
        on revenue_by_channel_region_month.region_id = regions.region_id

)

select * from final
