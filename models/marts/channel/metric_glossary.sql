-- grain: one row per metric (metric_id) that a channel mart defines and a report page shows

with

metrics as (

    select * from (
        values
            ('revenue', 'revenue', 'channel_performance_monthly', 'Revenue', '销售额', 'sum(order_lines.line_amount) of completed orders (after discounts; net of cancellations and returns sent as negative lines or cancellation documents; returns recorded against a line not deducted; guest checkouts included)', 'one row per channel per ship-to region per month', 'CNY'),
            ('orders', 'orders', 'channel_performance_monthly', 'Orders', '订单数', 'count of purchases: completed orders whose lines net above zero (a fully cancelled order or a cancellation document is none)', 'one row per channel per ship-to region per month', 'orders'),
            ('units', 'units', 'channel_performance_monthly', 'Units sold', '销量', 'sum(quantity) of completed order lines', 'one row per channel per ship-to region per month', 'units'),
            ('sales_share', 'sales_share', 'channel_performance_monthly', 'Sales share', '销售占比', 'revenue / the company''s revenue in the same month (channel_summary_monthly: per scope)', 'one row per channel per ship-to region per month', 'ratio'),
            ('cost_of_goods', 'cost_of_goods', 'channel_performance_monthly', 'Cost of goods sold', '销售成本', 'sum(quantity * products.unit_cost) of completed order lines; null (unknown) when a line''s product has no unit cost', 'one row per channel per ship-to region per month', 'CNY'),
            ('gross_margin', 'gross_margin', 'channel_performance_monthly', 'Gross margin', '毛利', 'revenue - cost_of_goods; null (unknown, never 100%) when a line''s unit cost is unknown', 'one row per channel per ship-to region per month', 'CNY'),
            ('revenue_unknown_cost', 'revenue_unknown_cost', 'channel_performance_monthly', 'Revenue with unknown cost', '成本未知的销售额', 'sum(order_lines.line_amount) of completed lines whose product has no unit cost (their cost of goods, gross margin and contribution are unknown)', 'one row per channel per ship-to region per month', 'CNY'),
            ('gross_margin_rate', 'gross_margin_rate', 'channel_performance_monthly', 'Gross margin rate', '毛利率（利润率）', 'gross_margin / revenue', 'one row per channel per ship-to region per month', 'ratio'),
            ('rebates', 'rebates', 'channel_performance_monthly', 'Partner rebates', '返利', 'per partner and month: rebate_rate * the month''s completed sell-in revenue when it reaches monthly_threshold (policy valid on the month''s first day), rounded to the cent; allocated to regions by the partner''s sell-in revenue', 'one row per channel per ship-to region per month', 'CNY'),
            ('platform_fees', 'platform_fees', 'channel_performance_monthly', 'Platform fees', '平台费用', 'revenue * channels.platform_fee_rate (exact, not rounded per cell)', 'one row per channel per ship-to region per month', 'CNY'),
            ('commissions', 'commissions', 'channel_performance_monthly', 'Commissions', '佣金', 'revenue * channels.commission_rate (exact, not rounded per cell)', 'one row per channel per ship-to region per month', 'CNY'),
            ('marketing_spend', 'marketing_spend', 'channel_performance_monthly', 'Marketing spend', '营销费用', 'sum(marketing_spend.spend_amount)', 'one row per channel per ship-to region per month', 'CNY'),
            ('management_cost', 'management_cost', 'channel_performance_monthly', 'Channel management cost', '渠道管理成本', 'channels.monthly_management_cost for every month from the launch month, allocated to regions by the channel''s revenue that month (largest remainder, whole cents)', 'one row per channel per ship-to region per month', 'CNY'),
            ('channel_costs', 'channel_costs', 'channel_performance_monthly', 'Channel costs', '渠道费用合计', 'rebates + platform_fees + commissions + marketing_spend + management_cost', 'one row per channel per ship-to region per month', 'CNY'),
            ('contribution', 'contribution', 'channel_performance_monthly', 'Contribution', '渠道贡献', 'revenue - cost_of_goods - rebates - platform_fees - commissions - marketing_spend - management_cost (returns not deducted)', 'one row per channel per ship-to region per month', 'CNY'),
            ('contribution_margin', 'contribution_margin', 'channel_performance_monthly', 'Contribution margin', '贡献利润率', 'contribution / revenue', 'one row per channel per ship-to region per month', 'ratio'),
            ('roi', 'roi', 'channel_performance_monthly', 'Return on channel costs', '投入产出比（ROI）', 'contribution / channel_costs', 'one row per channel per ship-to region per month', 'ratio'),
            ('revenue_mom_growth', 'revenue_mom_growth', 'channel_summary_monthly', 'Revenue growth month on month', '销售额环比增长率', 'revenue / revenue of the previous month - 1 (null when that month had none)', 'one row per scope (company, channel group, channel type, channel) per month', 'ratio'),
            ('revenue_yoy_growth', 'revenue_yoy_growth', 'channel_summary_monthly', 'Revenue growth year on year', '销售额同比增长率', 'revenue / revenue of the same month a year earlier - 1 (null when that month had none)', 'one row per scope (company, channel group, channel type, channel) per month', 'ratio'),
            ('revenue_growth_last_12_months', 'revenue_growth_last_12_months', 'channel_economics', 'Growth potential (last 12 months)', '增长潜力（近12个月增长率）', 'revenue of the last 12 months / revenue of the 12 months before - 1', 'one row per channel over the whole history', 'ratio'),
            ('regions_with_sales_last_12_months', 'regions_with_sales_last_12_months', 'channel_economics', 'Regions served', '覆盖区域数', 'distinct ship-to regions with revenue in the last 12 months', 'one row per channel over the whole history', 'regions'),
            ('channel_contribution', 'contribution', 'channel_economics', 'Channel contribution (whole history)', '渠道贡献（全期）', 'sum of contribution over the history, rounded to the cent once', 'one row per channel over the whole history', 'CNY'),
            ('is_negative_contribution', 'is_negative_contribution', 'channel_economics', 'Loss-making channel', '渠道贡献为负', 'contribution < 0 over the whole history', 'one row per channel over the whole history', 'flag'),
            ('refunds', 'refunds', 'channel_economics', 'Refunds', '退款额', 'sum(returns.refund_amount) of the channel''s lines (shown, not deducted)', 'one row per channel over the whole history', 'CNY'),
            ('authorised_partners', 'authorised_partners', 'region_coverage', 'Authorised partners', '授权合作伙伴数', 'partners under contract with a territory valid on the as-of date for the region', 'one row per region, as of the as-of date', 'partners'),
            ('authorised_outlet_shops', 'authorised_outlet_shops', 'region_coverage', 'Authorised shops', '授权门店数', 'sum(partners.outlet_count) of the authorised partners', 'one row per region, as of the as-of date', 'shops'),
            ('has_demand', 'has_demand', 'region_coverage', 'Region with demand', '有需求区域', 'CRM customers living there, or leads / online / direct orders there in the last 12 months', 'one row per region, as of the as-of date', 'flag'),
            ('is_blind_spot', 'is_blind_spot', 'region_coverage', 'Coverage blind spot', '覆盖盲区', 'has_demand and no authorised partner', 'one row per region, as of the as-of date', 'flag'),
            ('blind_spot_month', 'is_blind_spot', 'region_coverage_monthly', 'Coverage blind spot (monthly)', '覆盖盲区（按月）', 'demand (customers, or leads / online / direct orders in the trailing 12 months) and no partner authorised on the month''s reference date', 'one row per region per month', 'flag'),
            ('new_effective_outlets', 'new_effective_outlets', 'new_outlets_monthly', 'New effective outlets', '新增有效分销网点', 'partners signed inside the history, counted in the month of their first completed sell-in order', 'one row per partner channel per month', 'outlets'),
            ('active_outlets', 'active_outlets', 'new_outlets_monthly', 'Outlets under contract', '在约网点数', 'partners signed on or before the month''s reference date and not yet terminated', 'one row per partner channel per month', 'outlets'),
            ('traffic_cost_per_visit', 'traffic_cost_per_visit', 'emerging_channel_comparison', 'Traffic cost', '流量成本', 'marketing_spend / visits', 'one row per channel over the whole history', 'CNY per visit'),
            ('visit_to_lead_rate', 'visit_to_lead_rate', 'emerging_channel_comparison', 'Visit-to-lead rate', '访客-线索转化率', 'leads attributed to the channel / visits', 'one row per channel over the whole history', 'ratio'),
            ('lead_conversion_rate', 'lead_conversion_rate', 'emerging_channel_comparison', 'Lead conversion rate', '线索转化率', 'converted leads / leads', 'one row per channel over the whole history', 'ratio'),
            ('visit_to_new_customer_rate', 'visit_to_new_customer_rate', 'emerging_channel_comparison', 'Visit-to-customer rate', '访客-首单转化率', 'new customers (created in the history, first purchase through the channel) / visits', 'one row per channel over the whole history', 'ratio'),
            ('customer_acquisition_cost', 'customer_acquisition_cost', 'emerging_channel_comparison', 'Customer acquisition cost', '获客成本', 'marketing_spend / new customers', 'one row per channel over the whole history', 'CNY per customer'),
            ('repeat_rate', 'repeat_rate', 'emerging_channel_comparison', 'Repeat rate', '复购率', 'customers with a second purchase through the channel / customers who bought through it', 'one row per channel over the whole history', 'ratio'),
            ('new_customer_repeat_rate', 'new_customer_repeat_rate', 'emerging_channel_comparison', 'New-customer repeat rate', '新客复购率', 'new customers of the channel who bought again (any channel) / new customers', 'one row per channel over the whole history', 'ratio'),
            ('average_order_value', 'average_order_value', 'emerging_channel_comparison', 'Average order value', '客单价', 'revenue / completed orders', 'one row per channel over the whole history', 'CNY'),
            ('average_satisfaction_score', 'average_satisfaction_score', 'emerging_channel_comparison', 'Satisfaction', '满意度', 'avg(surveys.satisfaction_score) of surveys attributed to the channel (1-5)', 'one row per channel over the whole history', 'score'),
            ('net_promoter_score', 'net_promoter_score', 'emerging_channel_comparison', 'Net promoter score', '净推荐值（NPS）', '(promoters 9-10 - detractors 0-6) / survey answers', 'one row per channel over the whole history', 'ratio'),
            ('refund_rate', 'refund_rate', 'emerging_channel_comparison', 'Refund rate', '退款率', 'refunds / revenue', 'one row per channel over the whole history', 'ratio'),
            ('cross_territory_lines', 'lines', 'cross_territory_sales', 'Cross-territory sales lines', '窜货笔数', 'sell-through lines shipped to a region the partner was not authorised for on the sale date', 'one row per partner per region per month', 'lines'),
            ('cross_territory_amount', 'amount', 'cross_territory_sales', 'Cross-territory sales amount', '窜货金额', 'sum(sale_amount) of those lines', 'one row per partner per region per month', 'CNY'),
            ('below_floor_lines', 'lines', 'below_floor_price_sales', 'Sales below the floor price', '低于最低限价销售笔数', 'partner resales with unit_price below the floor valid that day, and the company''s own sales (no partner) with unit or effective price below it', 'one row per seller per product per month', 'lines'),
            ('below_floor_shortfall', 'shortfall_amount', 'below_floor_price_sales', 'Shortfall below the floor', '低于限价差额', 'sum(quantity * floor_price - amount)', 'one row per seller per product per month', 'CNY'),
            ('below_floor_depth', 'average_share_below_floor', 'below_floor_price_sales', 'Depth below the floor', '低于限价幅度', 'shortfall_amount / (quantity * floor_price)', 'one row per seller per product per month', 'ratio'),
            ('multi_channel_channels', 'channels', 'multi_channel_customers', 'Channels per multi-channel customer', '多渠道客户渠道数', 'distinct channels a customer bought through in the quarter (rows only when 2 or more)', 'one row per customer per quarter with 2+ channels', 'channels'),
            ('sell_in_revenue', 'sell_in_revenue_last_12_months', 'partner_scorecard', 'Sell-in', '进货额（近12个月）', 'completed orders of the partner (what it bought from the company), last 12 months', 'one row per partner, as of the as-of date', 'CNY'),
            ('sell_through_amount', 'sell_through_amount_last_12_months', 'partner_scorecard', 'Sell-through', '分销额（近12个月）', 'sum(sell_through.sale_amount) the partner reported, last 12 months', 'one row per partner, as of the as-of date', 'CNY'),
            ('sell_in_growth', 'sell_in_growth', 'partner_scorecard', 'Sell-in growth', '进货增长率', 'sell-in of the last 12 months / the 12 before - 1', 'one row per partner, as of the as-of date', 'ratio'),
            ('sell_through_growth', 'sell_through_growth', 'partner_scorecard', 'Sell-through growth', '分销增长率', 'sell-through of the last 12 months / the 12 before - 1', 'one row per partner, as of the as-of date', 'ratio'),
            ('sell_through_to_sell_in_units', 'sell_through_to_sell_in_units_last_6_months', 'partner_scorecard', 'Sell-through to sell-in (units)', '出货进货比', 'units resold / units bought, last 6 months', 'one row per partner, as of the as-of date', 'ratio'),
            ('partner_rebates', 'rebates_last_12_months', 'partner_scorecard', 'Rebates earned', '返利（近12个月）', 'sum of the partner''s monthly rebates, last 12 months', 'one row per partner, as of the as-of date', 'CNY'),
            ('partner_return_rate', 'return_rate', 'partner_scorecard', 'Return rate', '退货率', 'refunds on the partner''s orders / sell-in revenue, last 12 months', 'one row per partner, as of the as-of date', 'ratio'),
            ('share_of_channel_sell_in', 'share_of_channel_sell_in', 'partner_scorecard', 'Share of channel sell-in', '渠道集中度', 'partner''s sell-in / its channel''s sell-in, last 12 months', 'one row per partner, as of the as-of date', 'ratio'),
            ('conflict_incidents', 'conflict_incidents', 'partner_scorecard', 'Conflict incidents', '渠道冲突事件数', 'cross-territory findings (partner-region-months) + below-floor findings (product-months)', 'one row per partner, as of the as-of date', 'incidents'),
            ('is_input_output_imbalanced', 'is_input_output_imbalanced', 'partner_scorecard', 'Input/output out of balance', '投入产出比失衡', 'partner under contract with units resold / units bought over the last 6 months < 0.75 or > 1.25', 'one row per partner, as of the as-of date', 'flag'),
            ('is_sell_through_declining', 'is_sell_through_declining', 'partner_scorecard', 'Declining sell-through', '分销下滑', 'last 6 months'' sell-through <= 80% of the same months a year earlier and last 12 months below the 12 before', 'one row per partner, as of the as-of date', 'flag'),
            ('is_concentration_risk', 'is_concentration_risk', 'partner_scorecard', 'Concentration risk', '集中度风险', 'share_of_channel_sell_in >= 0.35', 'one row per partner, as of the as-of date', 'flag'),
            ('risk_flags', 'risk_flags', 'partner_scorecard', 'Risk flags', '风险标记数', 'number of the four risk flags raised (imbalance, decline, concentration, conflict)', 'one row per partner, as of the as-of date', 'flags'),
            ('goal_actual', 'actual_value', 'goal_attainment', 'Goal actual', '目标实际值', 'the metric measured for the goal''s scope from period start to period end or the as-of date', 'one row per channel goal (target)', 'as the metric'),
            ('goal_attainment', 'attainment', 'goal_attainment', 'Goal attainment', '目标达成率', 'actual_value / target_value', 'one row per channel goal (target)', 'ratio'),
            ('goal_pace_attainment', 'pace_attainment', 'goal_attainment', 'Attainment to date', '进度达成率', 'actual_value / expected_to_date (target pro rata to elapsed days for revenue and new outlets; the target for ratios)', 'one row per channel goal (target)', 'ratio'),
            ('online_share', 'actual_value', 'goal_attainment', 'Online share of sales', '线上渠道销售额占比', 'online-channel revenue / revenue (of the region for a region scope, of the company otherwise)', 'one row per channel goal (target)', 'ratio'),
            ('region_coverage_rate', 'actual_value', 'goal_attainment', 'Region coverage', '区域覆盖率', 'regions with an authorised partner of the scope on the measurement day / all regions', 'one row per channel goal (target)', 'ratio'),
            ('segment_customers', 'customers', 'segment_channel_fit', 'Segment customers', '细分客户数', 'distinct customers of the segment with a purchase through the channel type', 'one row per customer segment per channel type', 'customers'),
            ('segment_retention_rate', 'retention_rate', 'segment_channel_fit', 'Retention', '留存率', 'customers who bought through the channel type in the prior 12 months and again in the last 12 / those of the prior 12', 'one row per customer segment per channel type', 'ratio'),
            ('share_of_segment_revenue', 'share_of_segment_revenue', 'segment_channel_fit', 'Channel share of segment revenue', '渠道占细分客户销售额比例', 'revenue of the segment through the channel type / the segment''s revenue', 'one row per customer segment per channel type', 'ratio'),
            ('attributed_conversions', 'attributed_conversions', 'channel_attribution_monthly', 'Attributed new customers', '归因新客数', 'first purchases of new customers credited to the channel under the model (first touch, last touch, linear, position-based 40/20/40, time-decay, Markov removal effect); each model shares out the same conversions', 'one row per channel, month and attribution model', 'customers'),
            ('removal_effect', 'removal_effect', 'channel_attribution_monthly', 'Removal effect (Markov)', '移除效应', '1 - P(conversion with the channel removed from the journeys) / P(conversion), first-order Markov chain of the month''s journeys', 'one row per channel, month and attribution model', 'ratio'),
            ('cost_per_attributed_conversion', 'cost_per_attributed_conversion', 'channel_attribution_monthly', 'Cost per attributed new customer', '归因获客成本', 'marketing_spend of the month / attributed_conversions', 'one row per channel, month and attribution model', 'CNY per customer'),
            ('assisted_conversions', 'assisted_conversions', 'channel_attribution', 'Assisted conversions', '助攻转化数', 'first purchases of journeys with two or more steps that the channel was in without taking the order', 'one row per channel over the last 12 months of journeys', 'customers'),
            ('closed_conversions', 'closed_conversions', 'channel_attribution', 'Closed conversions', '收割转化数', 'first purchases the channel took after other channels'' touches', 'one row per channel over the last 12 months of journeys', 'customers'),
            ('first_to_last_touch_ratio', 'first_to_last_touch_ratio', 'channel_attribution', 'First- to last-touch ratio', '首末触点比', 'first_touch_conversions / last_touch_conversions', 'one row per channel over the last 12 months of journeys', 'ratio'),
            ('demand_role', 'demand_role', 'channel_attribution', 'Demand role', '渠道角色（种草/收割）', 'creates_demand when first_to_last_touch_ratio >= 1.5, closes_demand when <= 1/1.5, else creates_and_closes; not judged under 10 conversions', 'one row per channel over the last 12 months of journeys', 'category'),
            ('cost_per_conversion_markov', 'cost_per_conversion_markov', 'channel_attribution', 'Cost per new customer (Markov)', '获客成本（马尔可夫归因）', 'marketing_spend / markov_conversions', 'one row per channel over the last 12 months of journeys', 'CNY per customer')
    ) as metrics (metric_id, mart_column, mart, name_en, name_zh, formula, grain, unit)

),

