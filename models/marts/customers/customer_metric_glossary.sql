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
            ('rfm_segment', 'rfm_segment', 'customer_rfm', 'RFM segment', 'RFM客户细分', 'Champions R5 F4-5 or R4 F5; Loyal R3 F4-5 or R4 F4; Potential loyalists R4-5 F2-3; New customers R5 F1; Promising R4 F1; Need attention R3 F3; About to sleep R3 F1-2; Cannot lose them R1-2 F5; At risk R1-2 F3-4; Hibernating R2 F1-2; Lost R1 F1-2', 'one row per customer with an order', 'segment'),
            ('current_value_score', 'current_value_score', 'customer_value_tiers', 'Current value', '当前价值得分', '(cume_dist of revenue_last_12_months + cume_dist of gross_margin_last_12_months) / 2 among the buyers of the last 12 months; 0 without an order in 12 months', 'one row per customer', 'score 0-1'),
            ('probability_alive', 'probability_alive', 'customer_value_tiers', 'Probability alive', '客户存活概率', 'BG/NBD P(alive | x, t_x, T), weekly purchase history, parameters fitted at the as-of date', 'one row per customer', 'probability'),
            ('expected_purchases_12m', 'expected_purchases_12m', 'customer_value_tiers', 'Expected purchases (next 12 months)', '预计购买次数（未来12个月）', 'BG/NBD E[Y(52.18 weeks) | x, t_x, T]; purchases counted in weeks with an order', 'one row per customer', 'purchases'),
            ('expected_spend_12m', 'expected_spend_12m', 'customer_value_tiers', 'Expected spend (next 12 months)', '预计消费额（未来12个月）', 'expected_purchases_12m x Gamma-Gamma E[value of a purchase | x, m_x], undiscounted', 'one row per customer', 'CNY'),
            ('potential_value_score', 'potential_value_score', 'customer_value_tiers', 'Potential value', '潜在价值得分', 'cume_dist of expected_spend_12m among the customers with a prediction; when the BG/NBD fit is uninformative (potential_value_basis recency_and_lifetime_revenue): the mean of two cume_dist ranks among the customers with a purchase, both at the month''s end: recency (days since the last purchase, the latest buyer highest) and lifetime revenue; every month''s tier (last month''s, tier movement, churn and satisfaction by tier) on the same basis', 'one row per customer', 'score 0-1'),
            ('potential_value_basis', 'potential_value_basis', 'customer_value_tiers', 'Potential value basis', '潜在价值依据', 'predicted_spend when the BG/NBD fit carries a churn signal and both models predict; recency_and_lifetime_revenue when the BG/NBD is fitted but uninformative (nobody drops out, or P(alive) > 0.99 for 95% or more of repeat buyers; customer_value_fit); current_value_only without a fit (potential value then null)', 'one row per customer (the same in every row)', 'basis'),
            ('value_tier', 'value_tier', 'customer_value_tiers', 'Value tier', '客户价值分层', 'first match: high_value_loyal current_value_score >= 0.8 and 2+ orders in the last 12 months; high_potential_growth potential_value_score >= 0.8 (predicted spend, or the recency and lifetime-revenue score when the fit is uninformative: potential_value_basis) or 2+ customers referred; general_value either score >= 0.4; low_value_long_tail the rest (service per tier: customer_tier_service)', 'one row per customer', 'tier'),
            ('key_customer', 'is_key_customer', 'customer_value_tiers', 'Key customer', '关键客户', 'among the buyers of the reference window (the 12 months before the last 4), rank by spend there (ties by customer key) <= ceil(0.10 x buyers) and 4+ orders there', 'one row per customer', 'flag'),
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
            ('churn_status', 'churn_status', 'customer_churn', 'Churn status', '流失状态', 'active: an order in the last 4 months; at risk: none there but one in the last 12 months; churned: none in the last 12 months', 'one row per customer with an order', 'status'),
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

