-- grain: one row per customer (see marts.customer_value_tiers). Published whole inside the static site, so the
-- columns are listed: the pseudonymous customer key and non-personal value figures only.
select
    customer_id,
    value_tier,
    tier_name_en,
    tier_name_zh,
    tier_order,
    previous_month_tier,
    churn_status,
    orders_last_12_months,
    revenue_last_12_months,
    gross_margin_last_12_months,
    current_value_score,
    probability_alive,
    expected_purchases_12m,
    expected_spend_12m,
    potential_value_score,
    referred_customers,
    is_key_customer,
    as_of_month,
    as_of_date
from marts.customer_value_tiers
