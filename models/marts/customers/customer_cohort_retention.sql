-- grain: one row per acquisition cohort (month of the first completed order) per month since that first purchase, up to the as-of month (cohort_month, months_since_first_purchase)

with

customer_orders as (

    select * from intermediate.int_customer_orders_numbered

),

calendar as (

    select * from intermediate.int_calendar_months

),

cohorts as (

    select
        cohort_month,
        count(distinct customer_id) as cohort_customers

    from customer_orders
    group by all

),

cohort_months as (

    select
        cohorts.cohort_month,
        cohorts.cohort_customers,
        calendar.month,
        date_diff('month', cohorts.cohort_month, calendar.month) as months_since_first_purchase,
        calendar.months_before_as_of = 0 and calendar.as_of_date < calendar.month_end_date as is_partial_month

    from cohorts
    inner join calendar
        on calendar.month >= cohorts.cohort_month
        and calendar.months_before_as_of >= 0

),

activity as (

    -- active: bought (a cancellation is no purchase); revenue nets the cohort's cancellations in their month
    select
        cohort_month,
        order_month as month,
        count(distinct customer_id) filter (where is_purchase) as active_customers,
        count(*) filter (where is_purchase) as orders,
        sum(order_amount) as revenue

    from customer_orders
    group by all

),

final as (

    select
        cohort_months.cohort_month,
        cohort_months.months_since_first_purchase,
        cohort_months.cohort_customers,
        coalesce(activity.active_customers, 0) as active_customers,
        coalesce(activity.active_customers, 0) / cohort_months.cohort_customers as retention_rate,
        coalesce(activity.orders, 0) as orders,
        cast(coalesce(activity.revenue, 0) as decimal(18, 2)) as revenue,
        cast(
            sum(coalesce(activity.revenue, 0)) over (
                partition by cohort_months.cohort_month order by cohort_months.month
            ) / cohort_months.cohort_customers
            as decimal(18, 2)
        ) as cumulative_revenue_per_customer,
        -- the first month of the history also holds every earlier customer's first order seen in the data
        cohort_months.cohort_month = (select min(month) from calendar) as is_first_history_month,
        cohort_months.is_partial_month,
        cohort_months.month

    from cohort_months
    left join activity
        on cohort_months.cohort_month = activity.cohort_month
        and cohort_months.month = activity.month

)

select * from final
