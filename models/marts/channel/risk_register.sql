-- grain: one row per risk of the plan's risk assessment (风险评估与应对预案, risk_id), as of the as-of date
--
-- Each risk is measured by one indicator, read from the marts that define it, over the last 12 months up to the
-- as-of date ("current") and the same measure over the 12 months before ("previous", null where the history is too
-- short). The thresholds, the risks' own parameters and the prepared responses come from the config (ops.risk_settings,
-- defaults in pipelines/shared/risk-settings.ts). Every indicator grows with the risk (0 = no sign of it):
--
--   market_acceptance       emerging channels (live 6+ months) with weak uptake: lead conversion under
--                           min_conversion_ratio x the other channels' (20+ leads), or a completed revenue goal of
--                           the channel or its channel type attained under min_target_attainment (a count)
--   partner_choice          share of partner sell-in revenue carried by partners that sold outside their territory
--                           or below the floor price in the period, or that carry (as of now) two or more of the
--                           scorecard's four risk flags: one sign (a dip in sell-through, a large share of its
--                           channel, stock building up) can be the market; two on one partner point at the partner
--   channel_conflict        share of the lines sold to end customers (partner resales + own direct sales) that were
--                           cross-territory (窜货) or below the floor price (乱价)
--   input_output_imbalance  share of channel costs spent in channels whose return (contribution / channel costs) is
--                           under min_roi (0: the channel loses money)
--   key_customer_churn      share of key customers gone quiet (as of the as-of month; previous: a year earlier)
--   coverage_gap            regions with demand and no authorised outlet (as of the as-of month; previous: a year
--                           earlier)
--
-- Money at stake (CNY, current period): weak channels' channel costs; flagged partners' sell-in revenue; 窜货 sales
-- plus the shortfall below the floor; the contribution missing to reach min_roi (the loss when min_roi is 0); the
-- reference-window revenue of the key customers gone quiet; revenue shipped to blind-spot regions.
--
-- Severity = likelihood x impact, each 1-5:
--   likelihood  5 above threshold and rising; 4 above threshold, flat (or no previous period); 3 above threshold and
--               falling; 2 under the threshold but not zero; 1 no sign (0)
--   trend       up / down: current more than 10% above / below previous (up from 0 when it appears); else flat
--   impact      money at stake as a share of the company's revenue of the last 12 months:
--               5 >= 5%; 4 >= 2%; 3 >= 0.5%; 2 >= 0.1%; 1 under 0.1% (or none)
--   band        极高 critical 20-25; 高 high 10-16; 中 medium 5-9; 低 low 1-4
-- severity_rank: risks above their threshold first (their response is due now), then by severity, money at stake
-- and the plan's order.

with

calendar as (

    select * from intermediate.int_calendar_months

),

settings as (

    select * from ops.risk_settings

),

channel_performance as (

    select * from marts.channel_performance_monthly

),

channel_economics as (

    select * from marts.channel_economics

),

channel_directory as (

    select * from marts.channel_directory

),

goal_attainment as (

    select * from marts.goal_attainment

),

partner_scorecard as (

    select * from marts.partner_scorecard

),

cross_territory_sales as (

    select * from marts.cross_territory_sales

),

cross_territory_lines as (

    select * from marts.cross_territory_sales_lines

),

below_floor_sales as (

    select * from marts.below_floor_price_sales

),

below_floor_lines as (

    select * from marts.below_floor_price_sales_lines

),

customer_churn as (

    select * from marts.customer_churn

),

customer_months as (

    select * from intermediate.int_customer_months_rolled

),

region_coverage as (

    select * from marts.region_coverage

),

region_coverage_monthly as (

    select * from marts.region_coverage_monthly

),

leads as (

    select * from core.leads

),

sell_through as (

    select * from core.sell_through

),

order_lines as (

    select * from core.order_lines

),

