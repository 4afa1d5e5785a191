-- grain: one row per RFM segment and breakdown (marts.customer_360, customers with a segment): breakdown 'segment'
-- is the whole segment; 'profile' one row per customer type x industry (businesses) or age band (consumers);
-- 'tier_status' one row per value tier x churn status; 'region' one row per region. Counts and sums only: at most
-- segments x (1 + 14 + 15 + regions) rows, however many customers there are. Feeds the segments index and the
-- segment pages. Every code comes with its name in both languages (the marts' label columns): the names follow the
-- codes one to one, so they are carried as any_value.
with profiles as (
    select
        rfm_segment,
        rfm_segment_label_zh,
        rfm_segment_label_en,
        rfm_segment_order,
        customer_type,
        customer_type_label_zh,
        customer_type_label_en,
        coalesce(industry, age_band, '(not given)') as industry_or_age_band,
        coalesce(industry_label_zh, age_band || '岁', '未填写') as industry_or_age_band_label_zh,
        coalesce(industry_label_en, age_band, 'Not given') as industry_or_age_band_label_en,
        value_tier,
        churn_status,
        churn_status_label_zh,
        churn_status_label_en,
        churn_status_order,
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
        any_value(rfm_segment_label_zh) as rfm_segment_label_zh,
        any_value(rfm_segment_label_en) as rfm_segment_label_en,
        any_value(rfm_segment_order) as rfm_segment_order,
        customer_type,
        case when grouping(customer_type) = 0 then any_value(customer_type_label_zh) end as customer_type_label_zh,
        case when grouping(customer_type) = 0 then any_value(customer_type_label_en) end as customer_type_label_en,
        industry_or_age_band,
        case when grouping(industry_or_age_band) = 0 then any_value(industry_or_age_band_label_zh) end
            as industry_or_age_band_label_zh,
        case when grouping(industry_or_age_band) = 0 then any_value(industry_or_age_band_label_en) end
            as industry_or_age_band_label_en,
        value_tier,
        churn_status,
        case when grouping(churn_status) = 0 then any_value(churn_status_label_zh) end as churn_status_label_zh,
        case when grouping(churn_status) = 0 then any_value(churn_status_label_en) end as churn_status_label_en,
        case when grouping(churn_status) = 0 then any_value(churn_status_order) end as churn_status_order,
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
