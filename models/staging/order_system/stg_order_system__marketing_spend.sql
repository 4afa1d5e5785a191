-- grain: one row per marketing spend record (spend_id), latest load

with

source as (

    select * from raw.order_system.marketing_spend

),

renamed as (

    select
        trim(spend_id) as spend_id,
        trim(channel_id) as channel_id,
        trim(region_id) as region_id,
        cast(spend_amount as decimal(18, 2)) as spend_amount,
        cast(visits as integer) as visits,
        -- the source promises a month; pin it to the month's first day whatever day it sends
        cast(date_trunc('month', month) as date) as spend_month,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by spend_id)

)

select * from final
