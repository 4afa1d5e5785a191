-- grain: one row per customer per calendar quarter in which the customer bought through more than one channel (customer_id, quarter)

with

purchases as (

    select * from intermediate.int_customer_purchases_unioned

),

channels as (

    select * from core.channels

),

by_customer_quarter as (

    select
        purchases.customer_id,
        cast(date_trunc('quarter', purchases.purchase_date) as date) as quarter,
        count(distinct purchases.channel_id) as channels,
        count(distinct purchases.channel_type) as channel_types,
        string_agg(distinct purchases.channel_id, ', ' order by purchases.channel_id) as channel_ids,
        count(*) as purchases,
        cast(sum(purchases.amount) as decimal(18, 2)) as amount,
        bool_or(channels.is_partner_channel) and bool_or(not channels.is_partner_channel) as has_partner_and_company_channels,
        bool_or(channels.is_online) and bool_or(not channels.is_online) as has_online_and_offline_channels,
        min(purchases.purchase_date) as first_purchase_date,
        max(purchases.purchase_date) as last_purchase_date

    from purchases
    left join channels
        on purchases.channel_id = channels.channel_id
    group by all

),

final as (

    select
        customer_id,
        channel_ids,
        channels,
        channel_types,
        purchases,
        amount,
        has_partner_and_company_channels,
        has_online_and_offline_channels,
        quarter,
        first_purchase_date,
        last_purchase_date

    from by_customer_quarter
    where channels > 1

)

select * from final
