-- grain: one row per published table (every marts and reporting model)
-- Where each published table's numbers come from: the raw source tables it is built from, through every model in
-- between (ops.model_dependencies is the build's own plan, so this cannot drift from what really ran).

with recursive

dependencies as (

    select * from ops.model_dependencies

),

-- every model a published table reads, directly or through others, and the raw tables those read
upstream as (

    select model as published_table, depends_on, kind
    from dependencies
    where model like 'marts.%' or model like 'reporting.%'

    union

    select upstream.published_table, dependencies.depends_on, dependencies.kind
    from upstream
    inner join dependencies
        on upstream.depends_on = dependencies.model
    where upstream.kind = 'model'

),

published as (

    select distinct model as published_table
    from dependencies
    where model like 'marts.%' or model like 'reporting.%'

),

raw_inputs as (

    select
        published_table,
        -- raw tables are named source.table (order_system.order_lines)
        split_part(depends_on, '.', 1) as source,
        depends_on as source_table
    from upstream
    where kind = 'raw'

),

final as (

    select
        published.published_table,
        split_part(published.published_table, '.', 1) as layer,
        count(distinct raw_inputs.source) as source_count,
        coalesce(string_agg(distinct raw_inputs.source, ', ' order by raw_inputs.source), '') as sources,
        count(distinct raw_inputs.source_table) as source_table_count,
        coalesce(string_agg(distinct raw_inputs.source_table, ', ' order by raw_inputs.source_table), '')
            as source_tables,
        (
            select count(distinct upstream.depends_on)
            from upstream
            where upstream.published_table = published.published_table and upstream.kind = 'model'
        ) as upstream_models

    from published
    left join raw_inputs
        on published.published_table = raw_inputs.published_table
    group by published.published_table

)

select * from final
