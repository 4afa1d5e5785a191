-- grain: one row per region (region_id)

with

regions as (

    select * from staging.stg_order_system__regions

),

final as (

    select
        region_id,
        region_name,
        region_name_zh,
        area,
        area_zh,
        population_millions,
        updated_at

    from regions

)

select * from final
