-- grain: one row per channel per ship-to region per month with sales, marketing or a cost (region_id null: management cost of a month in which the channel sold nothing)

with

costed_cells as (

    select * from intermediate.int_channel_region_months_costed

),

channels as (

    select * from core.channels

),

regions as (

    select * from core.regions

),

company_revenue_by_month as (

    select
        month,
        sum(revenue) as company_revenue

    from costed_cells
    group by all

),

cells_with_history as (

    select
        cells.*,
        company_revenue_by_month.company_revenue,
        previous_month.revenue as revenue_previous_month_cell,
        same_month_last_year.revenue as revenue_same_month_last_year_cell,
        -- was the earlier month inside the history the warehouse holds? (before it, growth is unknown, not infinite)
        cells.month - interval 1 month >= (select min(month) from costed_cells) as has_previous_month,
        cells.month - interval 12 month >= (select min(month) from costed_cells) as has_same_month_last_year

    from costed_cells as cells
    inner join company_revenue_by_month
        on cells.month = company_revenue_by_month.month
    left join costed_cells as previous_month
        on cells.channel_id = previous_month.channel_id
        and cells.region_id is not distinct from previous_month.region_id
        and cells.month - interval 1 month = previous_month.month
    left join costed_cells as same_month_last_year
        on cells.channel_id = same_month_last_year.channel_id
        and cells.region_id is not distinct from same_month_last_year.region_id
        and cells.month - interval 12 month = same_month_last_year.month

),

final as (

    select
        cells.month,
        cells.channel_id,
        channels.channel_name,
        channels.channel_type,
        channels.channel_group,
        cells.region_id,
        regions.region_name,
        regions.region_name_zh,
        regions.area,
        cells.orders,
        cells.units,
        cells.revenue,
        cells.cost_of_goods,
        cells.gross_margin,
        cells.revenue_unknown_cost,
        cells.rebates,
        cells.platform_fees,
        cells.commissions,
        cells.marketing_spend,
        cells.visits,
        cells.management_cost,
        cells.channel_costs,
        cells.contribution,
        cells.revenue / nullif(cells.company_revenue, 0) as sales_share,
        cells.gross_margin / nullif(cells.revenue, 0) as gross_margin_rate,
        macros.contribution_margin(cells.contribution, cells.revenue) as contribution_margin,
        macros.return_on_channel_costs(cells.contribution, cells.channel_costs) as roi,
        case when cells.has_previous_month then coalesce(cells.revenue_previous_month_cell, 0) end
            as revenue_previous_month,
        (cells.revenue - cells.revenue_previous_month_cell) / nullif(cells.revenue_previous_month_cell, 0)
            as revenue_mom_growth,
        case when cells.has_same_month_last_year then coalesce(cells.revenue_same_month_last_year_cell, 0) end
            as revenue_same_month_last_year,
        (cells.revenue - cells.revenue_same_month_last_year_cell) / nullif(cells.revenue_same_month_last_year_cell, 0)
            as revenue_yoy_growth,
        channels.is_online,
        channels.is_partner_channel,
        cells.is_unallocated

    from cells_with_history as cells
    left join channels
        on cells.channel_id = channels.channel_id
    left join regions
        on cells.region_id = regions.region_id

)

select * from final
