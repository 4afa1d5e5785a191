-- grain: one row per customer among the 200 with the highest lifetime revenue in their RFM segment (ties by
-- customer_id; marts.customer_360): at most 200 x segments rows, however many customers there are. The segment
-- pages list these; their totals come from customer_segments. The pseudonymous customer key and non-personal
-- attributes only, with the type's and status's names in both languages.
with

final as (
    select
        customer_id,
        rfm_segment,
        customer_type,
        customer_type_label_zh,
        customer_type_label_en,
        value_tier,
        churn_status,
        churn_status_label_zh,
        churn_status_label_en,
        region_id,
        rfm_cell,
        recency_days,
        orders,
        lifetime_revenue,
        average_order_value,
        probability_alive,
        expected_spend_12m,
        average_satisfaction_score,
        last_purchase_date
    from marts.customer_360
    where rfm_segment is not null
    qualify row_number() over (partition by rfm_segment order by lifetime_revenue desc, customer_id) <= 200
)

select * from final