-- the risks the register knows, in the plan's order, with what their indicator measures and where the detail is
catalogue (risk_order, risk_id, name_zh, name_en, indicator_zh, indicator_en, value_unit, evidence_link) as (

    values
        (1, 'market_acceptance', '新渠道市场接受度不足', 'Weak market acceptance of new channels',
            '线索转化率远低于其他渠道、或收入目标达成远低于计划的新兴渠道数（上线满 6 个月）',
            'Emerging channels (live 6+ months) converting leads far below the other channels or far behind their revenue goal',
            'count', '/channels/emerging'),
        (2, 'partner_choice', '合作伙伴选择不当', 'Poorly chosen partners',
            '有窜货、乱价行为或有两项以上风险标记的合作伙伴所占进货额比例',
            'Share of partner sell-in revenue carried by partners selling out of territory or below the floor price, or with two or more risk flags',
            'share', '/channels/partners'),
        (3, 'channel_conflict', '渠道冲突加剧', 'Channel conflict',
            '窜货（跨区域销售）与低于最低限价销售的行数占终端销售行数的比例',
            'Share of the lines sold to end customers that were cross-territory (窜货) or below the floor price (乱价)',
            'share', '/channels/conflict'),
        (4, 'input_output_imbalance', '投入产出比失衡', 'Input and output out of balance',
            '投入回报率低于下限（默认为负贡献）的渠道所占渠道成本比例',
            'Share of channel costs spent in channels returning less than the minimum (by default: losing money)',
            'share', '/channels/profitability'),
        (5, 'key_customer_churn', '重点客户流失', 'Key customers lost',
            '沉默（近 4 个月无购买）的关键客户占关键客户的比例',
            'Share of key customers gone quiet (no purchase in the last 4 months)',
            'share', '/customers/churn'),
        (6, 'coverage_gap', '市场覆盖盲区', 'Blind spots in market coverage',
            '有需求但无授权网点的区域数',
            'Regions with demand and no authorised outlet',
            'count', '/channels/coverage')

),

-- the two windows every indicator is measured over
period_months as (

    select
        month,
        case when is_last_12_months then 'current' else 'previous' end as period,
        reference_date

    from calendar
    where is_last_12_months or is_prior_12_months

),

periods as (

    select
        period,
        min(month) as period_start,
        max(reference_date) as period_end

    from period_months
    group by all

),

as_of as (

    select
        max(as_of_date) as as_of_date,
        max(month) filter (where months_before_as_of = 0) as as_of_month,
        min(month) as first_month

    from calendar

),

company as (

    select sum(channel_performance.revenue) as revenue_last_12_months
    from channel_performance
    inner join period_months
        on channel_performance.month = period_months.month
    where period_months.period = 'current'

),

