-- grain: one row per metric (metric_id) that a channel mart defines and a report page shows

-- Each metric is declared beside the column it defines, in its mart's yml (`metric:` on the column, the grain at the
-- top; units in Chinese in models/metric_units.yml); the runner gathers the declarations into ops.metric_definitions.
-- This glossary lists those of the marts in models/marts/channel/.

with

definitions as (

    select * from ops.metric_definitions
    where glossary = 'channel'

),

final as (

    select
        metric_id,
        mart_column,
        mart,
        name_en,
        name_zh,
        formula,
        grain,
        grain_zh,
        -- money in the reporting currency (config reporting.currency): the runner writes it so
        unit,
        unit_zh

    from definitions

)

select * from final
