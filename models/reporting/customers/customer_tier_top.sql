-- grain: one row per customer with a value tier among the top by predicted spend over the next 12 months (ties by
-- customer_id): the 200 first of each tier, plus the 20 first of each tier x preferred channel type x region.
-- Whatever the value-tiers page's filters, its list is then exactly the top 200 (no region or channel type chosen)
-- or top 20 (one chosen) of the tier's matching customers, and the table holds at most
-- 4 x (200 + 20 x regions x (channel types + 1)) rows, however many customers there are. The totals come from
-- customer_tier_summary. The pseudonymous customer key and non-personal value figures only, with the churn status's
-- names in both languages (marts.customer_churn).
with status_labels as (
    select distinct churn_status, churn_status_label_zh, churn_status_label_en
    from marts.customer_churn
),

customers as (
    select
        tiers.customer_id,
        tiers.value_tier,
        tiers.tier_name_en,
        tiers.previous_month_tier,
        tiers.churn_status,
        status_labels.churn_status_label_zh,
        status_labels.churn_status_label_en,
        profile.region_id,
        channels.channel_type as preferred_channel_type,
        tiers.orders_last_12_months,
        tiers.revenue_last_12_months,
        tiers.gross_margin_last_12_months,
        tiers.current_value_score,
        tiers.probability_alive,
        tiers.expected_purchases_12m,
        tiers.expected_spend_12m,
        tiers.potential_value_score,
        tiers.is_key_customer
    from marts.customer_value_tiers as tiers
    left join marts.customer_360 as profile on profile.customer_id = tiers.customer_id
    left join marts.channel_directory as channels on channels.channel_id = profile.preferred_channel_id
    left join status_labels on status_labels.churn_status = tiers.churn_status
    where tiers.value_tier is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by value_tier
            order by expected_spend_12m desc nulls last, customer_id
        ) as rank_in_tier,
        row_number() over (
            partition by value_tier, preferred_channel_type, region_id
            order by expected_spend_12m desc nulls last, customer_id
        ) as rank_in_channel_type_and_region
    from customers
),

final as (
    select * exclude (rank_in_tier, rank_in_channel_type_and_region)
    from ranked
    where rank_in_tier <= 200 or rank_in_channel_type_and_region <= 20
)

select * from final