formulas_zh as (

    -- every formula above for Chinese readers, in words (the rows above state it in the marts' columns)
    select * from (
        values
            ('lifetime_revenue', '客户自首购起全部已完成订单的订单金额合计（公司订单中署名该客户的部分；已扣除以负数行或取消单据发送的取消；未扣除按订单行记录的退货；游客下单不计入任何客户）'),
            ('lifetime_gross_margin', '客户已完成订单的毛利合计；若有订单行的产品缺少单位成本，则为空（未知）'),
            ('customer_order_value', '客户累计价值 ÷ 订单数'),
            ('partner_purchases', '署名该客户的经销商转售记录笔数（经销商的销售，不计入公司销售额）'),
            ('channels_used', '客户订单与经销商转售所涉及的不同渠道数'),
            ('customer_refund_rate', '客户退货的退款金额 ÷ 客户累计价值'),
            ('interaction_frequency', '截至数据截至日的近12个月内客户关系管理互动次数'),
            ('interaction_recency', '最近一次客户关系管理互动距数据截至日的天数'),
            ('data_completeness_score', '已填写的资料字段数 ÷ 7（姓名、邮箱、电话、地址、地区、获客渠道、企业客户的行业或个人客户的年龄段）'),
            ('contact_fields_malformed', '格式不符合 user@domain.tld 的已填邮箱数 + 位数不在7-15位之间的已填电话数'),
            ('referred_customers', '推荐人为该客户的客户关系管理客户数'),
            ('recency_score', '1 + floor(5 ×（排名 - 1）÷ 评分客户数)；按距最近一次已完成订单的天数排名，沉默最久者排第一（并列同名次）'),
            ('frequency_score', '1 + floor(5 ×（排名 - 1）÷ 评分客户数)；按购买次数（净额大于零的已完成订单）由少到多排名（并列同名次）'),
            ('monetary_score', '1 + floor(5 ×（排名 - 1）÷ 评分客户数)；按客户扣除取消后的订单金额由低到高排名（并列同名次）'),
            ('rfm_segment', '按最近购买得分（R）与购买频次得分（F）划分：核心价值客户 R5 F4-5 或 R4 F5；忠诚客户 R3 F4-5 或 R4 F4；潜在忠诚客户 R4-5 F2-3；新客户 R5 F1；潜力新客 R4 F1；需关注客户 R3 F3；即将沉睡客户 R3 F1-2；重要挽回客户 R1-2 F5；流失风险客户 R1-2 F3-4；沉睡客户 R2 F1-2；已流失客户 R1 F1-2'),
            ('current_value_score', '近12个月购买客户中，近12个月消费额的累积分布排名与近12个月毛利的累积分布排名的平均值；近12个月无订单者为0'),
            ('probability_alive', 'BG/NBD 模型的存活概率 P(alive | x, t_x, T)，基于按周的购买记录，参数在数据截至日拟合'),
            ('expected_purchases_12m', 'BG/NBD 模型预计的未来52.18周购买次数 E[Y | x, t_x, T]；购买次数按有订单的周计'),
            ('expected_spend_12m', '预计购买次数（未来12个月）× Gamma-Gamma 模型预计的单次消费额，不折现'),
            ('potential_value_score', '有预测值的客户中，未来12个月预计消费额的累积分布排名；若 BG/NBD 拟合无信息（潜在价值依据为"最近购买与累计消费"），则取已购客户中两个月末累积分布排名的平均：最近购买（最近购买者最高）与累计消费额；每个月的分层（上月分层、分层迁移、按分层的流失与满意度）均采用相同依据'),
            ('potential_value_basis', 'BG/NBD 拟合带有流失信号且两个模型均有预测时为"预计消费额"；BG/NBD 已拟合但无信息（无人流失，或95%及以上复购客户的存活概率 > 0.99）时为"最近购买与累计消费"；未拟合时为"仅当前价值"（潜在价值为空）'),
            ('value_tier', '按顺序取首个符合的规则：高价值忠诚客户——当前价值得分 ≥ 0.8 且近12个月下单2次及以上；高潜力增长客户——潜在价值得分 ≥ 0.8 或已推荐2位及以上客户；一般价值客户——任一得分 ≥ 0.4；其余为低价值/长尾客户（各分层的服务见价值分层页面）'),
            ('key_customer', '参照期（最近4个月之前的12个月）的购买客户中，按参照期消费额排名（并列按客户编号）不超过 ceil(0.10 × 购买客户数)，且参照期内下单4次及以上'),
            ('tier_transition_rate', '当月由上月分层迁入本分层的客户数 ÷ 上月末该上月分层的客户数'),
            ('cohort_retention_rate', '同期群（首笔已完成订单所在月份）中当月有已完成订单的客户数 ÷ 同期群客户数'),
            ('cohort_revenue_per_customer', '同期群自首月至当月的已完成订单销售额 ÷ 同期群客户数'),
            ('active_customers', '当月有已完成订单的客户数'),
            ('new_customers', '首笔已完成订单在当月的客户数'),
            ('customer_average_order_value', '当月销售额（扣除取消）÷ 署名客户的购买次数'),
            ('purchase_frequency', '当月购买次数 ÷ 活跃客户数'),
            ('repeat_purchase_rate', '截至月末的近12个月内下单2次及以上的客户数 ÷ 下单1次及以上的客户数'),
            ('churn_rate', '参照期（最近4个月之前的12个月）内购买、但最近4个月未购买的客户数 ÷ 参照期内购买的客户数'),
            ('key_customer_churn_rate', '最近4个月没有已完成订单的关键客户数 ÷ 关键客户数'),
            ('churn_status', '活跃：最近4个月有订单；流失风险：最近4个月无订单但近12个月有订单；已流失：近12个月无订单'),
            ('gone_quiet', '参照期（最近4个月之前的12个月）内有购买，最近4个月无购买'),
            ('key_customer_gone_quiet', '既是关键客户，又已陷入沉默'),
            ('churn_rate_by_scope', '与流失率相同，按参照期末所在价值分层或参照期内主要渠道分别计算'),
            ('key_customer_churn_rate_by_scope', '与关键客户流失率相同，按范围内的关键客户计算'),
            ('churn_reason_share', '自最后一次下单前90天至数据截至日发出该原因信号的沉默客户数 ÷ 沉默客户数'),
            ('churn_reason_lift', '流失原因占比 ÷ 参照期内持续购买客户中的同一占比（同样自最后一次下单前90天起计）'),
            ('satisfaction_monthly', '当月范围内调研答卷满意度评分（1-5分）的平均值'),
            ('satisfied_share', '满意度为4-5分的答卷数 ÷ 答卷数'),
            ('net_promoter_score_monthly', '（推荐者 9-10分 - 贬损者 0-6分）÷ 答卷数'),
            ('referral_rate', '当月新建客户中由老客户推荐的客户数 ÷ 当月新建客户数'),
            ('crm_goal_actual', '目标周期至今：复购率 = 下单2次及以上的客户数 ÷ 下单1次及以上的客户数；客单价 = 销售额 ÷ 已完成订单数（与渠道指标释义相同，含全部订单）；关键客户流失率按计量截止月份计算；满意度评分 = 平均满意度；推荐率 = 经推荐的新建客户数 ÷ 新建客户数'),
            ('crm_goal_attainment', '实际值 ÷ 目标值（关键客户流失率越低越好，按目标值 ÷ 实际值计算）')
    ) as formulas_zh (metric_id, formula_zh)

),

final as (

    select
        metric_id,
        mart_column,
        mart,
        name_en,
        name_zh,
        formula,
        formulas_zh.formula_zh,
        grain,
        case grain
            when 'one row per customer' then '每位客户一行'
            when 'one row per customer (the same in every row)' then '每位客户一行（各行相同）'
            when 'one row per customer with an order' then '每位有订单的客户一行'
            when 'one row per month' then '每月一行'
            when 'one row per month per previous tier per tier' then '每月每个上月分层与本月分层组合一行'
            when 'one row per cohort per month since first purchase' then '每个同期群自首购起每月一行'
            when 'one row per scope, as of the as-of date' then '每个范围一行（截至数据截至日）'
            when 'one row per scope per month' then '每个范围每月一行'
            when 'one row per CRM goal (target)' then '每个客户关系管理目标一行'
            when 'one row per reason' then '每个原因一行'
            else grain
        end as grain_zh,
        -- money is in the reporting currency (config reporting.currency): the rows above say CNY for it
        replace(unit, 'CNY', (select any_value(currency_code) from ops.reporting_settings)) as unit,
        case unit
            when 'CNY' then (select any_value(currency_code) from ops.reporting_settings)
            when 'channels' then '渠道数'
            when 'interactions' then '次互动'
            when 'fields' then '个字段'
            when 'score 1-5' then '得分 1-5'
            when 'score 0-1' then '得分 0-1'
            when 'score' then '分'
            when 'segment' then '细分'
            when 'probability' then '概率'
            when 'purchases' then '次购买'
            when 'basis' then '依据'
            when 'as the metric' then '同所计量指标'
            when 'lines' then '笔'
            when 'ratio' then '比率'
            when 'days' then '天'
            when 'customers' then '客户数'
            when 'tier' then '分层'
            when 'flag' then '是/否'
            when 'orders per customer' then '人均订单数'
            when 'status' then '状态'
            else unit
        end as unit_zh

    from metrics
    left join formulas_zh using (metric_id)

)

select * from final
