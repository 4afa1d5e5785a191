-- grain: one row per customer per month for the as-of month and the 12 months before it, for every customer the CRM had created or who had bought by the month's reference date (customer_id, month)

with

calendar as (

    select * from intermediate.int_calendar_months

),

profiles as (

    select * from intermediate.int_customer_profiles_scored

),

customer_months as (

    select * from intermediate.int_customer_months_rolled

),

predicted as (

    select * from intermediate.int_customer_value_predicted

),

value_basis as (

    select * from intermediate.int_customer_value_basis

),

months as (

    select
        month,
        reference_date

    from calendar
    where months_before_as_of between 0 and 12

),

referrals_to_date as (

    -- influence: customers this customer had referred (推荐) by the month's reference date
    select
        referred.referred_by_customer_id as customer_id,
        months.month,
        count(*) as referred_customers

    from profiles as referred
    inner join months
        on referred.created_date <= months.reference_date
    where referred.referred_by_customer_id is not null
    group by all

),

customers_known as (

    select
        profiles.customer_id,
        months.month,
        months.reference_date,
        customer_months.churn_status,
        coalesce(customer_months.orders_last_12_months, 0) as orders_last_12_months,
        coalesce(customer_months.revenue_last_12_months, 0) as revenue_last_12_months,
        -- 0 without orders; unknown (null) when a line's unit cost is
        case
            when customer_months.customer_id is null then 0 else customer_months.gross_margin_last_12_months
        end as gross_margin_last_12_months,
        predicted.probability_alive,
        predicted.expected_purchases_12m,
        predicted.expected_spend_12m,
        coalesce(referrals_to_date.referred_customers, 0) as referred_customers,
        coalesce(customer_months.is_key_customer, false) as is_key_customer,
        -- recency and lifetime revenue at the month's reference date (null before the first purchase), as
        -- marts.customer_rfm has them at the as-of date
        customer_months.days_since_last_order,
        customer_months.revenue_to_date

    from profiles
    cross join months
    left join customer_months
        on profiles.customer_id = customer_months.customer_id
        and months.month = customer_months.month
    left join predicted
        on profiles.customer_id = predicted.customer_id
        and months.month = predicted.month
    left join referrals_to_date
        on profiles.customer_id = referrals_to_date.customer_id
        and months.month = referrals_to_date.month
    where profiles.created_date <= months.reference_date
        or customer_months.customer_id is not null

),

spend_scored as (

    -- current value (当前价值) is spend and margin of the last 12 months, each as the share of the month's buyers of
    -- the last 12 months at or below the customer (cume_dist), averaged
    select
        customer_id,
        month,
        cume_dist() over (partition by month order by revenue_last_12_months) as spend_score

    from customers_known
    where orders_last_12_months > 0

),

margin_scored as (

    -- the margin is ranked among the buyers whose margin is known (a product without a unit cost leaves it unknown)
    select
        customer_id,
        month,
        cume_dist() over (partition by month order by gross_margin_last_12_months) as margin_score

    from customers_known
    where orders_last_12_months > 0
        and gross_margin_last_12_months is not null

),

current_value_scored as (

    -- a customer whose margin is unknown is scored on spend alone
    select
        spend_scored.customer_id,
        spend_scored.month,
        coalesce((spend_scored.spend_score + margin_scored.margin_score) / 2, spend_scored.spend_score)
            as current_value_score

    from spend_scored
    left join margin_scored
        on spend_scored.customer_id = margin_scored.customer_id
        and spend_scored.month = margin_scored.month

),

potential_value_scored as (

    -- potential value (潜在价值): predicted spend of the next 12 months, as the share of predicted customers at or below
    -- (used when intermediate.int_customer_value_basis says the fit is informative)
    select
        customer_id,
        month,
        cume_dist() over (partition by month order by expected_spend_12m) as potential_value_score

    from customers_known
    where expected_spend_12m is not null

),

recency_value_scored as (

    -- the stated rule in place of an uninformative prediction (intermediate.int_customer_value_basis): the mean of two
    -- cume_dist ranks among the month's customers with a purchase (the customers a prediction would cover): recency
    -- (the latest buyer highest, ties sharing a rank) and lifetime revenue - a customer who bought lately and has spent
    -- much is likely to spend again
    select
        customer_id,
        month,
        (
            cume_dist() over (partition by month order by days_since_last_order desc)
            + cume_dist() over (partition by month order by revenue_to_date)
        ) / 2 as recency_value_score

    from customers_known
    where days_since_last_order is not null

),

scored as (

    -- potential value is the prediction's rank, or the recency and lifetime-revenue score when the fit says nothing;
    -- every month on the same basis, so that last month's tier and a move between tiers compare like with like
    select
        customers_known.*,
        coalesce(current_value_scored.current_value_score, 0) as current_value_score,
        case value_basis.potential_value_basis
            when 'recency_and_lifetime_revenue' then recency_value_scored.recency_value_score
            else potential_value_scored.potential_value_score
        end as potential_value_score,
        value_basis.potential_value_basis

    from customers_known
    cross join value_basis
    left join current_value_scored
        on customers_known.customer_id = current_value_scored.customer_id
        and customers_known.month = current_value_scored.month
    left join potential_value_scored
        on customers_known.customer_id = potential_value_scored.customer_id
        and customers_known.month = potential_value_scored.month
    left join recency_value_scored
        on customers_known.customer_id = recency_value_scored.customer_id
        and customers_known.month = recency_value_scored.month

),

final as (

    select
        customer_id,
        -- the tier rule (first match wins); the service per tier is in marts.customer_tier_service
        case
            when current_value_score >= 0.8 and orders_last_12_months >= 2 then 'high_value_loyal'
            when potential_value_score >= 0.8 or referred_customers >= 2 then 'high_potential_growth'
            when current_value_score >= 0.4 or potential_value_score >= 0.4 then 'general_value'
            else 'low_value_long_tail'
        end as value_tier,
        churn_status,
        orders_last_12_months,
        cast(revenue_last_12_months as decimal(18, 2)) as revenue_last_12_months,
        cast(gross_margin_last_12_months as decimal(18, 2)) as gross_margin_last_12_months,
        current_value_score,
        probability_alive,
        expected_purchases_12m,
        cast(expected_spend_12m as decimal(18, 2)) as expected_spend_12m,
        potential_value_score,
        potential_value_basis,
        days_since_last_order,
        cast(revenue_to_date as decimal(18, 2)) as revenue_to_date,
        referred_customers,
        is_key_customer,
        month,
        reference_date

    from scored

)

select * from final
