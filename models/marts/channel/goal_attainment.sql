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

revenue_actuals as (

    select
        channel_targets.target_id,
        sum(lines.revenue) filter (
            where channel_targets.scope_type = 'company'
                or (channel_targets.scope_type = 'channel_type' and lines.channel_type = channel_targets.scope_id)
                or (channel_targets.scope_type = 'channel' and lines.channel_id = channel_targets.scope_id)
                or (channel_targets.scope_type = 'region' and lines.ship_to_region_id = channel_targets.scope_id)
        ) as scope_revenue,
        sum(lines.revenue) filter (
            where lines.is_online and (
                channel_targets.scope_type = 'company'
                or (channel_targets.scope_type = 'channel_type' and lines.channel_type = channel_targets.scope_id)
                or (channel_targets.scope_type = 'channel' and lines.channel_id = channel_targets.scope_id)
                or (channel_targets.scope_type = 'region' and lines.ship_to_region_id = channel_targets.scope_id)
            )
        ) as scope_online_revenue,
        -- the base online share is read against: the region's revenue for a region, the company's otherwise
        sum(lines.revenue) filter (
            where channel_targets.scope_type <> 'region' or lines.ship_to_region_id = channel_targets.scope_id
        ) as share_base_revenue

    from channel_targets
    inner join revenue_by_day as lines
        on lines.order_date between channel_targets.period_start and channel_targets.measured_through
    where channel_targets.metric in ('revenue', 'online_share')
    group by all

),

new_outlet_actuals as (

    select
        channel_targets.target_id,
        count(partners_activated.partner_id) as new_outlets

    from channel_targets
    inner join partners_activated
        on partners_activated.is_new_effective_outlet
        and partners_activated.effective_date between channel_targets.period_start and channel_targets.measured_through
        and (
            channel_targets.scope_type = 'company'
            or (channel_targets.scope_type = 'channel_type' and partners_activated.channel_type = channel_targets.scope_id)
            or (channel_targets.scope_type = 'channel' and partners_activated.channel_id = channel_targets.scope_id)
            or (channel_targets.scope_type = 'region' and partners_activated.home_region_id = channel_targets.scope_id)
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
        channel_targets.metric in ('revenue', 'new_outlets') as is_cumulative

    from channel_targets
    left join revenue_actuals
        on channel_targets.target_id = revenue_actuals.target_id
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
            when is_cumulative then target_value * elapsed_share
            else target_value
        end as expected_to_date,
        actual_value / nullif(target_value, 0) as attainment,
        actual_value / nullif(case when is_cumulative then target_value * elapsed_share else target_value end, 0)
            as pace_attainment,
        elapsed_share,
        is_cumulative,
        case
            when period_status = 'not_started' then null
            else actual_value >= case when is_cumulative then target_value * elapsed_share else target_value end
        end as is_on_track,
        case when period_status = 'complete' then actual_value >= target_value end as is_met,
        period_start,
        period_end,
        measured_through

    from measured

)

select * from final
