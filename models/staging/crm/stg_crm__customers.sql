-- grain: one row per customer (customer_id), latest load

with

source as (

    select * from raw.crm.customers

),

renamed as (

    select
        trim(customer_id) as customer_id,
        trim(region_id) as region_id,
        nullif(trim(acquisition_channel_id), '') as acquisition_channel_id,
        nullif(trim(referred_by_customer_id), '') as referred_by_customer_id,
        -- optional in the contract: a customer of unknown type counts as a consumer
        coalesce(nullif(lower(trim(customer_type)), ''), 'consumer') as customer_type,
        -- personal data: kept in the warehouse, never carried into marts
        trim(name) as customer_name,
        nullif(lower(trim(email)), '') as email,
        nullif(trim(phone), '') as phone,
        nullif(trim(address), '') as address,
        lower(trim(industry)) as industry,
        trim(age_band) as age_band,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by customer_id)

)

select * from final
