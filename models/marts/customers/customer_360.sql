-- grain: one row per customer (customer_id) - the CRM's and those only the orders name: every touchpoint in one profile, as of the as-of date

with

profiles as (

    select * from intermediate.int_customer_profiles_scored

),

customer_orders as (

    select * from intermediate.int_customer_orders_numbered

),

sell_through as (

    select * from core.sell_through

),

returns as (

    select * from core.returns

),

interactions as (

    select * from core.interactions

),

service_tickets as (

    select * from core.service_tickets

),

surveys as (

    select * from core.surveys

),

leads as (

    select * from core.leads

),

rfm as (

    select * from marts.customer_rfm

),

value_tiers as (

    select * from marts.customer_value_tiers

),

churn as (

    select * from marts.customer_churn

),

customer_type_labels as (

    -- the customer types' and industries' names for readers, in both languages
    select * from (
        values
            ('consumer', '个人客户', 'Consumer'),
            ('business', '企业客户', 'Business')
    ) as customer_type_labels (customer_type, customer_type_label_zh, customer_type_label_en)

),

industry_labels as (

    select * from (
        values
            ('construction', '建筑', 'Construction'),
            ('education', '教育', 'Education'),
            ('healthcare', '医疗健康', 'Healthcare'),
            ('hospitality', '酒店餐饮', 'Hospitality'),
            ('logistics', '物流', 'Logistics'),
            ('manufacturing', '制造', 'Manufacturing'),
            ('retail', '零售', 'Retail')
    ) as industry_labels (industry, industry_label_zh, industry_label_en)

),

calendar as (

    select * from intermediate.int_calendar_months

),

as_of as (

    select max(as_of_date) as as_of_date
    from calendar

),

order_history as (

    -- orders are purchases; revenue and units net the customer's cancellations; a margin with a line of unknown cost
    -- is unknown
    select
        customer_id,
        count(*) filter (where is_purchase) as orders,
        sum(order_amount) as lifetime_revenue,
        case when bool_and(gross_margin is not null) then sum(gross_margin) end as lifetime_gross_margin,
        sum(units) as units,
        min(order_date) filter (where is_purchase) as first_order_date,
        max(order_date) filter (where is_purchase) as last_order_date

    from customer_orders
    group by all

),

preferred_channels as (

    select
        customer_id,
        channel_id as preferred_channel_id

    from customer_orders
    where is_purchase
    group by customer_id, channel_id
    qualify row_number() over (partition by customer_id order by count(*) desc, sum(order_amount) desc, channel_id) = 1

),

partner_purchases as (

    -- partner resales that name the customer (the partner's sale, not the company's revenue)
    select
        customer_id,
        count(*) as partner_purchases,
        sum(sale_amount) as partner_purchase_amount,
        min(sale_date) as first_partner_purchase_date,
        max(sale_date) as last_partner_purchase_date

    from sell_through
    where customer_id is not null
    group by all

),

channels_used as (

    select
        customer_id,
        count(distinct channel_id) as channels_used,
        string_agg(distinct channel_id, ', ' order by channel_id) as channel_ids

    from (
        select customer_id, channel_id from customer_orders where is_purchase
        union all
        select customer_id, channel_id from sell_through where customer_id is not null
    )
    group by all

),

returns_by_customer as (

    select
        customer_id,
        count(*) as returns,
        sum(refund_amount) as refund_amount,
        max(returned_date) as last_return_date

    from returns
    where customer_id is not null
    group by all

),

interactions_by_customer as (

    select
        interactions.customer_id,
        count(*) as interactions,
        count(*) filter (where interactions.interaction_date > as_of.as_of_date - interval 12 month)
            as interactions_last_12_months,
        count(*) filter (where interactions.outcome = 'positive') as positive_interactions,
        count(*) filter (where interactions.outcome = 'negative') as negative_interactions,
        max(interactions.interaction_date) as last_interaction_date

    from interactions
    cross join as_of
    group by all

),

tickets_by_customer as (

    select
        customer_id,
        count(*) as tickets,
        count(*) filter (where not is_resolved) as open_tickets,
        avg(resolution_hours) as average_resolution_hours,
        max(opened_date) as last_ticket_date

    from service_tickets
    group by all

),

surveys_by_customer as (

    select
        customer_id,
        count(*) as surveys,
        avg(satisfaction_score) as average_satisfaction_score,
        arg_max(nps_score, answered_at) as last_nps_score,
        arg_max(nps_category, answered_at) as last_nps_category,
        max(answered_date) as last_survey_date

    from surveys
    group by all

),

referrals_made as (

    select
        referred_by_customer_id as customer_id,
        count(*) as referred_customers

    from profiles
    where referred_by_customer_id is not null
    group by all

),

leads_converted as (

    select
        converted_customer_id as customer_id,
        arg_min(channel_id, created_at) as lead_channel_id,
        min(created_date) as lead_created_date

    from leads
    where is_converted
    group by all

),

