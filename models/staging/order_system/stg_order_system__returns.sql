-- grain: one row per return (return_id), latest load

with

source as (

    select * from raw.order_system.returns

),

renamed as (

    select
        trim(return_id) as return_id,
        trim(order_line_id) as order_line_id,
        lower(trim(reason)) as return_reason,
        cast(quantity as integer) as returned_quantity,
        cast(refund_amount as decimal(18, 2)) as refund_amount,
        cast(returned_at as timestamp) as returned_at,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by return_id)

)

select * from final
