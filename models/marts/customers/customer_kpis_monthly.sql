-- grain: one row per calendar month of the history up to the as-of month (month), for the whole company

with

customer_months as (

    select * from intermediate.int_customer_months_rolled

),

calendar as (

    select * from intermediate.int_calendar_months

),

months as (

    select
        month,
        months_before_as_of = 0 and as_of_date < month_end_date as is_partial_month,
        month >= (select min(month) from calendar) + interval 11 month as has_full_12_months

    from calendar
    where months_before_as_of >= 0

),

by_month as (

    select
        month,
        count(*) filter (where orders > 0) as active_customers,
        count(*) filter (where orders > 0 and month = cohort_month) as new_customers,
        count(*) filter (where orders > 0 and month > cohort_month) as returning_customers,
        sum(orders) as orders,
        sum(revenue) as revenue,
        count(*) filter (where orders_last_12_months > 0) as customers_last_12_months,
        count(*) filter (where orders_last_12_months >= 2) as repeat_customers_last_12_months,
        sum(orders_last_12_months) as orders_last_12_months,
        count(*) filter (where is_reference_customer) as reference_customers,
        count(*) filter (where has_gone_quiet) as gone_quiet_customers,
        count(*) filter (where is_key_customer) as key_customers,
        count(*) filter (where is_key_customer and has_gone_quiet) as key_customers_gone_quiet,
        count(*) filter (where churn_status = 'active') as status_active_customers,
        count(*) filter (where churn_status = 'at_risk') as status_at_risk_customers,
        count(*) filter (where churn_status = 'churned') as status_churned_customers

    from customer_months
    group by all

),

final as (

    select
        months.month,
        coalesce(by_month.active_customers, 0) as active_customers,
        coalesce(by_month.new_customers, 0) as new_customers,
        coalesce(by_month.returning_customers, 0) as returning_customers,
        coalesce(by_month.orders, 0) as orders,
        cast(coalesce(by_month.revenue, 0) as decimal(18, 2)) as revenue,
        by_month.revenue / nullif(by_month.orders, 0) as average_order_value,
        by_month.orders / nullif(by_month.active_customers, 0) as purchase_frequency,
        coalesce(by_month.customers_last_12_months, 0) as customers_last_12_months,
        coalesce(by_month.repeat_customers_last_12_months, 0) as repeat_customers_last_12_months,
        by_month.repeat_customers_last_12_months / nullif(by_month.customers_last_12_months, 0)
            as repeat_purchase_rate,
        by_month.orders_last_12_months / nullif(by_month.customers_last_12_months, 0)
            as purchase_frequency_last_12_months,
        coalesce(by_month.reference_customers, 0) as reference_customers,
        coalesce(by_month.gone_quiet_customers, 0) as gone_quiet_customers,
        by_month.gone_quiet_customers / nullif(by_month.reference_customers, 0) as churn_rate,
        coalesce(by_month.key_customers, 0) as key_customers,
        coalesce(by_month.key_customers_gone_quiet, 0) as key_customers_gone_quiet,
        by_month.key_customers_gone_quiet / nullif(by_month.key_customers, 0) as key_customer_churn_rate,
        coalesce(by_month.status_active_customers, 0) as status_active_customers,
        coalesce(by_month.status_at_risk_customers, 0) as status_at_risk_customers,
        coalesce(by_month.status_churned_customers, 0) as status_churned_customers,
        months.is_partial_month,
        months.has_full_12_months

    from months
    left join by_month
        on months.month = by_month.month

)

select * from final
