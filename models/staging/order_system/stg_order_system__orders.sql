-- grain: one row per order (order_id), latest load

with

source as (

    select * from raw.order_system.orders

),

renamed as (

    select
        trim(order_id) as order_id,
        trim(channel_id) as channel_id,
        -- sell-in orders go to a partner and have no end customer; the other channels the reverse
        nullif(trim(partner_id), '') as partner_id,
        nullif(trim(customer_id), '') as customer_id,
        trim(ship_to_region_id) as ship_to_region_id,
        lower(trim(status)) as status,
        -- optional in the contract: an order that names no currency is in the reporting currency (config)
        coalesce(
            nullif(upper(trim(currency)), ''), (select any_value(currency_code) from ops.reporting_settings)
        ) as currency,
        cast(ordered_at as timestamp) as ordered_at,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by order_id)

)

select * from final