grain_labels as (

    -- each grain and unit above in Chinese, for the Chinese pages (a grain or unit without one shows as written)
    select * from (
        values
            ('one row per channel per ship-to region per month', '每渠道每收货区域每月一行'),
            ('one row per scope (company, channel group, channel type, channel) per month', '每范围（公司、渠道大类、渠道类型、渠道）每月一行'),
            ('one row per channel over the whole history', '每渠道一行（全部历史）'),
            ('one row per partner per region per month', '每合作伙伴每区域每月一行'),
            ('one row per customer per quarter with 2+ channels', '每客户每季度一行（使用 2 个及以上渠道）'),
            ('one row per partner, as of the as-of date', '每合作伙伴一行（截至数据日期）'),
            ('one row per channel goal (target)', '每个渠道目标一行'),
            ('one row per region, as of the as-of date', '每区域一行（截至数据日期）'),
            ('one row per region per month', '每区域每月一行'),
            ('one row per partner channel per month', '每合作伙伴渠道每月一行'),
            ('one row per seller per product per month', '每卖方每产品每月一行'),
            ('one row per customer segment per channel type', '每客户细分每渠道类型一行'),
            ('one row per channel, month and attribution model', '每渠道、每月、每归因模型一行'),
            ('one row per channel over the last 12 months of journeys', '每渠道一行（近 12 个月的转化路径）')
    ) as grain_labels (grain, grain_zh)

),

