-- grain: one row per product per price validity start (product_id, valid_from)

with

price_list as (

    select * from staging.stg_order_system__price_list

),

final as (

    select
        product_id,
        list_price,
        -- what partners pay the company (sell-in)
        partner_price,
        -- nobody may resell below this
        floor_price,
        -- valid_to is read as the last day the price holds (null = still valid); where two rows touch on a
        -- boundary day the later valid_from wins, so exclusive end dates give the same answer
        valid_from,
        valid_to,
        updated_at

    from price_list

)

select * from final
