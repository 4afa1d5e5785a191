-- grain: one row per sales channel (channel_id)

with

channels as (

    select * from staging.stg_order_system__channels

),

orders as (

    select * from staging.stg_order_system__orders

),

first_orders as (

    select channel_id, cast(min(ordered_at) as date) as first_order_date
    from orders
    group by all

),

final as (

    select
        channels.channel_id,
        channel_name,
        channel_name_zh,
        channel_type,
        -- the plan's three families: traditional partners (二.2), emerging channels (二.3), direct sales
        case
            when channel_type in ('distributor', 'agent', 'retailer') then 'traditional'
            when channel_type = 'direct_key_account' then 'direct'
            else 'emerging'
        end as channel_group,
        platform_fee_rate,
        commission_rate,
        monthly_management_cost,
        is_terms_stated,
        is_online,
        -- partner channels sell in to a partner who resells (sell-through arrives in partner files)
        channel_type in ('distributor', 'agent', 'retailer') as is_partner_channel,
        -- optional in the contract: a channel without a launch date counts from its first order
        coalesce(channels.launched_date, first_orders.first_order_date) as launched_date,
        updated_at

    from channels
    left join first_orders
        on channels.channel_id = first_orders.channel_id

)

select * from final