final as (

    select
        profiles.customer_id,
        profiles.region_id,
        profiles.acquisition_channel_id,
        profiles.referred_by_customer_id,
        preferred_channels.preferred_channel_id,
        leads_converted.lead_channel_id,
        profiles.customer_type,
        customer_type_labels.customer_type_label_zh,
        customer_type_labels.customer_type_label_en,
        profiles.industry,
        -- an industry the list above does not know yet shows as it is recorded, never as nothing
        coalesce(industry_labels.industry_label_zh, profiles.industry) as industry_label_zh,
        coalesce(industry_labels.industry_label_en, profiles.industry) as industry_label_en,
        profiles.age_band,
        channels_used.channel_ids,
        value_tiers.value_tier,
        rfm.rfm_segment,
        rfm.rfm_segment_label_zh,
        rfm.rfm_segment_label_en,
        rfm.rfm_segment_order,
        rfm.rfm_cell,
        churn.churn_status,
        churn.churn_status_label_zh,
        churn.churn_status_label_en,
        churn.churn_status_order,
        surveys_by_customer.last_nps_category,
        coalesce(order_history.orders, 0) as orders,
        coalesce(order_history.units, 0) as units,
        cast(coalesce(order_history.lifetime_revenue, 0) as decimal(18, 2)) as lifetime_revenue,
        -- 0 without orders; unknown (null) when a line's unit cost is
        cast(
            case when order_history.customer_id is null then 0 else order_history.lifetime_gross_margin end
            as decimal(18, 2)
        ) as lifetime_gross_margin,
        order_history.lifetime_revenue / nullif(order_history.orders, 0) as average_order_value,
        coalesce(partner_purchases.partner_purchases, 0) as partner_purchases,
        cast(coalesce(partner_purchases.partner_purchase_amount, 0) as decimal(18, 2)) as partner_purchase_amount,
        coalesce(channels_used.channels_used, 0) as channels_used,
        coalesce(returns_by_customer.returns, 0) as returns,
        cast(coalesce(returns_by_customer.refund_amount, 0) as decimal(18, 2)) as refund_amount,
        coalesce(returns_by_customer.refund_amount, 0) / nullif(order_history.lifetime_revenue, 0) as refund_rate,
        coalesce(interactions_by_customer.interactions, 0) as interactions,
        coalesce(interactions_by_customer.interactions_last_12_months, 0) as interactions_last_12_months,
        coalesce(interactions_by_customer.positive_interactions, 0) as positive_interactions,
        coalesce(interactions_by_customer.negative_interactions, 0) as negative_interactions,
        date_diff('day', interactions_by_customer.last_interaction_date, as_of.as_of_date)
            as days_since_last_interaction,
        coalesce(tickets_by_customer.tickets, 0) as tickets,
        coalesce(tickets_by_customer.open_tickets, 0) as open_tickets,
        tickets_by_customer.average_resolution_hours,
        coalesce(surveys_by_customer.surveys, 0) as surveys,
        surveys_by_customer.average_satisfaction_score,
        surveys_by_customer.last_nps_score,
        coalesce(referrals_made.referred_customers, 0) as referred_customers,
        rfm.recency_days,
        rfm.recency_score,
        rfm.frequency_score,
        rfm.monetary_score,
        value_tiers.current_value_score,
        value_tiers.potential_value_score,
        value_tiers.probability_alive,
        value_tiers.expected_spend_12m,
        profiles.profile_fields_filled,
        profiles.profile_fields_expected,
        profiles.data_completeness_score,
        profiles.contact_fields_malformed,
        profiles.is_contactable,
        profiles.is_referred,
        leads_converted.customer_id is not null as is_converted_lead,
        coalesce(churn.is_key_customer, false) as is_key_customer,
        coalesce(churn.is_key_customer_gone_quiet, false) as is_key_customer_gone_quiet,
        profiles.created_date,
        -- false for a customer only the orders name: partial master data (see intermediate.int_customer_profiles_scored)
        profiles.is_in_crm,
        leads_converted.lead_created_date,
        order_history.first_order_date,
        order_history.last_order_date,
        partner_purchases.first_partner_purchase_date,
        partner_purchases.last_partner_purchase_date,
        least(order_history.first_order_date, partner_purchases.first_partner_purchase_date) as first_purchase_date,
        greatest(order_history.last_order_date, partner_purchases.last_partner_purchase_date) as last_purchase_date,
        interactions_by_customer.last_interaction_date,
        tickets_by_customer.last_ticket_date,
        surveys_by_customer.last_survey_date,
        returns_by_customer.last_return_date,
        as_of.as_of_date

    from profiles
    cross join as_of
    left join customer_type_labels
        on profiles.customer_type = customer_type_labels.customer_type
    left join industry_labels
        on profiles.industry = industry_labels.industry
    left join order_history
        on profiles.customer_id = order_history.customer_id
    left join preferred_channels
        on profiles.customer_id = preferred_channels.customer_id
    left join partner_purchases
        on profiles.customer_id = partner_purchases.customer_id
    left join channels_used
        on profiles.customer_id = channels_used.customer_id
    left join returns_by_customer
        on profiles.customer_id = returns_by_customer.customer_id
    left join interactions_by_customer
        on profiles.customer_id = interactions_by_customer.customer_id
    left join tickets_by_customer
        on profiles.customer_id = tickets_by_customer.customer_id
    left join surveys_by_customer
        on profiles.customer_id = surveys_by_customer.customer_id
    left join referrals_made
        on profiles.customer_id = referrals_made.customer_id
    left join leads_converted
        on profiles.customer_id = leads_converted.customer_id
    left join rfm
        on profiles.customer_id = rfm.customer_id
    left join value_tiers
        on profiles.customer_id = value_tiers.customer_id
    left join churn
        on profiles.customer_id = churn.customer_id

)

select * from final
