-- grain: one row per RFM segment and breakdown (marts.customer_360, customers with a segment): breakdown 'segment'
-- is the whole segment; 'profile' one row per customer type x industry (businesses) or age band (consumers);
-- 'tier_status' one row per value tier x churn status; 'region' one row per region. Counts and sums only: at most
-- segments x (1 + 14 + 15 + regions) rows, however many customers there are. Feeds the segments index and the
-- segment pages.
with profiles as (
    select
        rfm_segment,
        customer_type,
        coalesce(industry, age_band, '(not given)') as industry_or_age_band,
        value_tier,
        churn_status,
        region_id,
        is_key_customer,
        orders,
        lifetime_revenue,
        expected_spend_12m
    from marts.customer_360
    where rfm_segment is not null
),

final as (
    select
        case
            when grouping(customer_type) = 0 then 'profile'
            when grouping(value_tier) = 0 then 'tier_status'
            when grouping(region_id) = 0 then 'region'
            else 'segment'
        end as breakdown,
        rfm_segment,
        customer_type,
        industry_or_age_band,
        value_tier,
        churn_status,
        region_id,
        count(*) as customers,
        count(*) filter (where is_key_customer) as key_customers,
        count(*) filter (where churn_status = 'at_risk') as at_risk_customers,
        sum(orders) as orders,
        sum(lifetime_revenue) as lifetime_revenue,
        sum(expected_spend_12m) as expected_spend_12m
    from profiles
    group by grouping sets (
        (rfm_segment),
        (rfm_segment, customer_type, industry_or_age_band),
        (rfm_segment, value_tier, churn_status),
        (rfm_segment, region_id)
    )
)

select * from final
