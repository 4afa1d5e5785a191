-- grain: one row per customer (customer_id) the CRM knows or who has bought, in its value tier as of the as-of date

with

tiers_monthly as (

    select * from intermediate.int_customer_value_tiers_monthly

),

tier_service as (

    select * from marts.customer_tier_service

),

calendar as (

    select * from intermediate.int_calendar_months

),

as_of as (

    select
        max(month) filter (where months_before_as_of = 0) as as_of_month,
        max(month) filter (where months_before_as_of = 1) as previous_month,
        max(as_of_date) as as_of_date

    from calendar

),

current_tiers as (

    -- the as-of month's tiers exactly as the monthly tiers made them: the tier rule and the potential-value basis
    -- (intermediate.int_customer_value_basis) live there alone, so that this tier, last month's tier, the tier
    -- movement and churn by tier always follow one rule
    select tiers_monthly.*
    from tiers_monthly
    inner join as_of
        on tiers_monthly.month = as_of.as_of_month

),

previous_tiers as (

    select
        tiers_monthly.customer_id,
        tiers_monthly.value_tier

    from tiers_monthly
    inner join as_of
        on tiers_monthly.month = as_of.previous_month

),

final as (

    select
        current_tiers.customer_id,
        current_tiers.value_tier,
        tier_service.name_en as tier_name_en,
        tier_service.name_zh as tier_name_zh,
        previous_tiers.value_tier as previous_month_tier,
        current_tiers.churn_status,
        current_tiers.orders_last_12_months,
        current_tiers.revenue_last_12_months,
        current_tiers.gross_margin_last_12_months,
        current_tiers.current_value_score,
        current_tiers.probability_alive,
        current_tiers.expected_purchases_12m,
        current_tiers.expected_spend_12m,
        current_tiers.potential_value_score,
        current_tiers.potential_value_basis,
        current_tiers.referred_customers,
        tier_service.tier_order,
        current_tiers.is_key_customer,
        current_tiers.month as as_of_month,
        as_of.as_of_date

    from current_tiers
    cross join as_of
    left join previous_tiers
        on current_tiers.customer_id = previous_tiers.customer_id
    left join tier_service
        on current_tiers.value_tier = tier_service.value_tier

)

select * from final
