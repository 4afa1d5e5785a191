-- grain: one row per customer per calendar month from the month of the customer's first purchase to the as-of month (customer_id, month)

with

customer_orders as (

    select * from intermediate.int_customer_orders_numbered

),

calendar as (

    select * from intermediate.int_calendar_months

),

customers_first as (

    select
        customer_id,
        min(cohort_month) as cohort_month

    from customer_orders
    group by all

),

orders_by_month as (

    -- orders are purchases; revenue nets the month's cancellations; a margin with a line of unknown cost is unknown
    select
        customer_id,
        order_month as month,
        count(*) filter (where is_purchase) as orders,
        sum(order_amount) as revenue,
        case when bool_and(gross_margin is not null) then sum(gross_margin) end as gross_margin,
        max(order_date) filter (where is_purchase) as last_order_date_in_month

    from customer_orders
    group by all

),

customer_months as (

    -- every month of the customer's life, bought or not, so that row windows count calendar months
    select
        customers_first.customer_id,
        customers_first.cohort_month,
        calendar.month,
        calendar.reference_date,
        calendar.months_before_as_of,
        coalesce(orders_by_month.orders, 0) as orders,
        coalesce(orders_by_month.revenue, 0) as revenue,
        case when orders_by_month.customer_id is null then 0 else orders_by_month.gross_margin end as gross_margin,
        orders_by_month.last_order_date_in_month

    from customers_first
    inner join calendar
        on calendar.month >= customers_first.cohort_month
        and calendar.months_before_as_of >= 0
    left join orders_by_month
        on customers_first.customer_id = orders_by_month.customer_id
        and calendar.month = orders_by_month.month

),

rolled as (

    select
        customer_id,
        cohort_month,
        month,
        reference_date,
        months_before_as_of,
        orders,
        revenue,
        gross_margin,
        sum(orders) over last_12_months as orders_last_12_months,
        sum(revenue) over last_12_months as revenue_last_12_months,
        -- unknown when a month of the window is (a sum over the known lines alone would be wrong)
        case
            when bool_and(gross_margin is not null) over last_12_months then sum(gross_margin) over last_12_months
        end as gross_margin_last_12_months,
        -- the quiet window: the month and the 3 before it
        sum(orders) over (
            partition by customer_id order by month rows between 3 preceding and current row
        ) as orders_quiet_window,
        -- the reference window: the 12 months before the quiet window
        coalesce(sum(orders) over reference_window, 0) as orders_reference_window,
        coalesce(sum(revenue) over reference_window, 0) as revenue_reference_window,
        sum(orders) over to_date as orders_to_date,
        sum(revenue) over to_date as revenue_to_date,
        case
            when bool_and(gross_margin is not null) over to_date then sum(gross_margin) over to_date
        end as gross_margin_to_date,
        max(last_order_date_in_month) over to_date as last_order_date

    from customer_months
    window
        last_12_months as (partition by customer_id order by month rows between 11 preceding and current row),
        reference_window as (partition by customer_id order by month rows between 15 preceding and 4 preceding),
        to_date as (partition by customer_id order by month rows between unbounded preceding and current row)

),

reference_ranked as (

    -- customers who bought in the reference window, ranked by their spend there (ties by customer_id)
    select
        customer_id,
        month,
        row_number() over (
            partition by month order by revenue_reference_window desc, customer_id
        ) as reference_spend_rank,
        count(*) over (partition by month) as reference_customers

    from rolled
    where orders_reference_window > 0

),

final as (

    select
        rolled.customer_id,
        -- by recency: bought in the quiet window; silent 4 to 12 months; silent 12 months or more
        case
            when rolled.orders_quiet_window > 0 then 'active'
            when rolled.orders_last_12_months > 0 then 'at_risk'
            else 'churned'
        end as churn_status,
        rolled.orders,
        cast(rolled.revenue as decimal(18, 2)) as revenue,
        cast(rolled.gross_margin as decimal(18, 2)) as gross_margin,
        rolled.orders_last_12_months,
        cast(rolled.revenue_last_12_months as decimal(18, 2)) as revenue_last_12_months,
        cast(rolled.gross_margin_last_12_months as decimal(18, 2)) as gross_margin_last_12_months,
        rolled.orders_quiet_window,
        rolled.orders_reference_window,
        cast(rolled.revenue_reference_window as decimal(18, 2)) as revenue_reference_window,
        reference_ranked.reference_spend_rank,
        reference_ranked.reference_customers,
        rolled.orders_to_date,
        cast(rolled.revenue_to_date as decimal(18, 2)) as revenue_to_date,
        cast(rolled.gross_margin_to_date as decimal(18, 2)) as gross_margin_to_date,
        date_diff('day', rolled.last_order_date, rolled.reference_date) as days_since_last_order,
        rolled.months_before_as_of,
        rolled.orders_reference_window > 0 as is_reference_customer,
        -- key customer (关键客户): top 10% of the reference window's buyers by spend there, with 4+ orders there
        coalesce(
            reference_ranked.reference_spend_rank <= ceil(0.10 * reference_ranked.reference_customers)
            and rolled.orders_reference_window >= 4,
            false
        ) as is_key_customer,
        -- gone quiet (the churn of the churn rate): bought in the reference window, nothing in the quiet window
        rolled.orders_reference_window > 0 and rolled.orders_quiet_window = 0 as has_gone_quiet,
        rolled.month,
        rolled.cohort_month,
        cast(rolled.month - interval 3 month as date) as quiet_window_start,
        cast(rolled.month - interval 15 month as date) as reference_window_start,
        rolled.reference_date,
        rolled.last_order_date

    from rolled
    left join reference_ranked
        on rolled.customer_id = reference_ranked.customer_id
        and rolled.month = reference_ranked.month

)

select * from final
