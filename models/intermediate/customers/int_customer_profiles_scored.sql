-- grain: one row per customer (customer_id) - every CRM customer and every customer the orders name that the CRM does not have: segment attributes and how complete and plausible the CRM profile is, without the personal fields themselves

with

customers as (

    select * from core.customers

),

orders as (

    select * from core.orders

),

customers_only_ordering as (

    -- a customer the orders name and the CRM does not have (an incomplete customer export, a record quarantined or
    -- erased) stays a customer, with partial master data like a CRM record that holds only its id: no contact or
    -- segment fields, no referrer or acquisition channel, a consumer (as a CRM record without a type), the ship-to
    -- region and date of their first order as region and creation date. Their orders count in every customer mart
    select
        orders.customer_id,
        arg_min(orders.ship_to_region_id, (orders.ordered_at, orders.order_id)) as region_id,
        cast(null as varchar) as acquisition_channel_id,
        cast(null as varchar) as referred_by_customer_id,
        'consumer' as customer_type,
        cast(null as varchar) as customer_name,
        cast(null as varchar) as email,
        cast(null as varchar) as phone,
        cast(null as varchar) as address,
        cast(null as varchar) as industry,
        cast(null as varchar) as age_band,
        false as is_referred,
        min(orders.order_date) as created_date,
        false as is_in_crm

    from orders
    where orders.customer_id is not null
        and orders.customer_id not in (select customer_id from customers)
    group by all

),

known_customers as (

    select
        customer_id,
        region_id,
        acquisition_channel_id,
        referred_by_customer_id,
        customer_type,
        customer_name,
        email,
        phone,
        address,
        industry,
        age_band,
        is_referred,
        created_date,
        true as is_in_crm

    from customers

    union all

    select * from customers_only_ordering

),

fields_checked as (

    select
        customer_id,
        region_id,
        acquisition_channel_id,
        referred_by_customer_id,
        customer_type,
        industry,
        age_band,
        -- the seven fields a complete profile holds (filled = not null and not blank); a customer the CRM does not
        -- have holds none (their region is the ship-to region of their first order, not a CRM field)
        coalesce(trim(customer_name), '') <> '' as has_name,
        coalesce(trim(email), '') <> '' as has_email,
        coalesce(trim(phone), '') <> '' as has_phone,
        coalesce(trim(address), '') <> '' as has_address,
        is_in_crm and region_id is not null as has_region,
        acquisition_channel_id is not null as has_acquisition_channel,
        -- the segment attribute of the customer's type: industry for a business, age band for a consumer
        case when customer_type = 'business' then industry is not null else age_band is not null end as has_segment,
        -- accuracy (准确性): a filled email or phone that cannot be right
        coalesce(trim(email), '') <> ''
            and not regexp_full_match(trim(email), '[^@\s]+@[^@\s]+\.[^@\s]+') as is_email_malformed,
        coalesce(trim(phone), '') <> ''
            and length(regexp_replace(phone, '[^0-9]', '', 'g')) not between 7 and 15 as is_phone_malformed,
        is_referred,
        created_date,
        is_in_crm

    from known_customers

),

final as (

    select
        customer_id,
        region_id,
        acquisition_channel_id,
        referred_by_customer_id,
        customer_type,
        industry,
        age_band,
        7 as profile_fields_expected,
        has_name::int + has_email::int + has_phone::int + has_address::int + has_region::int
            + has_acquisition_channel::int + has_segment::int as profile_fields_filled,
        round(profile_fields_filled / profile_fields_expected, 4) as data_completeness_score,
        is_email_malformed::int + is_phone_malformed::int as contact_fields_malformed,
        has_name,
        has_email,
        has_phone,
        has_address,
        has_segment,
        (has_email and not is_email_malformed) or (has_phone and not is_phone_malformed) as is_contactable,
        is_referred,
        created_date,
        is_in_crm

    from fields_checked

)

select * from final
