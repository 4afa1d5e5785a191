-- grain: one row per churn reason (reason): what the customers who went quiet signalled, against the customers who stayed, as of the as-of date

with

churn as (

    select * from marts.customer_churn

),

signals as (

    select * from intermediate.int_customer_signals_unioned

),

reasons as (

    select * from (
        values
            ('ticket_delivery', 'ticket', 'Delivery complaint', '配送问题投诉'),
            ('ticket_quality', 'ticket', 'Quality complaint', '质量问题投诉'),
            ('ticket_price', 'ticket', 'Price complaint', '价格问题投诉'),
            ('ticket_service', 'ticket', 'Service complaint', '服务问题投诉'),
            ('ticket_other', 'ticket', 'Other service ticket', '其他服务工单'),
            ('return_defective', 'return', 'Return: defective', '退货：产品缺陷'),
            ('return_wrong_item', 'return', 'Return: wrong item', '退货：发错货'),
            ('return_not_as_described', 'return', 'Return: not as described', '退货：与描述不符'),
            ('return_late_delivery', 'return', 'Return: late delivery', '退货：配送延迟'),
            ('return_changed_mind', 'return', 'Return: changed mind', '退货：不想要了'),
            ('survey_detractor', 'survey', 'Detractor (NPS 0-6)', '贬损者（NPS 0-6）'),
            ('survey_dissatisfied', 'survey', 'Dissatisfied (satisfaction 1-2)', '不满意（满意度1-2分）'),
            ('interaction_negative', 'interaction', 'Negative CRM interaction', '负面客户互动'),
            ('no_signal', 'none', 'No recorded signal', '无记录原因')
    ) as reasons (reason, signal_source, name_en, name_zh)

),

source_labels as (

    -- where a signal comes from, in words for readers, in both languages
    select * from (
        values
            ('ticket', '服务工单', 'Service ticket'),
            ('return', '退货', 'Return'),
            ('survey', '满意度调研', 'Survey'),
            ('interaction', '客户互动', 'CRM interaction'),
            ('none', '无', 'None')
    ) as source_labels (signal_source, signal_source_label_zh, signal_source_label_en)

),

reference_customers as (

    select
        customer_id,
        has_gone_quiet,
        is_key_customer_gone_quiet,
        -- the end of the relationship, for those who left and those who stayed alike: 90 days before the last order on
        cast(last_order_date - interval 90 day as date) as signals_since,
        as_of_date

    from churn
    where is_reference_customer

),

customer_reasons as (

    -- each reason once per customer, signalled from signals_since to the as-of date
    select distinct
        reference_customers.customer_id,
        signals.reason

    from reference_customers
    inner join signals
        on reference_customers.customer_id = signals.customer_id
        and signals.signal_date between reference_customers.signals_since and reference_customers.as_of_date

    union all

    select
        reference_customers.customer_id,
        'no_signal' as reason

    from reference_customers
    where not exists (
        select 1
        from signals
        where signals.customer_id = reference_customers.customer_id
            and signals.signal_date between reference_customers.signals_since and reference_customers.as_of_date
    )

),

totals as (

    select
        count(*) filter (where has_gone_quiet) as gone_quiet_customers,
        count(*) filter (where not has_gone_quiet) as retained_customers

    from reference_customers

),

counted as (

    select
        customer_reasons.reason,
        count(*) filter (where reference_customers.has_gone_quiet) as gone_quiet_with_reason,
        count(*) filter (where not reference_customers.has_gone_quiet) as retained_with_reason,
        count(*) filter (where reference_customers.is_key_customer_gone_quiet) as key_gone_quiet_with_reason

    from customer_reasons
    inner join reference_customers
        on customer_reasons.customer_id = reference_customers.customer_id
    group by all

),

final as (

    select
        reasons.reason,
        reasons.signal_source,
        source_labels.signal_source_label_zh,
        source_labels.signal_source_label_en,
        reasons.name_en,
        reasons.name_zh,
        coalesce(counted.gone_quiet_with_reason, 0) as gone_quiet_customers,
        coalesce(counted.gone_quiet_with_reason, 0) / nullif(totals.gone_quiet_customers, 0) as share_of_gone_quiet,
        coalesce(counted.retained_with_reason, 0) as retained_customers,
        coalesce(counted.retained_with_reason, 0) / nullif(totals.retained_customers, 0) as share_of_retained,
        (coalesce(counted.gone_quiet_with_reason, 0) / nullif(totals.gone_quiet_customers, 0))
            / nullif(coalesce(counted.retained_with_reason, 0) / nullif(totals.retained_customers, 0), 0) as lift,
        coalesce(counted.key_gone_quiet_with_reason, 0) as key_customers_gone_quiet

    from reasons
    cross join totals
    left join source_labels
        on reasons.signal_source = source_labels.signal_source
    left join counted
        on reasons.reason = counted.reason

)

select * from final
