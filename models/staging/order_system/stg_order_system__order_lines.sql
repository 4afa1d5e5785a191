-- grain: one row per order line (order_line_id), latest load

with

source as (

    select * from raw.order_system.order_lines

),

renamed as (

    select
        trim(order_line_id) as order_line_id,
        trim(order_id) as order_id,
        trim(product_id) as product_id,
        -- negative quantities and amounts are cancellations, returns and adjustments: kept as sent, netted downstream
        cast(quantity as integer) as quantity,
        -- web shops price to 4 decimals; what was charged (line_amount) stays in cents
        cast(unit_price as decimal(18, 4)) as unit_price,
        -- optional in the contract: an export without discounts has none; without a line amount it is what was charged
        coalesce(cast(discount_amount as decimal(18, 2)), 0) as discount_amount,
        coalesce(
            cast(line_amount as decimal(18, 2)),
            cast(round(quantity * cast(unit_price as decimal(18, 4)) - coalesce(discount_amount, 0), 2) as decimal(18, 2))
        ) as line_amount,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by order_line_id)

)

select * from final
