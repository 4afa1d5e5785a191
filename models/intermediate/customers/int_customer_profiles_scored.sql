-- grain: one row per customer (customer_id): segment attributes and how complete and plausible the CRM profile is, without the personal fields themselves

with

customers as (

    select * from core.customers

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
        -- the seven fields a complete profile holds (filled = not null and not blank)
        coalesce(trim(customer_name), '') <> '' as has_name,
        coalesce(trim(email), '') <> '' as has_email,
        coalesce(trim(phone), '') <> '' as has_phone,
        coalesce(trim(address), '') <> '' as has_address,
        region_id is not null as has_region,
        acquisition_channel_id is not null as has_acquisition_channel,
        -- the segment attribute of the customer's type: industry for a business, age band for a consumer
        case when customer_type = 'business' then industry is not null else age_band is not null end as has_segment,
        -- accuracy (准确性): a filled email or phone that cannot be right
        coalesce(trim(email), '') <> ''
            and not regexp_full_match(trim(email), '[^@\s]+@[^@\s]+\.[^@\s]+') as is_email_malformed,
        coalesce(trim(phone), '') <> ''
            and length(regexp_replace(phone, '[^0-9]', '', 'g')) not between 7 and 15 as is_phone_malformed,
        is_referred,
        created_date

    from customers

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
        created_date

    from fields_checked

)

select * from final
