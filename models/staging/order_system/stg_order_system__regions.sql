-- grain: one row per region (region_id), latest load

with

source as (

    select * from raw.order_system.regions

),

renamed as (

    select
        trim(region_id) as region_id,
        trim(region_name) as region_name,
        -- optional in the contract: a company without Chinese names shows its own, one without areas one area
        coalesce(nullif(trim(region_name_zh), ''), trim(region_name)) as region_name_zh,
        coalesce(nullif(trim(area), ''), 'Unassigned') as area,
        cast(population_millions as double) as population_millions,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select
        *,
        -- the area's name for Chinese readers: the seven areas (大区) Chinese businesses usually group provinces
        -- into, by their usual English names; any other area as the master data records it
        case area
            when 'North China' then '华北'
            when 'Northeast China' then '东北'
            when 'East China' then '华东'
            when 'Central China' then '华中'
            when 'South China' then '华南'
            when 'Southwest China' then '西南'
            when 'Northwest China' then '西北'
            when 'Unassigned' then '未划分大区'
            else area
        end as area_zh
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by region_id)

)

select * from final
