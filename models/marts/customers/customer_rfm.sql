-- grain: one row per customer with a purchase (customer_id), scored as of the as-of date

with

customer_orders as (

    select * from intermediate.int_customer_orders_numbered

),

calendar as (

    select * from intermediate.int_calendar_months

),

as_of as (

    select max(as_of_date) as as_of_date
    from calendar

),

segment_labels as (

    -- the segments' names for readers, in both languages, and their order from the best customers down
    select * from (
        values
            ('champions', 1, '核心价值客户', 'Champions'),
            ('loyal', 2, '忠诚客户', 'Loyal'),
            ('potential_loyalists', 3, '潜在忠诚客户', 'Potential loyalists'),
            ('new_customers', 4, '新客户', 'New customers'),
            ('promising', 5, '潜力新客', 'Promising'),
            ('need_attention', 6, '需关注客户', 'Need attention'),
            ('about_to_sleep', 7, '即将沉睡客户', 'About to sleep'),
            ('cannot_lose_them', 8, '重要挽回客户', 'Cannot lose them'),
            ('at_risk', 9, '流失风险客户', 'At risk'),
            ('hibernating', 10, '沉睡客户', 'Hibernating'),
            ('lost', 11, '已流失客户', 'Lost')
    ) as segment_labels (rfm_segment, rfm_segment_order, rfm_segment_label_zh, rfm_segment_label_en)

),

customer_totals as (

    -- recency and frequency count purchases only (a fully cancelled order or a cancellation document is no visit);
    -- monetary is the customer's revenue, net of those cancellations
    select
        customer_orders.customer_id,
        date_diff(
            'day', max(customer_orders.order_date) filter (where customer_orders.is_purchase), any_value(as_of.as_of_date)
        ) as recency_days,
        count(*) filter (where customer_orders.is_purchase) as frequency,
        sum(customer_orders.order_amount) as monetary,
        max(customer_orders.order_date) filter (where customer_orders.is_purchase) as last_order_date

    from customer_orders
    cross join as_of
    where customer_orders.order_date <= as_of.as_of_date
    group by all

),

ranked as (

    -- rank() gives tied customers the same (lowest) rank, so ties always share a score;
    -- recency is ranked from the longest silence (rank 1) to the most recent buyer
    select
        *,
        rank() over (order by recency_days desc) as recency_rank,
        rank() over (order by frequency) as frequency_rank,
        rank() over (order by monetary) as monetary_rank,
        count(*) over () as customers_scored

    from customer_totals

),

scored as (

    -- quintile score = 1 + floor(5 x (rank - 1) / customers scored): 1 (lowest fifth) to 5 (highest fifth)
    select
        *,
        1 + floor(5 * (recency_rank - 1) / customers_scored)::int as recency_score,
        1 + floor(5 * (frequency_rank - 1) / customers_scored)::int as frequency_score,
        1 + floor(5 * (monetary_rank - 1) / customers_scored)::int as monetary_score

    from ranked

),

final as (

    select
        customer_id,
        -- the recency x frequency grid (monetary is shown, and weighs in the value tiers)
        case
            when recency_score = 5 and frequency_score >= 4 then 'champions'
            when recency_score = 4 and frequency_score = 5 then 'champions'
            when recency_score between 3 and 4 and frequency_score >= 4 then 'loyal'
            when recency_score >= 4 and frequency_score between 2 and 3 then 'potential_loyalists'
            when recency_score = 5 and frequency_score = 1 then 'new_customers'
            when recency_score = 4 and frequency_score = 1 then 'promising'
            when recency_score = 3 and frequency_score = 3 then 'need_attention'
            when recency_score = 3 and frequency_score <= 2 then 'about_to_sleep'
            when recency_score <= 2 and frequency_score = 5 then 'cannot_lose_them'
            when recency_score <= 2 and frequency_score between 3 and 4 then 'at_risk'
            when recency_score = 2 and frequency_score <= 2 then 'hibernating'
            else 'lost'
        end as rfm_segment,
        recency_score::varchar || frequency_score::varchar || monetary_score::varchar as rfm_cell,
        recency_days,
        frequency,
        cast(monetary as decimal(18, 2)) as monetary,
        recency_score,
        frequency_score,
        monetary_score,
        recency_rank,
        frequency_rank,
        monetary_rank,
        customers_scored,
        last_order_date

    from scored

)

select
    final.*,
    segment_labels.rfm_segment_label_zh,
    segment_labels.rfm_segment_label_en,
    segment_labels.rfm_segment_order

from final
left join segment_labels
    on final.rfm_segment = segment_labels.rfm_segment