unit_labels as (

    select * from (
        values
            ('orders', '笔订单'),
            ('regions', '个区域'),
            ('partners', '个合作伙伴'),
            ('shops', '家门店'),
            ('outlets', '个网点'),
            ('CNY per customer', 'CNY / 客户'),
            ('score', '分'),
            ('channels', '个渠道'),
            ('incidents', '起'),
            ('flags', '个标记'),
            ('as the metric', '同该指标'),
            ('CNY', 'CNY'),
            ('units', '件'),
            ('ratio', '比率'),
            ('flag', '标记'),
            ('CNY per visit', 'CNY / 次访问'),
            ('lines', '行'),
            ('customers', '位客户'),
            ('category', '类别')
    ) as unit_labels (unit, unit_zh)

),

final as (

    select
        metrics.metric_id,
        metrics.mart_column,
        metrics.mart,
        metrics.name_en,
        metrics.name_zh,
        metrics.formula,
        metrics.grain,
        coalesce(grain_labels.grain_zh, metrics.grain) as grain_zh,
        -- money is in the reporting currency (config reporting.currency): the rows above say CNY for it
        replace(metrics.unit, 'CNY', (select any_value(currency_code) from ops.reporting_settings)) as unit,
        replace(coalesce(unit_labels.unit_zh, metrics.unit), 'CNY', (select any_value(currency_code) from ops.reporting_settings))
            as unit_zh

    from metrics
    left join grain_labels
        on metrics.grain = grain_labels.grain
    left join unit_labels
        on metrics.unit = unit_labels.unit

)

select * from final