-- channel figures per period: costs and contribution (null when a line's cost is unknown: not judged)
channel_periods as (

    select
        period_months.period,
        channel_performance.channel_id,
        sum(channel_performance.channel_costs) as channel_costs,
        case when bool_and(channel_performance.contribution is not null) then sum(channel_performance.contribution) end
            as contribution

    from channel_performance
    inner join period_months
        on channel_performance.month = period_months.month
    group by all

),

-- 1. market acceptance ----------------------------------------------------------------------------------------------

lead_conversion as (

    select
        period_months.period,
        leads.channel_id,
        count(*) as leads,
        count(*) filter (where leads.is_converted) as converted_leads

    from leads
    inner join period_months
        on cast(date_trunc('month', leads.created_date) as date) = period_months.month
    group by all

),

lead_conversion_compared as (

    select
        period,
        channel_id,
        leads,
        converted_leads / leads as conversion_rate,
        -- every other channel of the company together, in the same period
        (sum(converted_leads) over (partition by period) - converted_leads)
            / nullif(sum(leads) over (partition by period) - leads, 0) as others_conversion_rate

    from lead_conversion

),

emerging_channels as (

    select
        periods.period,
        periods.period_start,
        periods.period_end,
        channel_economics.channel_id,
        channel_economics.channel_name,
        channel_economics.channel_type

    from channel_economics
    cross join periods
    where channel_economics.channel_group = 'emerging'
        -- a channel in its first 6 months is still launching: not judged yet
        and channel_economics.launched_date <= periods.period_end - interval 6 month

),

revenue_goals_behind as (

    -- completed revenue goals of an emerging channel or channel type that ended in the period
    select
        emerging_channels.period,
        emerging_channels.channel_id,
        min(goal_attainment.attainment) as lowest_attainment

    from emerging_channels
    inner join goal_attainment
        on goal_attainment.metric = 'revenue'
        and goal_attainment.period_status = 'complete'
        and goal_attainment.period_end between emerging_channels.period_start and emerging_channels.period_end
        and (
            (goal_attainment.scope_type = 'channel' and goal_attainment.scope_id = emerging_channels.channel_id)
            or (goal_attainment.scope_type = 'channel_type' and goal_attainment.scope_id = emerging_channels.channel_type)
        )
    group by all

),

weak_channels as (

    select
        emerging_channels.period,
        emerging_channels.channel_id,
        emerging_channels.channel_name

    from emerging_channels
    cross join (select * from settings where risk_id = 'market_acceptance') as setting
    left join lead_conversion_compared
        on emerging_channels.period = lead_conversion_compared.period
        and emerging_channels.channel_id = lead_conversion_compared.channel_id
    left join revenue_goals_behind
        on emerging_channels.period = revenue_goals_behind.period
        and emerging_channels.channel_id = revenue_goals_behind.channel_id
    where (
            lead_conversion_compared.leads >= 20
            and lead_conversion_compared.conversion_rate
            < setting.min_conversion_ratio * lead_conversion_compared.others_conversion_rate
        )
        or revenue_goals_behind.lowest_attainment < setting.min_target_attainment

),

market_acceptance as (

    select
        periods.period,
        count(weak_channels.channel_id) as indicator_value,
        count(weak_channels.channel_id) as items,
        sum(channel_periods.channel_costs) as money_at_stake,
        string_agg(weak_channels.channel_name, '、' order by weak_channels.channel_id) as detail

    from periods
    left join weak_channels
        on periods.period = weak_channels.period
    left join channel_periods
        on weak_channels.period = channel_periods.period
        and weak_channels.channel_id = channel_periods.channel_id
    group by all

),

-- 2. partner choice -------------------------------------------------------------------------------------------------

rule_breaking_partners as (

    select distinct period_months.period, cross_territory_sales.partner_id
    from cross_territory_sales
    inner join period_months
        on cross_territory_sales.month = period_months.month
    union
    select distinct period_months.period, below_floor_sales.partner_id
    from below_floor_sales
    inner join period_months
        on below_floor_sales.month = period_months.month
    where below_floor_sales.partner_id is not null

),

flagged_partners as (

    select period, partner_id
    from rule_breaking_partners
    union
    -- two or more of the scorecard's risk flags: they are as of now, so they count in the current period only
    select 'current', partner_id
    from partner_scorecard
    where is_active
        and risk_flags >= 2

),

partner_sell_in as (

    select 'current' as period, partner_id, partner_name, sell_in_revenue_last_12_months as sell_in_revenue
    from partner_scorecard
    union all
    select 'previous', partner_id, partner_name, sell_in_revenue_prior_12_months
    from partner_scorecard

),

partner_choice as (

    select
        periods.period,
        coalesce(
            sum(partner_sell_in.sell_in_revenue) filter (where flagged_partners.partner_id is not null)
            / nullif(sum(partner_sell_in.sell_in_revenue), 0),
            0
        ) as indicator_value,
        count(flagged_partners.partner_id) as items,
        sum(partner_sell_in.sell_in_revenue) filter (where flagged_partners.partner_id is not null) as money_at_stake,
        string_agg(partner_sell_in.partner_name, '、' order by partner_sell_in.sell_in_revenue desc)
            filter (where flagged_partners.partner_id is not null) as detail

    from periods
    inner join partner_sell_in
        on periods.period = partner_sell_in.period
    left join flagged_partners
        on partner_sell_in.period = flagged_partners.period
        and partner_sell_in.partner_id = flagged_partners.partner_id
    group by all

),

-- 3. channel conflict -----------------------------------------------------------------------------------------------

conflict_lines as (

    -- a line both cross-territory and below the floor counts once
    select distinct period_months.period, 'sell_through' as sale_source, cross_territory_lines.sell_through_id as line_id
    from cross_territory_lines
    inner join period_months
        on cross_territory_lines.sale_month = period_months.month
    union
    select distinct period_months.period, below_floor_lines.sale_source, below_floor_lines.sale_line_id
    from below_floor_lines
    inner join period_months
        on below_floor_lines.sale_month = period_months.month

),

end_customer_lines as (

    -- every line sold to an end customer: partners' resales and the company's own direct sales (as the floor check
    -- reads them: not sell-in to partners, not cancellation or return lines)
    select period_months.period, count(*) as lines
    from sell_through
    inner join period_months
        on sell_through.sale_month = period_months.month
    group by all
    union all
    select period_months.period, count(*)
    from order_lines
    inner join period_months
        on order_lines.order_month = period_months.month
    where order_lines.partner_id is null
        and not order_lines.is_reversal
    group by all

),

conflict_money as (

    select period_months.period, sum(cross_territory_sales.amount) as amount
    from cross_territory_sales
    inner join period_months
        on cross_territory_sales.month = period_months.month
    group by all
    union all
    select period_months.period, sum(below_floor_sales.shortfall_amount)
    from below_floor_sales
    inner join period_months
        on below_floor_sales.month = period_months.month
    group by all

),

conflict_sellers as (

    select distinct period_months.period, cross_territory_sales.partner_name as seller_name
    from cross_territory_sales
    inner join period_months
        on cross_territory_sales.month = period_months.month
    union
    select distinct period_months.period, coalesce(below_floor_sales.partner_name, below_floor_sales.channel_name)
    from below_floor_sales
    inner join period_months
        on below_floor_sales.month = period_months.month

),

channel_conflict as (

    select
        periods.period,
        coalesce(
            (select count(*) from conflict_lines where conflict_lines.period = periods.period)
            / nullif((select sum(lines) from end_customer_lines where end_customer_lines.period = periods.period), 0),
            0
        ) as indicator_value,
        (select count(*) from conflict_lines where conflict_lines.period = periods.period) as items,
        (select sum(amount) from conflict_money where conflict_money.period = periods.period) as money_at_stake,
        (
            select string_agg(seller_name, '、' order by seller_name)
            from conflict_sellers
            where conflict_sellers.period = periods.period
        ) as detail

    from periods

),

-- 4. input / output imbalance ---------------------------------------------------------------------------------------

channels_under_return as (

    select
        channel_periods.period,
        channel_periods.channel_id,
        channel_economics.channel_name,
        channel_periods.channel_costs,
        -- the contribution missing to reach the minimum return (the loss, when min_roi is 0)
        setting.min_roi * channel_periods.channel_costs - channel_periods.contribution as shortfall

    from channel_periods
    cross join (select * from settings where risk_id = 'input_output_imbalance') as setting
    inner join channel_economics
        on channel_periods.channel_id = channel_economics.channel_id
    where channel_periods.contribution < setting.min_roi * channel_periods.channel_costs

),

input_output_imbalance as (

    select
        periods.period,
        coalesce(
            (select sum(channel_costs) from channels_under_return as under where under.period = periods.period)
            / nullif((select sum(channel_costs) from channel_periods where channel_periods.period = periods.period), 0),
            0
        ) as indicator_value,
        (select count(*) from channels_under_return as under where under.period = periods.period) as items,
        (select sum(shortfall) from channels_under_return as under where under.period = periods.period)
            as money_at_stake,
        (
            select string_agg(under.channel_name, '、' order by under.shortfall desc)
            from channels_under_return as under
            where under.period = periods.period
        ) as detail

    from periods

),

-- 5. key customers lost ---------------------------------------------------------------------------------------------

key_customer_churn as (

    select
        'current' as period,
        coalesce(
            count(*) filter (where is_key_customer_gone_quiet) / nullif(count(*) filter (where is_key_customer), 0),
            0
        ) as indicator_value,
        count(*) filter (where is_key_customer_gone_quiet) as items,
        sum(revenue_reference_window) filter (where is_key_customer_gone_quiet) as money_at_stake,
        count(*) filter (where is_key_customer) || ' 位关键客户中 ' || count(*) filter (where is_key_customer_gone_quiet)
            || ' 位 · ' || count(*) filter (where is_key_customer_gone_quiet) || ' of '
            || count(*) filter (where is_key_customer) || ' key customers' as detail

    from customer_churn
    union all
    -- a year earlier, when that month's whole reference window lies inside the history
    select
        'previous',
        count(*) filter (where customer_months.is_key_customer and customer_months.has_gone_quiet)
        / nullif(count(*) filter (where customer_months.is_key_customer), 0),
        count(*) filter (where customer_months.is_key_customer and customer_months.has_gone_quiet),
        sum(customer_months.revenue_reference_window) filter (
            where customer_months.is_key_customer and customer_months.has_gone_quiet
        ),
        null
    from customer_months
    cross join as_of
    where customer_months.month = cast(as_of.as_of_month - interval 12 month as date)
        and customer_months.reference_window_start >= as_of.first_month
    group by all

),

-- 6. blind spots in coverage ----------------------------------------------------------------------------------------

coverage_gap as (

    select
        'current' as period,
        count(*) filter (where is_blind_spot) as indicator_value,
        count(*) filter (where is_blind_spot) as items,
        -- a region's revenue can net below 0 (a bad-debt adjustment): it puts nothing at stake
        sum(greatest(revenue_last_12_months, 0)) filter (where is_blind_spot) as money_at_stake,
        string_agg(coalesce(region_name_zh, region_name), '、' order by region_id) filter (where is_blind_spot)
            as detail

    from region_coverage
    union all
    select
        'previous',
        count(*) filter (where region_coverage_monthly.is_blind_spot),
        count(*) filter (where region_coverage_monthly.is_blind_spot),
        null,
        null
    from region_coverage_monthly
    cross join as_of
    where region_coverage_monthly.month = cast(as_of.as_of_month - interval 12 month as date)
    group by all

),

measured as (

    select 'market_acceptance' as risk_id, * from market_acceptance
    union all
    select 'partner_choice', * from partner_choice
    union all
    select 'channel_conflict', * from channel_conflict
    union all
    select 'input_output_imbalance', * from input_output_imbalance
    union all
    select 'key_customer_churn', * from key_customer_churn
    union all
    select 'coverage_gap', * from coverage_gap

),

-- one row per risk: the current and previous values side by side
by_risk as (

    select
        catalogue.*,
        cast(coalesce(current_period.indicator_value, 0) as double) as current_value,
        cast(previous_period.indicator_value as double) as previous_value,
        coalesce(current_period.items, 0) as items,
        cast(round(coalesce(current_period.money_at_stake, 0), 2) as decimal(18, 2)) as money_at_stake,
        current_period.detail

    from catalogue
    left join measured as current_period
        on catalogue.risk_id = current_period.risk_id
        and current_period.period = 'current'
    left join measured as previous_period
        on catalogue.risk_id = previous_period.risk_id
        and previous_period.period = 'previous'

),

assessed as (

    select
        by_risk.*,
        settings.threshold,
        settings.min_roi,
        settings.min_conversion_ratio,
        settings.min_target_attainment,
        settings.response_zh,
        settings.response_en,
        by_risk.current_value > settings.threshold as is_above_threshold,
        case
            when by_risk.previous_value is null then null
            when by_risk.current_value > by_risk.previous_value * 1.1 then 'up'
            when by_risk.current_value < by_risk.previous_value * 0.9 then 'down'
            else 'flat'
        end as trend,
        by_risk.money_at_stake / nullif(company.revenue_last_12_months, 0) as money_share_of_revenue

    from by_risk
    cross join company
    left join settings
        on by_risk.risk_id = settings.risk_id

),

scored as (

    select
        *,
        case
            when is_above_threshold and trend = 'up' then 5
            when is_above_threshold and (trend = 'flat' or trend is null) then 4
            when is_above_threshold then 3
            when current_value > 0 then 2
            else 1
        end as likelihood,
        case
            when money_share_of_revenue >= 0.05 then 5
            when money_share_of_revenue >= 0.02 then 4
            when money_share_of_revenue >= 0.005 then 3
            when money_share_of_revenue >= 0.001 then 2
            else 1
        end as impact

    from assessed

),

-- the detail in each of the site's languages, where it names channels or regions or says a count in words (the other
-- risks' detail names partners, whose names are the same in both)
detail_languages as (

    select
        'market_acceptance' as risk_id,
        string_agg(channel_directory.channel_name_zh, '、' order by weak_channels.channel_id) as detail_zh,
        string_agg(channel_directory.channel_name_en, ', ' order by weak_channels.channel_id) as detail_en
    from weak_channels
    inner join channel_directory
        on weak_channels.channel_id = channel_directory.channel_id
    where weak_channels.period = 'current'
    union all
    select
        'input_output_imbalance',
        string_agg(channel_directory.channel_name_zh, '、' order by under.shortfall desc),
        string_agg(channel_directory.channel_name_en, ', ' order by under.shortfall desc)
    from channels_under_return as under
    inner join channel_directory
        on under.channel_id = channel_directory.channel_id
    where under.period = 'current'
    union all
    select
        'key_customer_churn',
        count(*) filter (where is_key_customer) || ' 位关键客户中 ' || count(*) filter (where is_key_customer_gone_quiet)
            || ' 位',
        count(*) filter (where is_key_customer_gone_quiet) || ' of ' || count(*) filter (where is_key_customer)
            || ' key customers'
    from customer_churn
    union all
    select
        'coverage_gap',
        string_agg(coalesce(region_name_zh, region_name), '、' order by region_id) filter (where is_blind_spot),
        string_agg(region_name, ', ' order by region_id) filter (where is_blind_spot)
    from region_coverage

),

final as (

    select
        scored.risk_id,
        scored.risk_order,
        scored.name_zh,
        scored.name_en,
        scored.indicator_zh,
        scored.indicator_en,
        scored.value_unit,
        scored.current_value,
        scored.previous_value,
        scored.trend,
        scored.threshold,
        scored.is_above_threshold,
        scored.items,
        scored.detail,
        coalesce(detail_languages.detail_zh, scored.detail) as detail_zh,
        coalesce(detail_languages.detail_en, scored.detail) as detail_en,
        scored.money_at_stake,
        scored.money_share_of_revenue,
        scored.likelihood,
        scored.impact,
        scored.likelihood * scored.impact as severity,
        case
            when scored.likelihood * scored.impact >= 20 then 'critical'
            when scored.likelihood * scored.impact >= 10 then 'high'
            when scored.likelihood * scored.impact >= 5 then 'medium'
            else 'low'
        end as severity_band,
        case
            when scored.likelihood * scored.impact >= 20 then '极高'
            when scored.likelihood * scored.impact >= 10 then '高'
            when scored.likelihood * scored.impact >= 5 then '中'
            else '低'
        end as severity_band_zh,
        row_number() over (
            order by
                scored.is_above_threshold desc,
                scored.likelihood * scored.impact desc,
                scored.money_at_stake desc,
                scored.risk_order
        ) as severity_rank,
        scored.evidence_link,
        scored.response_zh,
        scored.response_en,
        scored.min_roi,
        scored.min_conversion_ratio,
        scored.min_target_attainment,
        current_window.period_start,
        current_window.period_end,
        previous_window.period_start as previous_period_start,
        previous_window.period_end as previous_period_end

    from scored
    left join detail_languages
        on scored.risk_id = detail_languages.risk_id
    left join periods as current_window
        on current_window.period = 'current'
    left join periods as previous_window
        on previous_window.period = 'previous'

)

select * from final
