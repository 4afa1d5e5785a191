-- grain: one row per customer with a completed order (customer_id), as of the as-of date

with

customer_months as (

    select * from intermediate.int_customer_months_rolled

),

customer_orders as (

    select * from intermediate.int_customer_orders_numbered

),

tiers_monthly as (

    select * from intermediate.int_customer_value_tiers_monthly

),

predicted as (

    select * from intermediate.int_customer_value_predicted

),

signals as (

    select * from intermediate.int_customer_signals_unioned

),

sell_through as (

    select * from core.sell_through

),

calendar as (

    select * from intermediate.int_calendar_months

),

status_labels as (

    -- the churn statuses' names for readers, in both languages
    select * from (
        values
            ('active', 1, '活跃', 'Active'),
            ('at_risk', 2, '流失风险', 'At risk'),
            ('churned', 3, '已流失', 'Churned')
    ) as status_labels (churn_status, churn_status_order, churn_status_label_zh, churn_status_label_en)

),

as_of as (

    select
        max(month) filter (where months_before_as_of = 0) as as_of_month,
        max(as_of_date) as as_of_date

    from calendar

),

current_months as (

    select customer_months.*
    from customer_months
    inner join as_of
        on customer_months.month = as_of.as_of_month

),

reference_channels as (

    -- the channel the customer spent most through in the reference window (ties by channel_id)
    select
        customer_orders.customer_id,
        customer_orders.channel_id,
        any_value(customer_orders.channel_type) as channel_type

    from customer_orders
    inner join current_months
        on customer_orders.customer_id = current_months.customer_id
        and customer_orders.order_date >= current_months.reference_window_start
        and customer_orders.order_date < current_months.quiet_window_start
    group by customer_orders.customer_id, customer_orders.channel_id
    qualify row_number() over (
        partition by customer_orders.customer_id
        order by sum(customer_orders.order_amount) desc, customer_orders.channel_id
    ) = 1

),

order_gaps as (

    select
        customer_id,
        avg(days_since_previous_order) as average_days_between_orders

    from customer_orders
    group by all

),

window_signals as (

    -- what the customer signalled around the end of the relationship: from 90 days before the last order on
    select
        signals.customer_id,
        count(*) filter (where signals.signal_source = 'ticket') as tickets,
        count(*) filter (where signals.signal_source = 'return') as returns,
        count(*) filter (where signals.signal_source = 'survey') as negative_survey_answers,
        count(*) filter (where signals.signal_source = 'interaction') as negative_interactions,
        string_agg(distinct signals.reason, ', ' order by signals.reason) as signal_reasons

    from signals
    inner join current_months
        on signals.customer_id = current_months.customer_id
        and signals.signal_date >= current_months.last_order_date - interval 90 day
    cross join as_of
    where signals.signal_date <= as_of.as_of_date
    group by all

),

partner_purchases as (

    -- resales by partners that name the customer: a customer quiet with the company may still buy the brand
    select
        customer_id,
        max(sale_date) as last_partner_purchase_date

    from sell_through
    cross join as_of
    where customer_id is not null
        and sale_date <= as_of.as_of_date
    group by all

),

tier_before_quiet_window as (

    -- the tier at the end of the reference window, before the customer could go quiet
    select
        tiers_monthly.customer_id,
        tiers_monthly.value_tier

    from tiers_monthly
    inner join as_of
        on tiers_monthly.month = cast(as_of.as_of_month - interval 4 month as date)

),

final as (

    select
        current_months.customer_id,
        current_months.churn_status,
        status_labels.churn_status_label_zh,
        status_labels.churn_status_label_en,
        status_labels.churn_status_order,
        tiers_monthly.value_tier,
        tier_before_quiet_window.value_tier as value_tier_before_quiet_window,
        reference_channels.channel_id as reference_window_channel_id,
        reference_channels.channel_type as reference_window_channel_type,
        window_signals.signal_reasons,
        current_months.days_since_last_order,
        current_months.orders_to_date,
        current_months.orders_last_12_months,
        current_months.orders_quiet_window,
        current_months.orders_reference_window,
        current_months.revenue_reference_window,
        current_months.reference_spend_rank,
        current_months.reference_customers,
        order_gaps.average_days_between_orders,
        predicted.probability_alive,
        predicted.expected_purchases_12m,
        coalesce(window_signals.tickets, 0) as tickets,
        coalesce(window_signals.returns, 0) as returns,
        coalesce(window_signals.negative_survey_answers, 0) as negative_survey_answers,
        coalesce(window_signals.negative_interactions, 0) as negative_interactions,
        current_months.is_reference_customer,
        current_months.is_key_customer,
        current_months.has_gone_quiet,
        -- the churn alert on key customers (关键客户流失预警)
        current_months.is_key_customer and current_months.has_gone_quiet as is_key_customer_gone_quiet,
        coalesce(partner_purchases.last_partner_purchase_date >= current_months.quiet_window_start, false)
            as has_partner_purchase_in_quiet_window,
        current_months.last_order_date,
        partner_purchases.last_partner_purchase_date,
        current_months.reference_window_start,
        current_months.quiet_window_start,
        as_of.as_of_date

    from current_months
    cross join as_of
    left join status_labels
        on current_months.churn_status = status_labels.churn_status
    left join tiers_monthly
        on current_months.customer_id = tiers_monthly.customer_id
        and current_months.month = tiers_monthly.month
    left join tier_before_quiet_window
        on current_months.customer_id = tier_before_quiet_window.customer_id
    left join reference_channels
        on current_months.customer_id = reference_channels.customer_id
    left join order_gaps
        on current_months.customer_id = order_gaps.customer_id
    left join predicted
        on current_months.customer_id = predicted.customer_id
        and current_months.month = predicted.month
    left join window_signals
        on current_months.customer_id = window_signals.customer_id
    left join partner_purchases
        on current_months.customer_id = partner_purchases.customer_id

)

select * from final
