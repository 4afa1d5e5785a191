-- grain: one row per customer (customer_id)

with

customers as (

    select * from staging.stg_crm__customers

),

final as (

    select
        customer_id,
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
        cast(created_at as date) as created_date,
        created_at,
        updated_at

    from customers

)

select * from final
