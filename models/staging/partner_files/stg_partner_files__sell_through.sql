-- grain: one row per partner sale line (partner_id, sale_id), latest load

with

source as (

    select * from raw.partner_files.sell_through

),

renamed as (

    select
        trim(partner_id) as partner_id,
        trim(sale_id) as sale_id,
        -- partners type skus by hand: one spelling, the upper-cased key products are matched on
        upper(trim(sku)) as sku,
        -- as typed: tells apart two products whose skus differ only by case
        trim(sku) as reported_sku,
        trim(ship_to_region_id) as ship_to_region_id,
        nullif(trim(customer_id), '') as customer_id,
        cast(quantity as integer) as quantity,
        -- prices take up to 4 decimals (a resale price worked out from a total); amounts are to the cent
        cast(unit_price as decimal(18, 4)) as unit_price,
        cast(amount as decimal(18, 2)) as sale_amount,
        cast(sale_date as date) as sale_date,
        _source_location as source_location,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by partner_id, sale_id)

)

select * from final
