-- grain: one row per customer (customer_id)

with

customers as (

    select * from staging.stg_crm__customers

),

orders as (

    select * from staging.stg_order_system__orders

),

first_orders as (

    select customer_id, min(ordered_at) as first_ordered_at
    from orders
    where customer_id is not null
    group by all

),

final as (

    select
        customers.customer_id,
        region_id,
        acquisition_channel_id,
        referred_by_customer_id,
        customer_type,
        -- personal data: the warehouse keeps it, marts must not carry it
        customer_name,
        email,
        phone,
        address,
        industry,
        age_band,
        referred_by_customer_id is not null as is_referred,
        -- optional in the contract: a customer the CRM gives no creation date counts as acquired at their first order
        -- (one who never ordered, when the CRM last changed the record)
        cast(coalesce(customers.created_at, first_orders.first_ordered_at, customers.updated_at) as date) as created_date,
        coalesce(customers.created_at, first_orders.first_ordered_at, customers.updated_at) as created_at,
        updated_at

    from customers
    left join first_orders
        on customers.customer_id = first_orders.customer_id

)

select * from final
