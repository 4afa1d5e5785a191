-- grain: one row per period and path of a journey paths file (period, path), latest load

with

source as (

    select * from raw.touch_paths.touch_paths

),

renamed as (

    select
        -- a file without periods describes one period: its rows are labelled 'all'
        coalesce(nullif(trim(period), ''), 'all') as period,
        trim(path) as path,
        -- `A > B > C`, oldest first; blanks around `>` are not part of a channel's name, and an empty step
        -- (`A > > B`) is no touch
        list_filter(list_transform(string_split(path, '>'), step -> trim(step)), step -> step <> '') as channels,
        total_conversions as conversions,
        coalesce(total_conversion_value, 0) as conversion_value,
        coalesce(total_null, 0) as nulls,
        _source_location as source_location,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load
    qualify loaded_at = max(loaded_at) over (partition by period, path)

)

select * from final
