-- grain: one row per churn status x value tier x main channel type in the reference window x region, the
-- dimensions the churn page groups and filters by (marts.customer_churn, region from marts.customer_360): how many
-- customers with an order fall in each. Counts only: at most 3 x 5 x (channel types + 1) x regions rows, however
-- many customers there are. The window dates are the same for every customer (carried for the page's heading). The
-- status's names in both languages follow its code one to one.
with

final as (
    select
        churn.churn_status,
        any_value(churn.churn_status_label_zh) as churn_status_label_zh,
        any_value(churn.churn_status_label_en) as churn_status_label_en,
        any_value(churn.churn_status_order) as churn_status_order,
        churn.value_tier,
        churn.reference_window_channel_type,
        profile.region_id,
        count(*) as customers,
        count(*) filter (where churn.is_key_customer) as key_customers,
        min(churn.reference_window_start) as reference_window_start,
        min(churn.quiet_window_start) as quiet_window_start,
        min(churn.as_of_date) as as_of_date
    from marts.customer_churn as churn
    left join marts.customer_360 as profile on profile.customer_id = churn.customer_id
    group by churn.churn_status, churn.value_tier, churn.reference_window_channel_type, profile.region_id
)

select * from final
