-- grain: one row per channel (channel_id) over the whole history, emerging channels side by side with traditional and direct ones

with

calendar as (

    select * from intermediate.int_calendar_months

),

economics as (

    select * from marts.channel_economics

),

purchases as (

    select * from intermediate.int_customer_purchases_unioned

),

customers as (

    -- every customer the customer marts count: the CRM's, and those only the orders name (partial master data)
    select * from intermediate.int_customer_profiles_scored

),

leads as (

    select * from core.leads

),

surveys as (

    select * from core.surveys

),

history as (

    select
        min(month) as period_start,
        max(as_of_date) as period_end

    from calendar

),

leads_by_channel as (

    select
        leads.channel_id,
        count(*) as leads,
        count(*) filter (where leads.is_converted) as converted_leads

    from leads
    cross join history
    where leads.created_date between history.period_start and history.period_end
    group by all

),

purchases_per_customer as (

    select
        customer_id,
        count(*) as purchases

    from purchases
    group by all

),

first_purchases as (

    -- customers won in the history: created in the CRM inside it (a customer the CRM does not have: first ordered
    -- inside it), first purchase through the channel
    select
        purchases.customer_id,
        purchases.channel_id,
        purchases_per_customer.purchases > 1 as has_bought_again

    from purchases
    inner join customers
        on purchases.customer_id = customers.customer_id
    inner join purchases_per_customer
        on purchases.customer_id = purchases_per_customer.customer_id
    cross join history
    where purchases.customer_purchase_number = 1
        and customers.created_date between history.period_start and history.period_end

),

acquisition_by_channel as (

    select
        channel_id,
        count(*) as new_customers,
        count(*) filter (where has_bought_again) as new_customers_bought_again

    from first_purchases
    group by all

),

customers_by_channel as (

    select
        channel_id,
        count(distinct customer_id) as customers,
        count(distinct customer_id) filter (where customer_channel_purchase_number = 2) as repeat_customers

    from purchases
    group by all

),

surveys_by_channel as (

    select
        channel_id,
        count(*) as survey_answers,
        avg(satisfaction_score) as average_satisfaction_score,
        (count(*) filter (where is_promoter) - count(*) filter (where is_detractor)) / count(*) as net_promoter_score

    from surveys
    where channel_id is not null
    group by all

),

final as (

    select
        economics.channel_id,
        economics.channel_name,
        economics.channel_type,
        economics.channel_group,
        economics.revenue,
        economics.orders,
        economics.marketing_spend,
        economics.visits,
        coalesce(leads_by_channel.leads, 0) as leads,
        coalesce(leads_by_channel.converted_leads, 0) as converted_leads,
        coalesce(acquisition_by_channel.new_customers, 0) as new_customers,
        coalesce(customers_by_channel.customers, 0) as customers,
        coalesce(customers_by_channel.repeat_customers, 0) as repeat_customers,
        coalesce(surveys_by_channel.survey_answers, 0) as survey_answers,
        -- 流量成本: what one visit cost
        economics.marketing_spend / nullif(economics.visits, 0) as traffic_cost_per_visit,
        -- 转化效率: visits -> leads -> first purchase
        coalesce(leads_by_channel.leads, 0) / nullif(economics.visits, 0) as visit_to_lead_rate,
        leads_by_channel.converted_leads / nullif(leads_by_channel.leads, 0) as lead_conversion_rate,
        coalesce(acquisition_by_channel.new_customers, 0) / nullif(economics.visits, 0) as visit_to_new_customer_rate,
        economics.marketing_spend / nullif(acquisition_by_channel.new_customers, 0) as customer_acquisition_cost,
        customers_by_channel.repeat_customers / nullif(customers_by_channel.customers, 0) as repeat_rate,
        acquisition_by_channel.new_customers_bought_again / nullif(acquisition_by_channel.new_customers, 0)
            as new_customer_repeat_rate,
        economics.revenue / nullif(economics.orders, 0) as average_order_value,
        economics.gross_margin_rate,
        economics.contribution_margin,
        economics.roi,
        economics.refunds / nullif(economics.revenue, 0) as refund_rate,
        surveys_by_channel.average_satisfaction_score,
        surveys_by_channel.net_promoter_score,
        economics.channel_group = 'emerging' as is_emerging,
        economics.is_online,
        economics.is_partner_channel,
        economics.launched_date,
        history.period_start,
        history.period_end

    from economics
    cross join history
    left join leads_by_channel
        on economics.channel_id = leads_by_channel.channel_id
    left join acquisition_by_channel
        on economics.channel_id = acquisition_by_channel.channel_id
    left join customers_by_channel
        on economics.channel_id = customers_by_channel.channel_id
    left join surveys_by_channel
        on economics.channel_id = surveys_by_channel.channel_id

)

select * from final
