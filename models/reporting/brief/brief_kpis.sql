-- grain: one row per headline KPI of the executive brief (kpi_id)
-- The brief's headline figures for the year to date (1 January of the as-of year to the as-of date) beside the same
-- days a year earlier, and, where the plan has a running company goal for the KPI, the goal and its pace
-- (marts.goal_attainment: a seasonal pace for revenue; marts.crm_goal_attainment for the CRM goals). Money in the
-- reporting currency; shares 0-1.

with

order_lines as (

    select * from core.order_lines

),

calendar as (

    select * from intermediate.int_calendar_months

),

goal_attainment as (

    select * from marts.goal_attainment

),

crm_goal_attainment as (

    select * from marts.crm_goal_attainment

),

as_of as (

    select
        max(as_of_date) as as_of_date,
        cast(date_trunc('year', max(as_of_date)) as date) as year_start
    from calendar

),

windows as (

    select
        'current' as window_name,
        as_of.year_start as window_start,
        as_of.as_of_date as window_end
    from as_of
    union all
    select
        'prior',
        cast(as_of.year_start - interval 1 year as date),
        cast(as_of.as_of_date - interval 1 year as date)
    from as_of

),

sales as (

    select
        windows.window_name,
        sum(order_lines.line_amount) as revenue,
        -- unknown when a line of the window has no unit cost: never a partial sum
        case when bool_and(order_lines.is_cost_known) then sum(order_lines.gross_margin) end as gross_margin,
        count(distinct order_lines.order_id) filter (where order_lines.is_purchase) as orders,
        sum(order_lines.line_amount) filter (where order_lines.is_online) as online_revenue

    from windows
    inner join order_lines
        on order_lines.is_completed
        and order_lines.order_date between windows.window_start and windows.window_end
    group by all

),

sales_pivoted as (

    select
        max(revenue) filter (where window_name = 'current') as revenue,
        max(revenue) filter (where window_name = 'prior') as revenue_prior,
        max(gross_margin) filter (where window_name = 'current') as gross_margin,
        max(gross_margin) filter (where window_name = 'prior') as gross_margin_prior,
        max(orders) filter (where window_name = 'current') as orders,
        max(orders) filter (where window_name = 'prior') as orders_prior,
        max(online_revenue) filter (where window_name = 'current') as online_revenue,
        max(online_revenue) filter (where window_name = 'prior') as online_revenue_prior
    from sales

),

-- the company goal running on the as-of date for a metric: the one with the longest period (the year's, before a
-- quarter's), then the latest start
company_goals as (

    select
        metric,
        target_id,
        target_value,
        expected_to_date,
        pace_attainment,
        is_on_track,
        pace_basis,
        period_start,
        period_end
    from goal_attainment
    where scope_type = 'company' and period_status = 'in_progress'
    qualify row_number() over (
        partition by metric order by period_end - period_start desc, period_start desc, target_id
    ) = 1

),

crm_goals as (

    select
        metric,
        target_id,
        target_value,
        actual_value,
        is_on_track,
        period_start,
        period_end
    from crm_goal_attainment
    where scope_type = 'company' and period_status = 'in_progress'
    qualify row_number() over (
        partition by metric order by period_end - period_start desc, period_start desc, target_id
    ) = 1

),

sales_kpis as (

    select 1 as kpi_order, 'revenue' as kpi_id, '销售额' as name_zh, 'Revenue' as name_en, 'money' as unit,
        revenue as value, revenue_prior as prior_value
    from sales_pivoted
    union all
    select 2, 'gross_margin', '毛利', 'Gross margin', 'money', gross_margin, gross_margin_prior
    from sales_pivoted
    union all
    select 3, 'orders', '订单数', 'Orders', 'count', orders, orders_prior
    from sales_pivoted
    union all
    select 4, 'online_share', '线上销售占比', 'Online share of sales', 'share',
        online_revenue / nullif(revenue, 0), online_revenue_prior / nullif(revenue_prior, 0)
    from sales_pivoted

),

-- how the brief names and orders the CRM goals it shows
crm_kpi_labels as (

    select * from (
        values
            ('repeat_purchase_rate', 5, '复购率', 'Repeat purchase rate', 'share'),
            ('average_order_value', 6, '客单价', 'Average order value', 'money'),
            ('key_customer_churn_rate', 7, '关键客户流失率', 'Key customer churn', 'share'),
            ('satisfaction_score', 8, '满意度', 'Satisfaction (1-5)', 'score'),
            ('referral_rate', 9, '推荐率', 'Referral rate', 'share')
    ) as labels (metric, kpi_order, name_zh, name_en, unit)

),

crm_kpis as (

    select
        labels.kpi_order,
        crm_goals.metric as kpi_id,
        labels.name_zh,
        labels.name_en,
        labels.unit,
        crm_goals.actual_value as value,
        cast(null as double) as prior_value,
        crm_goals.target_value,
        -- ratio goals are held to the target itself all along
        crm_goals.target_value as expected_to_date,
        case
            when crm_goals.metric = 'key_customer_churn_rate'
                then crm_goals.target_value / nullif(crm_goals.actual_value, 0)
            else crm_goals.actual_value / nullif(crm_goals.target_value, 0)
        end as pace_attainment,
        crm_goals.is_on_track,
        cast(null as varchar) as pace_basis,
        crm_goals.period_start as goal_period_start,
        crm_goals.period_end as goal_period_end
    from crm_goals
    inner join crm_kpi_labels as labels
        on crm_goals.metric = labels.metric

),

final as (

    select
        sales_kpis.kpi_order,
        sales_kpis.kpi_id,
        sales_kpis.name_zh,
        sales_kpis.name_en,
        sales_kpis.unit,
        cast(sales_kpis.value as double) as value,
        cast(sales_kpis.prior_value as double) as prior_value,
        -- a share changes by points, an amount or count by its ratio to a year earlier
        case
            when sales_kpis.unit = 'share' then sales_kpis.value - sales_kpis.prior_value
            else sales_kpis.value / nullif(sales_kpis.prior_value, 0) - 1
        end as change,
        company_goals.target_value,
        company_goals.expected_to_date,
        company_goals.pace_attainment,
        company_goals.is_on_track,
        company_goals.pace_basis,
        company_goals.period_start as goal_period_start,
        company_goals.period_end as goal_period_end

    from sales_kpis
    left join company_goals
        on sales_kpis.kpi_id = company_goals.metric

    union all

    select
        kpi_order,
        kpi_id,
        name_zh,
        name_en,
        unit,
        cast(value as double),
        prior_value,
        null,
        target_value,
        expected_to_date,
        pace_attainment,
        is_on_track,
        pace_basis,
        goal_period_start,
        goal_period_end
    from crm_kpis

)

select * from final
