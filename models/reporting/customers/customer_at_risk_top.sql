-- grain: one row per at-risk or churned customer among the top by lifetime revenue (ties by customer_id): the 200
-- first of each churn status x value tier, plus the 20 first of each status x tier x main channel type in the
-- reference window x region. Whatever the churn page's filters, its list is then exactly the top 200 (no channel
-- type or region chosen) or top 20 (one chosen) of the matching customers, and the table holds at most
-- 2 x 5 x (200 + 20 x (channel types + 1) x regions) rows, however many customers there are. The totals come from
-- customer_churn_status. The pseudonymous customer key and non-personal churn facts only; the signals come with
-- their names in both languages (marts.churn_reasons).
with

customers as (
    select
        churn.customer_id,
        churn.churn_status,
        churn.value_tier,
        churn.reference_window_channel_type,
        profile.region_id,
        profile.lifetime_revenue,
        churn.last_order_date,
        churn.days_since_last_order,
        churn.orders_last_12_months,
        churn.probability_alive,
        churn.is_key_customer,
        churn.signal_reasons,
        reason_names.signal_reasons_zh,
        reason_names.signal_reasons_en
    from marts.customer_churn as churn
    left join marts.customer_360 as profile on profile.customer_id = churn.customer_id
    left join reporting.customer_signal_names as reason_names on reason_names.customer_id = churn.customer_id
    where churn.churn_status in ('at_risk', 'churned')
),

ranked as (
    select
        *,
        row_number() over (
            partition by churn_status, value_tier
            order by lifetime_revenue desc nulls last, customer_id
        ) as rank_in_tier,
        row_number() over (
            partition by churn_status, value_tier, reference_window_channel_type, region_id
            order by lifetime_revenue desc nulls last, customer_id
        ) as rank_in_channel_type_and_region
    from customers
),

final as (
    select * exclude (rank_in_tier, rank_in_channel_type_and_region)
    from ranked
    where rank_in_tier <= 200 or rank_in_channel_type_and_region <= 20
)

select * from final
