-- grain: one row per CRM goal (target_id): repeat-purchase rate, average order value, key-customer churn rate, satisfaction and referral rate targets

with

customer_orders as (

    select * from intermediate.int_customer_orders_numbered

),

orders as (

    select * from core.orders

),

customer_months as (

    select * from intermediate.int_customer_months_rolled

),

surveys as (

    select * from core.surveys

),

channels as (

    select * from core.channels

),

profiles as (

    select * from intermediate.int_customer_profiles_scored

),

crm_targets as (

    -- the CRM goals, with their measuring window (measured_through over the period, or up to the as-of date while it
    -- runs; null before it starts)
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
        metric = 'key_customer_churn_rate' as is_lower_better

    from intermediate.int_targets_timed
    where metric in (
        'repeat_purchase_rate', 'average_order_value', 'key_customer_churn_rate', 'satisfaction_score', 'referral_rate'
    )

),

in_scope_orders as (

    -- the customer orders of each goal's scope and period (repeat-purchase rate)
    select
        crm_targets.target_id,
        customer_orders.customer_id,
        count(*) as orders

    from crm_targets
    inner join customer_orders
        on customer_orders.is_purchase
        and customer_orders.order_date between crm_targets.period_start and crm_targets.measured_through
        and macros.in_goal_scope(
            crm_targets.scope_type,
            crm_targets.scope_id,
            customer_orders.channel_type,
            customer_orders.channel_id,
            customer_orders.ship_to_region_id
        )
    where crm_targets.metric = 'repeat_purchase_rate'
    group by all

),

repeat_actuals as (

    select
        target_id,
        count(*) filter (where orders >= 2) / count(*) as actual_value

    from in_scope_orders
    group by all

),

aov_actuals as (

    -- revenue / purchases of the scope, every order (sell-in included) as the channel glossary's
    -- average_order_value: the company's target is set on all its orders; revenue nets cancellations, which are no order
    select
        crm_targets.target_id,
        sum(orders.order_amount) / nullif(count(*) filter (where orders.is_purchase), 0) as actual_value

    from crm_targets
    inner join orders
        on orders.is_completed
        and orders.line_count > 0
        and orders.order_date between crm_targets.period_start and crm_targets.measured_through
        and macros.in_goal_scope(
            crm_targets.scope_type,
            crm_targets.scope_id,
            orders.channel_type,
            orders.channel_id,
            orders.ship_to_region_id
        )
    where crm_targets.metric = 'average_order_value'
    group by all

),

churn_actuals as (

    -- key-customer churn as of the month the goal is measured through (company scope: key customers are company-wide)
    select
        crm_targets.target_id,
        count(*) filter (where customer_months.is_key_customer and customer_months.has_gone_quiet)
            / nullif(count(*) filter (where customer_months.is_key_customer), 0) as actual_value

    from crm_targets
    inner join customer_months
        on customer_months.month = cast(date_trunc('month', crm_targets.measured_through) as date)
    where crm_targets.metric = 'key_customer_churn_rate'
        and crm_targets.scope_type = 'company'
    group by all

),

satisfaction_actuals as (

    select
        crm_targets.target_id,
        avg(surveys.satisfaction_score) as actual_value

    from crm_targets
    inner join surveys
        on surveys.answered_date between crm_targets.period_start and crm_targets.measured_through
    left join channels
        on surveys.channel_id = channels.channel_id
    left join profiles
        on surveys.customer_id = profiles.customer_id
    where crm_targets.metric = 'satisfaction_score'
        and macros.in_goal_scope(
            crm_targets.scope_type,
            crm_targets.scope_id,
            channels.channel_type,
            surveys.channel_id,
            profiles.region_id
        )
    group by all

),

referral_actuals as (

    select
        crm_targets.target_id,
        count(*) filter (where profiles.is_referred) / count(*) as actual_value

    from crm_targets
    inner join profiles
        on profiles.created_date between crm_targets.period_start and crm_targets.measured_through
    left join channels
        on profiles.acquisition_channel_id = channels.channel_id
    where crm_targets.metric = 'referral_rate'
        -- referrals are recorded in the CRM: a customer it does not have (known from orders only) is in neither count
        and profiles.is_in_crm
        and macros.in_goal_scope(
            crm_targets.scope_type,
            crm_targets.scope_id,
            channels.channel_type,
            profiles.acquisition_channel_id,
            profiles.region_id
        )
    group by all

),

actuals as (

    select * from repeat_actuals
    union all
    select * from aov_actuals
    union all
    select * from churn_actuals
    union all
    select * from satisfaction_actuals
    union all
    select * from referral_actuals

),

goal_labels as (

    -- the goals' metrics and period statuses in words for readers, in both languages
    select * from (
        values
            ('repeat_purchase_rate', 1, '复购率', 'Repeat-purchase rate'),
            ('average_order_value', 2, '客单价', 'Average order value'),
            ('key_customer_churn_rate', 3, '关键客户流失率', 'Key-customer churn rate'),
            ('satisfaction_score', 4, '满意度评分', 'Satisfaction score'),
            ('referral_rate', 5, '推荐率', 'Referral rate')
    ) as goal_labels (metric, metric_order, metric_label_zh, metric_label_en)

),

status_labels as (

    select * from (
        values
            ('in_progress', '进行中', 'In progress'),
            ('complete', '已结束', 'Complete'),
            ('not_started', '未开始', 'Not started')
    ) as status_labels (period_status, period_status_label_zh, period_status_label_en)

),

measured as (

    select
        crm_targets.*,
        case when crm_targets.period_status <> 'not_started' then actuals.actual_value end as actual_value

    from crm_targets
    left join actuals
        on crm_targets.target_id = actuals.target_id

),

final as (

    select
        target_id,
        metric,
        goal_labels.metric_label_zh,
        goal_labels.metric_label_en,
        goal_labels.metric_order,
        scope_type,
        scope_id,
        period_status,
        status_labels.period_status_label_zh,
        status_labels.period_status_label_en,
        target_value,
        cast(actual_value as double) as actual_value,
        -- above 1 is better than the target, whichever way the metric points
        case
            when is_lower_better then target_value / nullif(actual_value, 0)
            else actual_value / nullif(target_value, 0)
        end as attainment,
        case
            when is_lower_better then actual_value <= target_value
            else actual_value >= target_value
        end as is_on_track,
        case
            when period_status = 'complete' and is_lower_better then actual_value <= target_value
            when period_status = 'complete' then actual_value >= target_value
        end as is_met,
        is_lower_better,
        period_start,
        period_end,
        measured_through

    from measured
    left join goal_labels using (metric)
    left join status_labels using (period_status)

)

select * from final
