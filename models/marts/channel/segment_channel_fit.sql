-- grain: one row per customer segment (segment_type, segment_value) per channel type

with

purchases as (

    select * from intermediate.int_customer_purchases_unioned

),

customers as (

    -- every customer the customer marts count: the CRM's, and those only the orders name (partial master data)
    select * from intermediate.int_customer_profiles_scored

),

calendar as (

    select * from intermediate.int_calendar_months

),

channels as (

    select * from core.channels

),

purchases_with_segments as (

    select
        purchases.*,
        calendar.is_last_12_months,
        calendar.is_prior_12_months,
        coalesce(customers.customer_type, 'unknown') as customer_type,
        customers.industry,
        customers.age_band

    from purchases
    left join customers
        on purchases.customer_id = customers.customer_id
    left join calendar
        on purchases.purchase_month = calendar.month

),

segmented as (

    -- each purchase counts once per segmentation: by customer type (all), industry (businesses), age band (consumers)
    select 'customer_type' as segment_type, customer_type as segment_value, * from purchases_with_segments
    union all
    select 'industry', coalesce(industry, 'unknown'), * from purchases_with_segments where customer_type = 'business'
    union all
    select 'age_band', coalesce(age_band, 'unknown'), * from purchases_with_segments where customer_type = 'consumer'

),

customer_channel_types as (

    select
        segment_type,
        segment_value,
        channel_type,
        customer_id,
        count(*) as purchases,
        bool_or(is_last_12_months) as bought_last_12_months,
        bool_or(is_prior_12_months) as bought_prior_12_months

    from segmented
    group by all

),

by_segment_channel_type as (

    select
        segment_type,
        segment_value,
        channel_type,
        count(distinct customer_id) as customers,
        count(*) as purchases,
        sum(amount) as revenue,
        sum(gross_margin) as gross_margin,
        sum(amount) filter (where gross_margin is not null) as revenue_with_margin

    from segmented
    group by all

),

loyalty as (

    select
        segment_type,
        segment_value,
        channel_type,
        count(*) filter (where purchases >= 2) as repeat_customers,
        count(*) filter (where bought_prior_12_months) as customers_prior_12_months,
        count(*) filter (where bought_prior_12_months and bought_last_12_months) as retained_customers

    from customer_channel_types
    group by all

),

segment_totals as (

    select
        segment_type,
        segment_value,
        count(distinct customer_id) as segment_customers,
        sum(amount) as segment_revenue

    from segmented
    group by all

),

segment_labels as (

    -- each segmentation's and segment's name for readers, in both languages (the codes are the CRM contract's values;
    -- a value without a label shows as itself)
    select * from (
        values
            ('customer_type', 'consumer', '个人客户', 'Consumer'),
            ('customer_type', 'business', '企业客户', 'Business'),
            ('customer_type', 'unknown', '未知', 'Unknown'),
            ('industry', 'construction', '建筑', 'Construction'),
            ('industry', 'education', '教育', 'Education'),
            ('industry', 'healthcare', '医疗健康', 'Healthcare'),
            ('industry', 'hospitality', '酒店餐饮', 'Hospitality'),
            ('industry', 'logistics', '物流', 'Logistics'),
            ('industry', 'manufacturing', '制造', 'Manufacturing'),
            ('industry', 'retail', '零售', 'Retail'),
            ('industry', 'unknown', '未知', 'Unknown'),
            ('age_band', 'unknown', '未知', 'Unknown')
    ) as segment_labels (segment_type, segment_value, segment_label_zh, segment_label_en)

),

segment_type_labels as (

    select * from (
        values
            ('customer_type', '客户类型', 'Customer type', 1),
            ('industry', '行业（企业客户）', 'Industry (businesses)', 2),
            ('age_band', '年龄段（个人客户）', 'Age band (consumers)', 3)
    ) as segment_type_labels (segment_type, segment_type_label_zh, segment_type_label_en, segment_type_order)

),

final as (

    select
        by_segment_channel_type.segment_type,
        segment_type_labels.segment_type_label_zh,
        segment_type_labels.segment_type_label_en,
        segment_type_labels.segment_type_order,
        by_segment_channel_type.segment_value,
        coalesce(segment_labels.segment_label_zh, by_segment_channel_type.segment_value) as segment_label_zh,
        coalesce(segment_labels.segment_label_en, by_segment_channel_type.segment_value) as segment_label_en,
        by_segment_channel_type.channel_type,
        (select any_value(channel_group) from channels where channels.channel_type = by_segment_channel_type.channel_type)
            as channel_group,
        by_segment_channel_type.customers,
        by_segment_channel_type.purchases,
        cast(by_segment_channel_type.revenue as decimal(18, 2)) as revenue,
        cast(by_segment_channel_type.gross_margin as decimal(18, 2)) as gross_margin,
        loyalty.repeat_customers,
        loyalty.customers_prior_12_months,
        loyalty.retained_customers,
        by_segment_channel_type.revenue / nullif(by_segment_channel_type.purchases, 0) as average_order_value,
        by_segment_channel_type.gross_margin / nullif(by_segment_channel_type.revenue_with_margin, 0) as gross_margin_rate,
        loyalty.repeat_customers / nullif(by_segment_channel_type.customers, 0) as repeat_rate,
        loyalty.retained_customers / nullif(loyalty.customers_prior_12_months, 0) as retention_rate,
        by_segment_channel_type.customers / nullif(segment_totals.segment_customers, 0) as share_of_segment_customers,
        by_segment_channel_type.revenue / nullif(segment_totals.segment_revenue, 0) as share_of_segment_revenue

    from by_segment_channel_type
    inner join loyalty
        on by_segment_channel_type.segment_type = loyalty.segment_type
        and by_segment_channel_type.segment_value = loyalty.segment_value
        and by_segment_channel_type.channel_type = loyalty.channel_type
    inner join segment_totals
        on by_segment_channel_type.segment_type = segment_totals.segment_type
        and by_segment_channel_type.segment_value = segment_totals.segment_value
    left join segment_labels
        on by_segment_channel_type.segment_type = segment_labels.segment_type
        and by_segment_channel_type.segment_value = segment_labels.segment_value
    left join segment_type_labels
        on by_segment_channel_type.segment_type = segment_type_labels.segment_type

)

select * from final
