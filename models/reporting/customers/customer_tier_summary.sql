-- grain: one row per value tier x region x preferred channel type, the dimensions the value-tiers page filters by
-- (marts.customer_value_tiers; region and preferred channel from marts.customer_360, its type from
-- marts.channel_directory): customers, key and at-risk customers, last-12-month revenue and margin, predicted spend.
-- Counts and sums only: at most 5 x regions x (channel types + 1) rows, however many customers there are.
with

final as (
    select
        tiers.value_tier,
        tiers.tier_name_en,
        tiers.tier_name_zh,
        tiers.tier_order,
        profile.region_id,
        channels.channel_type as preferred_channel_type,
        count(*) as customers,
        count(*) filter (where tiers.is_key_customer) as key_customers,
        count(*) filter (where tiers.churn_status = 'at_risk') as at_risk_customers,
        sum(tiers.revenue_last_12_months) as revenue_last_12_months,
        sum(tiers.gross_margin_last_12_months) as gross_margin_last_12_months,
        sum(tiers.expected_spend_12m) as expected_spend_12m
    from marts.customer_value_tiers as tiers
    left join marts.customer_360 as profile on profile.customer_id = tiers.customer_id
    left join marts.channel_directory as channels on channels.channel_id = profile.preferred_channel_id
    group by all
)

select * from final
