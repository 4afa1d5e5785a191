-- grain: one row per calendar month of the history, from the first month with an order or marketing spend to the as-of month

with

orders as (

    select * from core.orders

),

marketing_spend as (

    select * from core.marketing_spend

),

bounds as (

    select
        -- the data's own "today": the latest order date (as in marts.warehouse_status)
        (select max(order_date) from orders) as as_of_date,
        least(
            (select min(order_month) from orders),
            (select min(cast(date_trunc('month', spend_month) as date)) from marketing_spend)
        ) as first_month,
        greatest(
            (select max(order_month) from orders),
            (select max(cast(date_trunc('month', spend_month) as date)) from marketing_spend)
        ) as last_month

),

months as (

    select
        cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as month,
        as_of_date

    from bounds
    where first_month is not null

),

final as (

    select
        month,
        cast(last_day(month) as date) as month_end_date,
        -- the day the month is judged on: its last day, or the as-of date in the (running) as-of month
        least(cast(last_day(month) as date), as_of_date) as reference_date,
        cast(date_trunc('month', as_of_date) as date) as as_of_month,
        date_diff('month', month, cast(date_trunc('month', as_of_date) as date)) as months_before_as_of,
        date_diff('month', month, cast(date_trunc('month', as_of_date) as date)) between 0 and 11 as is_last_12_months,
        date_diff('month', month, cast(date_trunc('month', as_of_date) as date)) between 12 and 23 as is_prior_12_months,
        as_of_date

    from months

)

select * from final
