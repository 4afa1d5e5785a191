-- grain: one row per lead (lead_id)

with

leads as (

    select * from staging.stg_crm__leads

),

final as (

    select
        lead_id,
        region_id,
        channel_id,
        converted_customer_id,
        status,
        status = 'converted' as is_converted,
        cast(created_at as date) as created_date,
        created_at,
        updated_at

    from leads

)

select * from final
