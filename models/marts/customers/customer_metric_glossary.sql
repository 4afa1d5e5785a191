-- grain: one row per metric (metric_id) that a customer mart defines and a report page shows

with

metrics as (

    select * from (
        values
            ('lifetime_revenue', 'lifetime_revenue', 'customer_360', 'Lifetime value to date', '客户累计价值', 'sum(order_amount) of the customer''s completed orders from the first purchase on (the company''s orders naming the customer; net of cancellations sent as negative lines or cancellation documents; before returns recorded against a line; guest checkouts name nobody)', 'one row per customer', 'CNY'),
            ('lifetime_gross_margin', 'lifetime_gross_margin', 'customer_360', 'Lifetime gross margin', '客户累计毛利', 'sum(gross_margin) of the customer''s completed orders; null (unknown) when a line''s product has no unit cost', 'one row per customer', 'CNY'),
            ('customer_order_value', 'average_order_value', 'customer_360', 'Customer''s average order value', '客户平均订单金额', 'lifetime_revenue / orders', 'one row per customer', 'CNY'),
            ('partner_purchases', 'partner_purchases', 'customer_360', 'Purchases from partners', '经销渠道购买笔数', 'partner sell-through lines naming the customer (the partner''s sale, not the company''s revenue)', 'one row per customer', 'lines'),
            ('channels_used', 'channels_used', 'customer_360', 'Channels used', '使用渠道数', 'distinct channels of the customer''s orders and partner resales', 'one row per customer', 'channels'),
            ('customer_refund_rate', 'refund_rate', 'customer_360', 'Customer refund rate', '客户退款率', 'refund_amount of the customer''s returns / lifetime_revenue', 'one row per customer', 'ratio'),
            ('interaction_frequency', 'interactions_last_12_months', 'customer_360', 'Interaction frequency', '互动频率（近12个月）', 'CRM interactions in the 12 months to the as-of date', 'one row per customer', 'interactions'),
            ('interaction_recency', 'days_since_last_interaction', 'customer_360', 'Interaction recency', '距上次互动天数', 'days from the last CRM interaction to the as-of date', 'one row per customer', 'days'),
            ('data_completeness_score', 'data_completeness_score', 'customer_360', 'Data completeness', '客户信息完整度', 'filled profile fields / 7 (name, email, phone, address, region, acquisition channel, industry for a business or age band for a consumer)', 'one row per customer', 'ratio'),
            ('contact_fields_malformed', 'contact_fields_malformed', 'customer_360', 'Malformed contact fields', '联系方式格式错误数', 'filled emails not shaped user@domain.tld + filled phones without 7-15 digits', 'one row per customer', 'fields'),
            ('referred_customers', 'referred_customers', 'customer_360', 'Customers referred', '推荐客户数', 'CRM customers whose referrer is this customer', 'one row per customer', 'customers'),
            ('recency_score', 'recency_score', 'customer_rfm', 'Recency score (R)', '最近购买得分（R）', '1 + floor(5 x (rank - 1) / customers), rank = rank() by days since the last completed order, longest silence first (ties share a rank)', 'one row per customer with an order', 'score 1-5'),
            ('frequency_score', 'frequency_score', 'customer_rfm', 'Frequency score (F)', '购买频次得分（F）', '1 + floor(5 x (rank - 1) / customers), rank = rank() by purchases ascending (completed orders netting above zero; ties share a rank)', 'one row per customer with an order', 'score 1-5'),
            ('monetary_score', 'monetary_score', 'customer_rfm', 'Monetary score (M)', '消费金额得分（M）', '1 + floor(5 x (rank - 1) / customers), rank = rank() by the customer''s order amounts, net of cancellations, ascending (ties share a rank)', 'one row per customer with an order', 'score 1-5'),
            ('rfm_segment', 'rfm_segment', 'customer_rfm', 'RFM segment', 'RFM客户细分', 'champions R5 F4-5 or R4 F5; loyal R3 F4-5 or R4 F4; potential_loyalists R4-5 F2-3; new_customers R5 F1; promising R4 F1; need_attention R3 F3; about_to_sleep R3 F1-2; cannot_lose_them R1-2 F5; at_risk R1-2 F3-4; hibernating R2 F1-2; lost R1 F1-2', 'one row per customer with an order', 'segment'),
            ('current_value_score', 'current_value_score', 'customer_value_tiers', 'Current value', '当前价值得分', '(cume_dist of revenue_last_12_months + cume_dist of gross_margin_last_12_months) / 2 among the buyers of the last 12 months; 0 without an order in 12 months', 'one row per customer', 'score 0-1'),
            ('probability_alive', 'probability_alive', 'customer_value_tiers', 'Probability alive', '客户存活概率', 'BG/NBD P(alive | x, t_x, T), weekly purchase history, parameters fitted at the as-of date', 'one row per customer', 'probability'),
            ('expected_purchases_12m', 'expected_purchases_12m', 'customer_value_tiers', 'Expected purchases (next 12 months)', '预计购买次数（未来12个月）', 'BG/NBD E[Y(52.18 weeks) | x, t_x, T]; purchases counted in weeks with an order', 'one row per customer', 'purchases'),
            ('expected_spend_12m', 'expected_spend_12m', 'customer_value_tiers', 'Expected spend (next 12 months)', '预计消费额（未来12个月）', 'expected_purchases_12m x Gamma-Gamma E[value of a purchase | x, m_x], undiscounted', 'one row per customer', 'CNY'),
            ('potential_value_score', 'potential_value_score', 'customer_value_tiers', 'Potential value', '潜在价值得分', 'cume_dist of expected_spend_12m among the customers with a prediction; when the BG/NBD fit is uninformative (potential_value_basis recency_and_lifetime_revenue): the mean of two cume_dist ranks among the customers with a purchase, both at the month''s end: recency (days since the last purchase, the latest buyer highest) and lifetime revenue; every month''s tier (last month''s, tier movement, churn and satisfaction by tier) on the same basis', 'one row per customer', 'score 0-1'),
            ('potential_value_basis', 'potential_value_basis', 'customer_value_tiers', 'Potential value basis', '潜在价值依据', 'predicted_spend when the BG/NBD fit carries a churn signal and both models predict; recency_and_lifetime_revenue when the BG/NBD is fitted but uninformative (nobody drops out, or P(alive) > 0.99 for 95% or more of repeat buyers; customer_value_fit); current_value_only without a fit (potential value then null)', 'one row per customer (the same in every row)', 'basis'),
            ('value_tier', 'value_tier', 'customer_value_tiers', 'Value tier', '客户价值分层', 'first match: high_value_loyal current_value_score >= 0.8 and 2+ orders in the last 12 months; high_potential_growth potential_value_score >= 0.8 (predicted spend, or the recency and lifetime-revenue score when the fit is uninformative: potential_value_basis) or 2+ customers referred; general_value either score >= 0.4; low_value_long_tail the rest (service per tier: customer_tier_service)', 'one row per customer', 'tier'),
            ('key_customer', 'is_key_customer', 'customer_value_tiers', 'Key customer', '关键客户', 'among the buyers of the reference window (the 12 months before the last 4), rank by spend there (ties by customer_id) <= ceil(0.10 x buyers) and 4+ orders there', 'one row per customer', 'flag'),
            ('tier_transition_rate', 'share_of_previous_tier', 'customer_tier_movement', 'Tier transition rate', '分层迁移率', 'customers moving from previous_tier to value_tier in the month / customers in previous_tier at the previous month''s end', 'one row per month per previous tier per tier', 'ratio'),
            ('cohort_retention_rate', 'retention_rate', 'customer_cohort_retention', 'Cohort retention', '客户留存率', 'customers of the cohort (month of first completed order) with a completed order in the month / customers of the cohort', 'one row per cohort per month since first purchase', 'ratio'),
            ('cohort_revenue_per_customer', 'cumulative_revenue_per_customer', 'customer_cohort_retention', 'Cumulative revenue per cohort customer', '同期群人均累计消费', 'the cohort''s completed order revenue from its first month to the month / customers of the cohort', 'one row per cohort per month since first purchase', 'CNY'),
            ('active_customers', 'active_customers', 'customer_kpis_monthly', 'Active customers', '活跃客户数', 'customers with a completed order in the month', 'one row per month', 'customers'),
            ('new_customers', 'new_customers', 'customer_kpis_monthly', 'New customers', '新客户数', 'customers whose first completed order is in the month', 'one row per month', 'customers'),
            ('customer_average_order_value', 'average_order_value', 'customer_kpis_monthly', 'Average order value (customer orders)', '客单价（终端客户订单）', 'revenue (net of cancellations) / purchases naming a customer, in the month', 'one row per month', 'CNY'),
            ('purchase_frequency', 'purchase_frequency', 'customer_kpis_monthly', 'Purchase frequency', '购买频次', 'purchases / active customers, in the month', 'one row per month', 'orders per customer'),
            ('repeat_purchase_rate', 'repeat_purchase_rate', 'customer_kpis_monthly', 'Repeat-purchase rate (12 months)', '复购率（近12个月）', 'customers with 2+ completed orders in the 12 months to the month''s end / customers with 1+', 'one row per month', 'ratio'),
            ('churn_rate', 'churn_rate', 'customer_kpis_monthly', 'Churn rate', '流失率', 'customers who bought in the reference window (the 12 months before the last 4) and not in the last 4 months / customers who bought in the reference window', 'one row per month', 'ratio'),
            ('key_customer_churn_rate', 'key_customer_churn_rate', 'customer_kpis_monthly', 'Key-customer churn rate', '关键客户流失率', 'key customers with no completed order in the last 4 months / key customers', 'one row per month', 'ratio'),
            ('churn_status', 'churn_status', 'customer_churn', 'Churn status', '流失状态', 'active: an order in the last 4 months; at_risk (流失风险): none there but one in the last 12 months; churned (已流失): none in the last 12 months', 'one row per customer with an order', 'status'),
            ('gone_quiet', 'has_gone_quiet', 'customer_churn', 'Gone quiet', '沉默客户', 'bought in the reference window (the 12 months before the last 4) and not in the last 4 months', 'one row per customer with an order', 'flag'),
            ('key_customer_gone_quiet', 'is_key_customer_gone_quiet', 'customer_churn', 'Key customer gone quiet', '关键客户流失预警', 'key customer and gone quiet', 'one row per customer with an order', 'flag'),
            ('churn_rate_by_scope', 'churn_rate', 'customer_churn_rates', 'Churn rate by tier and channel', '流失率（按分层、渠道）', 'as churn_rate, for the customers of the value tier at the end of the reference window or of their main channel there', 'one row per scope, as of the as-of date', 'ratio'),
            ('key_customer_churn_rate_by_scope', 'key_customer_churn_rate', 'customer_churn_rates', 'Key-customer churn rate by tier and channel', '关键客户流失率（按分层、渠道）', 'as key_customer_churn_rate, for the key customers of the scope', 'one row per scope, as of the as-of date', 'ratio'),
            ('churn_reason_share', 'share_of_gone_quiet', 'churn_reasons', 'Share of churned customers with the reason', '流失原因占比', 'customers gone quiet who signalled the reason from 90 days before their last order to the as-of date / customers gone quiet', 'one row per reason', 'ratio'),
            ('churn_reason_lift', 'lift', 'churn_reasons', 'Churn reason lift', '流失原因提升度', 'share_of_gone_quiet / the same share among the reference window''s customers who kept buying (same span: 90 days before their last order on)', 'one row per reason', 'ratio'),
            ('satisfaction_monthly', 'average_satisfaction_score', 'customer_satisfaction_monthly', 'Satisfaction (monthly)', '满意度（按月）', 'avg(surveys.satisfaction_score) of the month''s answers in the scope (1-5)', 'one row per scope per month', 'score'),
            ('satisfied_share', 'satisfied_share', 'customer_satisfaction_monthly', 'Satisfied share', '满意率', 'answers with satisfaction 4-5 / answers', 'one row per scope per month', 'ratio'),
            ('net_promoter_score_monthly', 'net_promoter_score', 'customer_satisfaction_monthly', 'Net promoter score (monthly)', '净推荐值（按月）', '(promoters 9-10 - detractors 0-6) / answers', 'one row per scope per month', 'ratio'),
            ('referral_rate', 'referral_rate', 'customer_satisfaction_monthly', 'Referral rate', '推荐率', 'customers created in the month who were referred by a customer / customers created in the month', 'one row per scope per month', 'ratio'),
            ('crm_goal_actual', 'actual_value', 'crm_goal_attainment', 'CRM goal actual', 'CRM目标实际值', 'over the goal period to date: repeat_purchase_rate = customers with 2+ orders / with 1+; average_order_value = revenue / completed orders, all orders as the channel glossary''s; key_customer_churn_rate as of the month measured through; satisfaction_score = average satisfaction; referral_rate = referred / created customers', 'one row per CRM goal (target)', 'as the metric'),
            ('crm_goal_attainment', 'attainment', 'crm_goal_attainment', 'CRM goal attainment', 'CRM目标达成率', 'actual_value / target_value (target_value / actual_value for key_customer_churn_rate, where lower is better)', 'one row per CRM goal (target)', 'ratio')
    ) as metrics (metric_id, mart_column, mart, name_en, name_zh, formula, grain, unit)

),

final as (

    select
        metric_id,
        mart_column,
        mart,
        name_en,
        name_zh,
        formula,
        grain,
        -- money is in the reporting currency (config reporting.currency): the rows above say CNY for it
        replace(unit, 'CNY', (select any_value(currency_code) from ops.reporting_settings)) as unit

    from metrics

)

select * from final
