-- grain: one row per channel goal (target_id): revenue, new outlets, region coverage and online share targets

with

order_lines as (

    select * from core.order_lines

),

partners_activated as (

    select * from intermediate.int_partners_activated

),

partners as (

    select * from core.partners

),

partner_territories as (

    select * from core.partner_territories

),

regions as (

    select * from core.regions

),

channel_targets as (

    -- the channel goals, with their measuring window (measured_through, period_status, elapsed_share)
    select
        target_id,
        metric,
        scope_type,
        scope_id,
        target_value,
        period_start,
        period_end,
        measured_through,
        period_status,
        elapsed_share

    from intermediate.int_targets_timed
    where metric in ('revenue', 'online_share', 'new_outlets', 'region_coverage')

),

revenue_by_day as (

    -- completed revenue per day and every dimension a goal can be scoped by (far fewer rows than lines)
    select
        order_date,
        channel_type,
        channel_id,
        ship_to_region_id,
        is_online,
        sum(line_amount) as revenue

    from order_lines
    where is_completed
    group by all

),

-- each revenue or online-share goal beside the days of its period and of the same window a year earlier (the seasonal
-- pace's), with whether the day's sales fall in the goal's scope (decided once per day here, by the shared scope rule)
target_days as (

    select
        channel_targets.target_id,
        channel_targets.metric,
        channel_targets.scope_type,
        channel_targets.scope_id,
        channel_targets.period_start,
        channel_targets.measured_through,
        lines.order_date,
        lines.ship_to_region_id,
        lines.is_online,
        lines.revenue,
        macros.in_goal_scope(
            channel_targets.scope_type,
            channel_targets.scope_id,
            lines.channel_type,
            lines.channel_id,
            lines.ship_to_region_id
        ) as is_in_scope,
        lines.order_date between channel_targets.period_start and channel_targets.measured_through as is_measured,
        lines.order_date between channel_targets.period_start - interval 1 year
        and channel_targets.period_end - interval 1 year as is_prior_window,
        channel_targets.period_status

    from channel_targets
    inner join revenue_by_day as lines
        on lines.order_date between channel_targets.period_start - interval 1 year and channel_targets.period_end
    where channel_targets.metric in ('revenue', 'online_share')

),

revenue_actuals as (

    select
        target_id,
        sum(revenue) filter (where is_in_scope) as scope_revenue,
        sum(revenue) filter (where is_online and is_in_scope) as scope_online_revenue,
        -- the base online share is read against: the region's revenue for a region, the company's otherwise
        sum(revenue) filter (where scope_type <> 'region' or ship_to_region_id = scope_id) as share_base_revenue

    from target_days
    where is_measured
    group by all

),

-- Seasonal pace. A seasonal business reaches a year's revenue unevenly (Double 11, Spring Festival), so a straight
-- line from the period's start would call every goal behind each autumn. The pace of a revenue goal is the share of
-- the same window a year earlier that had been reached by the same date a year earlier: the goal's own scope's when
-- it sold in the first month of that window, else the company's; a straight line only when the data does not reach
-- back a full year before the period.
data_start as (

    select min(order_date) as first_order_date
    from revenue_by_day

),

prior_year_revenue as (

    select
        target_id,
        sum(revenue) filter (where is_in_scope and order_date <= measured_through - interval 1 year) as scope_to_date,
        sum(revenue) filter (where is_in_scope) as scope_full,
        -- the scope sold in the window's first month: its own curve is a whole year's
        bool_or(is_in_scope and order_date < period_start - interval 1 year + interval 1 month)
            as scope_sold_from_start,
        sum(revenue) filter (where order_date <= measured_through - interval 1 year) as company_to_date,
        sum(revenue) as company_full

    from target_days
    where metric = 'revenue'
        and period_status = 'in_progress'
        and is_prior_window
    group by all

),

revenue_pace as (

    select
        channel_targets.target_id,
        case
            when data_start.first_order_date > channel_targets.period_start - interval 1 year then 'straight_line'
            when prior.scope_sold_from_start and prior.scope_full > 0 then 'seasonal_scope'
            when prior.company_full > 0 then 'seasonal_company'
            else 'straight_line'
        end as pace_basis,
        prior.scope_to_date / nullif(prior.scope_full, 0) as scope_share,
        prior.company_to_date / nullif(prior.company_full, 0) as company_share

    from channel_targets
    cross join data_start
    left join prior_year_revenue as prior
        on channel_targets.target_id = prior.target_id
    where channel_targets.metric = 'revenue'
        and channel_targets.period_status = 'in_progress'

),

new_outlet_actuals as (

    select
        channel_targets.target_id,
        count(partners_activated.partner_id) as new_outlets

    from channel_targets
    inner join partners_activated
        on partners_activated.is_new_effective_outlet
        and partners_activated.effective_date between channel_targets.period_start and channel_targets.measured_through
        and macros.in_goal_scope(
            channel_targets.scope_type,
            channel_targets.scope_id,
            partners_activated.channel_type,
            partners_activated.channel_id,
            partners_activated.home_region_id
        )
    where channel_targets.metric = 'new_outlets'
    group by all

),

covered_regions as (

    -- regions with a partner of the scope under contract and authorised on the measurement day
    select
        channel_targets.target_id,
        count(distinct partner_territories.region_id) filter (
            where channel_targets.scope_type <> 'region' or partner_territories.region_id = channel_targets.scope_id
        ) as covered_regions

    from channel_targets
    inner join partner_territories
        on partner_territories.valid_from <= channel_targets.measured_through
        and (partner_territories.valid_to is null or channel_targets.measured_through <= partner_territories.valid_to)
    inner join partners
        on partner_territories.partner_id = partners.partner_id
        and partners.signed_date <= channel_targets.measured_through
        and (partners.terminated_date is null or partners.terminated_date > channel_targets.measured_through)
        -- not macros.in_goal_scope: a region goal takes partners of every channel, its region is checked on the territory
        and (
            channel_targets.scope_type in ('company', 'region')
            or (channel_targets.scope_type = 'channel_type' and partners.channel_type = channel_targets.scope_id)
            or (channel_targets.scope_type = 'channel' and partners.channel_id = channel_targets.scope_id)
        )
    where channel_targets.metric = 'region_coverage'
    group by all

),

measured as (

    select
        channel_targets.*,
        case
            when channel_targets.period_status = 'not_started' then null
            when channel_targets.metric = 'revenue' then coalesce(revenue_actuals.scope_revenue, 0)
            when channel_targets.metric = 'online_share'
                then coalesce(revenue_actuals.scope_online_revenue, 0) / nullif(revenue_actuals.share_base_revenue, 0)
            when channel_targets.metric = 'new_outlets' then coalesce(new_outlet_actuals.new_outlets, 0)
            when channel_targets.metric = 'region_coverage'
                then coalesce(covered_regions.covered_regions, 0)
                / case when channel_targets.scope_type = 'region' then 1 else (select count(*) from regions) end
        end as actual_value,
        -- additive goals accrue over the period; ratio goals must hold all along
        channel_targets.metric in ('revenue', 'new_outlets') as is_cumulative,
        -- how much of a cumulative goal should be reached by now: last year's seasonal share for revenue (above),
        -- the elapsed share of the period otherwise
        case
            when channel_targets.metric in ('revenue', 'new_outlets') and channel_targets.period_status = 'in_progress'
                then coalesce(revenue_pace.pace_basis, 'straight_line')
            when channel_targets.metric in ('revenue', 'new_outlets') and channel_targets.period_status = 'complete'
                then 'period_complete'
        end as pace_basis,
        case revenue_pace.pace_basis
            when 'seasonal_scope' then revenue_pace.scope_share
            when 'seasonal_company' then revenue_pace.company_share
            else channel_targets.elapsed_share
        end as expected_share

    from channel_targets
    left join revenue_actuals
        on channel_targets.target_id = revenue_actuals.target_id
    left join revenue_pace
        on channel_targets.target_id = revenue_pace.target_id
    left join new_outlet_actuals
        on channel_targets.target_id = new_outlet_actuals.target_id
    left join covered_regions
        on channel_targets.target_id = covered_regions.target_id

),

final as (

    select
        target_id,
        metric,
        scope_type,
        scope_id,
        period_status,
        target_value,
        cast(actual_value as double) as actual_value,
        case
            when period_status = 'not_started' then null
            when is_cumulative then target_value * expected_share
            else target_value
        end as expected_to_date,
        actual_value / nullif(target_value, 0) as attainment,
        actual_value / nullif(case when is_cumulative then target_value * expected_share else target_value end, 0)
            as pace_attainment,
        elapsed_share,
        expected_share,
        pace_basis,
        is_cumulative,
        case
            when period_status = 'not_started' then null
            else actual_value >= case when is_cumulative then target_value * expected_share else target_value end
        end as is_on_track,
        case when period_status = 'complete' then actual_value >= target_value end as is_met,
        period_start,
        period_end,
        measured_through

    from measured

)

select * from final
