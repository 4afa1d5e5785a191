-- grain: one row per key customer gone quiet (关键客户流失预警; marts.customer_churn where
-- is_key_customer_gone_quiet): every one of them, since the alert must list them all. Bounded by the definition: a
-- key customer is in the top 10% of the reference window's buyers by spend (with 4+ orders there), so these are at
-- most a tenth of those buyers and in practice far fewer. The pseudonymous customer key and churn facts only, with
-- the status and the signals named in both languages (marts.customer_churn, reporting.customer_signal_names).
with

final as (
    select
        churn.customer_id,
        churn.churn_status,
        churn.churn_status_label_zh,
        churn.churn_status_label_en,
        churn.value_tier,
        churn.value_tier_before_quiet_window,
        churn.reference_window_channel_id,
        churn.reference_window_channel_type,
        churn.orders_reference_window,
        churn.revenue_reference_window,
        churn.reference_spend_rank,
        churn.days_since_last_order,
        churn.last_order_date,
        churn.probability_alive,
        churn.signal_reasons,
        reason_names.signal_reasons_zh,
        reason_names.signal_reasons_en
    from marts.customer_churn as churn
    left join reporting.customer_signal_names as reason_names on reason_names.customer_id = churn.customer_id
    where churn.is_key_customer_gone_quiet
)

select * from final
