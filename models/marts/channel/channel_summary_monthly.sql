-- grain: one row per scope (the company, a channel group, a channel type or a channel) per month

with

costed_cells as (

    select * from intermediate.int_channel_region_months_costed

),

channels as (

    select * from core.channels

),

calendar as (

    select * from intermediate.int_calendar_months

),

channel_scopes as (

    -- every channel belongs to four scopes
    select channel_id, 'company' as scope_type, 'all' as scope_id, launched_date from channels
    union all
    select channel_id, 'channel_group', channel_group, launched_date from channels
    union all
    select channel_id, 'channel_type', channel_type, launched_date from channels
    union all
    select channel_id, 'channel', channel_id, launched_date from channels

),

scope_months as (

    -- from the month the scope's first channel launched (the whole history for the company)
    select
        scopes.scope_type,
        scopes.scope_id,
        calendar.month

    from (
        select scope_type, scope_id, min(cast(date_trunc('month', launched_date) as date)) as launched_month
        from channel_scopes
        group by all
    ) as scopes
    inner join calendar
        on scopes.scope_type = 'company'
        or scopes.launched_month is null
        or scopes.launched_month <= calendar.month

),

scope_sums as (

    select
        channel_scopes.scope_type,
        channel_scopes.scope_id,
        costed_cells.month,
        count(distinct costed_cells.channel_id) filter (where costed_cells.revenue <> 0) as selling_channels,
        sum(costed_cells.orders) as orders,
        sum(costed_cells.units) as units,
        sum(costed_cells.revenue) as revenue,
        -- a cell of unknown cost leaves the scope's cost, margin and contribution unknown (a partial sum would be wrong)
        case when bool_and(costed_cells.gross_margin is not null) then sum(costed_cells.cost_of_goods) end as cost_of_goods,
        case when bool_and(costed_cells.gross_margin is not null) then sum(costed_cells.gross_margin) end as gross_margin,
        sum(costed_cells.revenue_unknown_cost) as revenue_unknown_cost,
        sum(costed_cells.rebates) as rebates,
        sum(costed_cells.platform_fees) as platform_fees,
        sum(costed_cells.commissions) as commissions,
        sum(costed_cells.marketing_spend) as marketing_spend,
        sum(costed_cells.visits) as visits,
        sum(costed_cells.management_cost) as management_cost,
        sum(costed_cells.channel_costs) as channel_costs,
        case when bool_and(costed_cells.contribution is not null) then sum(costed_cells.contribution) end as contribution

    from costed_cells
    inner join channel_scopes
        on costed_cells.channel_id = channel_scopes.channel_id
    group by all

),

scope_months_filled as (

    select
        scope_months.scope_type,
        scope_months.scope_id,
        scope_months.month,
        coalesce(scope_sums.selling_channels, 0) as selling_channels,
        cast(coalesce(scope_sums.orders, 0) as bigint) as orders,
        cast(coalesce(scope_sums.units, 0) as bigint) as units,
        cast(coalesce(scope_sums.revenue, 0) as decimal(18, 2)) as revenue,
        -- zero in a month without cells; unknown (null) when a cell's cost is
        cast(case when scope_sums.scope_id is null then 0 else scope_sums.cost_of_goods end as decimal(18, 2))
            as cost_of_goods,
        cast(case when scope_sums.scope_id is null then 0 else scope_sums.gross_margin end as decimal(18, 2))
            as gross_margin,
        cast(coalesce(scope_sums.revenue_unknown_cost, 0) as decimal(18, 2)) as revenue_unknown_cost,
        cast(coalesce(scope_sums.rebates, 0) as decimal(18, 2)) as rebates,
        cast(coalesce(scope_sums.platform_fees, 0) as decimal(38, 8)) as platform_fees,
        cast(coalesce(scope_sums.commissions, 0) as decimal(38, 8)) as commissions,
        cast(coalesce(scope_sums.marketing_spend, 0) as decimal(18, 2)) as marketing_spend,
        cast(coalesce(scope_sums.visits, 0) as bigint) as visits,
        cast(coalesce(scope_sums.management_cost, 0) as decimal(18, 2)) as management_cost,
        cast(coalesce(scope_sums.channel_costs, 0) as decimal(38, 8)) as channel_costs,
        cast(case when scope_sums.scope_id is null then 0 else scope_sums.contribution end as decimal(38, 8))
            as contribution

    from scope_months
    left join scope_sums
        on scope_months.scope_type = scope_sums.scope_type
        and scope_months.scope_id = scope_sums.scope_id
        and scope_months.month = scope_sums.month

),

with_history as (

    select
        filled.*,
        company.revenue as company_revenue,
        lag(filled.revenue) over (partition by filled.scope_type, filled.scope_id order by filled.month)
            as revenue_previous_month_row,
        lag(filled.month) over (partition by filled.scope_type, filled.scope_id order by filled.month)
            as previous_month_row,
        last_year.revenue as revenue_same_month_last_year

    from scope_months_filled as filled
    inner join scope_months_filled as company
        on company.scope_type = 'company'
        and filled.month = company.month
    left join scope_months_filled as last_year
        on filled.scope_type = last_year.scope_type
        and filled.scope_id = last_year.scope_id
        and filled.month - interval 12 month = last_year.month

),

final as (

    select
        scope_type,
        scope_id,
        selling_channels,
        orders,
        units,
        revenue,
        cost_of_goods,
        gross_margin,
        revenue_unknown_cost,
        rebates,
        platform_fees,
        commissions,
        marketing_spend,
        visits,
        management_cost,
        channel_costs,
        contribution,
        revenue / nullif(company_revenue, 0) as sales_share,
        gross_margin / nullif(revenue, 0) as gross_margin_rate,
        macros.contribution_margin(contribution, revenue) as contribution_margin,
        macros.return_on_channel_costs(contribution, channel_costs) as roi,
        case when previous_month_row = month - interval 1 month then revenue_previous_month_row end
            as revenue_previous_month,
        case
            when previous_month_row = month - interval 1 month
                then (revenue - revenue_previous_month_row) / nullif(revenue_previous_month_row, 0)
        end as revenue_mom_growth,
        revenue_same_month_last_year,
        (revenue - revenue_same_month_last_year) / nullif(revenue_same_month_last_year, 0) as revenue_yoy_growth,
        month

    from with_history

)

select * from final
