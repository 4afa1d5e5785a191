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

value_fit as (

    select * from marts.customer_value_fit

),

rfm as (

    select * from marts.customer_rfm

),

as_of as (

    select
        max(month) filter (where months_before_as_of = 0) as as_of_month,
        max(month) filter (where months_before_as_of = 1) as previous_month,
        max(as_of_date) as as_of_date

    from calendar

),

current_tiers as (

    select tiers_monthly.*
    from tiers_monthly
    inner join as_of
        on tiers_monthly.month = as_of.as_of_month

),

potential_basis as (

    -- what potential value rests on (marts.customer_value_fit): the predicted spend, or - when the BG/NBD fit carries
    -- no churn signal (P(alive) = 1.00 for nearly everyone) - the recency and lifetime-revenue rule below
    select coalesce(any_value(potential_value_basis), 'current_value_only') as potential_value_basis
    from value_fit

),

recency_value_scored as (

    -- the stated rule in place of an uninformative prediction: the mean of two cume_dist ranks among the customers with
    -- a purchase (the customers a prediction would cover): recency (the latest buyer highest, ties sharing a rank) and
    -- lifetime revenue - a customer who bought lately and has spent much is likely to spend again
    select
        customer_id,
        (cume_dist() over (order by recency_days desc) + cume_dist() over (order by monetary)) / 2
            as recency_value_score

    from rfm
    where recency_days is not null

),

tiered as (

    -- with an informative fit (or none) the month's tier and scores stand as intermediate.int_customer_value_tiers_monthly
    -- made them; with an uninformative one, potential value is the recency and lifetime-revenue score and the same tier
    -- rule (first match) is applied to it
    select
        current_tiers.* replace (
            case
                when potential_basis.potential_value_basis <> 'recency_and_lifetime_revenue' then current_tiers.value_tier
                when current_tiers.current_value_score >= 0.8 and current_tiers.orders_last_12_months >= 2
                    then 'high_value_loyal'
                when recency_value_scored.recency_value_score >= 0.8 or current_tiers.referred_customers >= 2
                    then 'high_potential_growth'
                when current_tiers.current_value_score >= 0.4 or recency_value_scored.recency_value_score >= 0.4
                    then 'general_value'
                else 'low_value_long_tail'
            end as value_tier,
            case
                when potential_basis.potential_value_basis = 'recency_and_lifetime_revenue'
                    then recency_value_scored.recency_value_score
                else current_tiers.potential_value_score
            end as potential_value_score
        ),
        potential_basis.potential_value_basis

    from current_tiers
    cross join potential_basis
    left join recency_value_scored
        on current_tiers.customer_id = recency_value_scored.customer_id

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
        tiered.customer_id,
        tiered.value_tier,
        tier_service.name_en as tier_name_en,
        tier_service.name_zh as tier_name_zh,
        previous_tiers.value_tier as previous_month_tier,
        tiered.churn_status,
        tiered.orders_last_12_months,
        tiered.revenue_last_12_months,
        tiered.gross_margin_last_12_months,
        tiered.current_value_score,
        tiered.probability_alive,
        tiered.expected_purchases_12m,
        tiered.expected_spend_12m,
        tiered.potential_value_score,
        tiered.potential_value_basis,
        tiered.referred_customers,
        tier_service.tier_order,
        tiered.is_key_customer,
        tiered.month as as_of_month,
        as_of.as_of_date

    from tiered
    cross join as_of
    left join previous_tiers
        on tiered.customer_id = previous_tiers.customer_id
    left join tier_service
        on tiered.value_tier = tier_service.value_tier

)

select * from final
