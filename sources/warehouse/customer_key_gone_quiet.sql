-- grain: one row per key customer gone quiet (关键客户流失预警; marts.customer_churn where
-- is_key_customer_gone_quiet): every one of them, since the alert must list them all. Bounded by the definition: a
-- key customer is in the top 10% of the reference window's buyers by spend (with 4+ orders there), so these are at
-- most a tenth of those buyers and in practice far fewer. The pseudonymous customer key and churn facts only.
select
    customer_id,
    churn_status,
    value_tier,
    value_tier_before_quiet_window,
    reference_window_channel_type,
    orders_reference_window,
    revenue_reference_window,
    reference_spend_rank,
    days_since_last_order,
    last_order_date,
    probability_alive,
    signal_reasons
from marts.customer_churn
where is_key_customer_gone_quiet
