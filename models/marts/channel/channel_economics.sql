-- grain: one row per channel (channel_id) over the whole history

with

costed_cells as (

    select * from intermediate.int_channel_region_months_costed

),

calendar as (

    select * from intermediate.int_calendar_months

),

channels as (

    select * from core.channels

),

returns as (

    select * from core.returns

),

history as (

    select
        min(month) as period_start,
        max(as_of_date) as period_end

    from calendar

),

totals as (

    select
        costed_cells.channel_id,
        count(distinct costed_cells.month) filter (where costed_cells.management_cost > 0) as months_charged,
        sum(costed_cells.orders) as orders,
        sum(costed_cells.units) as units,
        sum(costed_cells.revenue) as revenue,
        -- a cell of unknown cost leaves the channel's cost, margin and contribution unknown (never a 100% margin)
        case when bool_and(costed_cells.gross_margin is not null) then sum(costed_cells.cost_of_goods) end as cost_of_goods,
        case when bool_and(costed_cells.gross_margin is not null) then sum(costed_cells.gross_margin) end as gross_margin,
        sum(costed_cells.revenue_unknown_cost) as revenue_unknown_cost,
        sum(costed_cells.rebates) as rebates,
        sum(costed_cells.platform_fees) as platform_fees_exact,
        sum(costed_cells.commissions) as commissions_exact,
        sum(costed_cells.marketing_spend) as marketing_spend,
        sum(costed_cells.visits) as visits,
        sum(costed_cells.management_cost) as management_cost,
        sum(costed_cells.channel_costs) as channel_costs_exact,
        case when bool_and(costed_cells.contribution is not null) then sum(costed_cells.contribution) end
            as contribution_exact,
        sum(costed_cells.revenue) filter (where calendar.is_last_12_months) as revenue_last_12_months,
        sum(costed_cells.revenue) filter (where calendar.is_prior_12_months) as revenue_prior_12_months,
        count(distinct costed_cells.region_id) filter (
            where calendar.is_last_12_months and costed_cells.revenue > 0
        ) as regions_with_sales_last_12_months

    from costed_cells
    inner join calendar
        on costed_cells.month = calendar.month
    group by all

),

refunds as (

    select
        channel_id,
        sum(refund_amount) as refunds

    from returns
    group by all

),

company as (

    select sum(revenue) as revenue
    from totals

),

final as (

    select
        channels.channel_id,
        channels.channel_name,
        channels.channel_type,
        channels.channel_group,
        cast(coalesce(totals.orders, 0) as bigint) as orders,
        cast(coalesce(totals.units, 0) as bigint) as units,
        cast(coalesce(totals.revenue, 0) as decimal(18, 2)) as revenue,
        -- zero for a channel that never sold; unknown (null) when a line's cost is
        cast(case when totals.channel_id is null then 0 else totals.cost_of_goods end as decimal(18, 2)) as cost_of_goods,
        cast(case when totals.channel_id is null then 0 else totals.gross_margin end as decimal(18, 2)) as gross_margin,
        cast(coalesce(totals.revenue_unknown_cost, 0) as decimal(18, 2)) as revenue_unknown_cost,
        totals.revenue_unknown_cost / nullif(totals.revenue, 0) as unknown_cost_revenue_share,
        cast(coalesce(totals.rebates, 0) as decimal(18, 2)) as rebates,
        cast(round(coalesce(totals.platform_fees_exact, 0), 2) as decimal(18, 2)) as platform_fees,
        cast(round(coalesce(totals.commissions_exact, 0), 2) as decimal(18, 2)) as commissions,
        cast(coalesce(totals.marketing_spend, 0) as decimal(18, 2)) as marketing_spend,
        cast(coalesce(totals.management_cost, 0) as decimal(18, 2)) as management_cost,
        cast(round(coalesce(totals.channel_costs_exact, 0), 2) as decimal(18, 2)) as channel_costs,
        -- rounded once, from exact parts: the waterfall steps, each rounded, may differ from it by a cent
        cast(
            round(case when totals.channel_id is null then 0 else totals.contribution_exact end, 2) as decimal(18, 2)
        ) as contribution,
        cast(coalesce(totals.visits, 0) as bigint) as visits,
        cast(coalesce(refunds.refunds, 0) as decimal(18, 2)) as refunds,
        cast(coalesce(totals.revenue_last_12_months, 0) as decimal(18, 2)) as revenue_last_12_months,
        cast(coalesce(totals.revenue_prior_12_months, 0) as decimal(18, 2)) as revenue_prior_12_months,
        coalesce(totals.regions_with_sales_last_12_months, 0) as regions_with_sales_last_12_months,
        coalesce(totals.months_charged, 0) as months_charged,
        totals.revenue / nullif(company.revenue, 0) as sales_share,
        totals.gross_margin / nullif(totals.revenue, 0) as gross_margin_rate,
        macros.contribution_margin(totals.contribution_exact, totals.revenue) as contribution_margin,
        macros.return_on_channel_costs(totals.contribution_exact, totals.channel_costs_exact) as roi,
        (totals.revenue_last_12_months - totals.revenue_prior_12_months)
            / nullif(totals.revenue_prior_12_months, 0) as revenue_growth_last_12_months,
        rank() over (order by totals.contribution_exact desc nulls last) as contribution_rank,
        coalesce(totals.contribution_exact < 0, false) as is_negative_contribution,
        channels.is_online,
        channels.is_partner_channel,
        channels.launched_date,
        history.period_start,
        history.period_end

    from channels
    cross join history
    cross join company
    left join totals
        on channels.channel_id = totals.channel_id
    left join refunds
        on channels.channel_id = refunds.channel_id

)

select * from final
