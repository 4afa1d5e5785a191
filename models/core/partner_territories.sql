-- grain: one row per partner per authorised region per validity start (partner_id, region_id, valid_from)

with

partner_territories as (

    select * from staging.stg_order_system__partner_territories

),

final as (

    select
        partner_id,
        region_id,
        -- valid_from and valid_to are both days the authorisation holds (valid_to inclusive; null = open-ended)
        valid_from,
        valid_to,
        updated_at

    from partner_territories

)

select * from final
