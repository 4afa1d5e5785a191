-- grain: one row per source stream (source, stream) ever loaded
-- How current each source is: when it last loaded successfully, whether the latest attempt failed
-- (then reports show that source's last good data), and whether its data is older than the
-- configured limit (ops.freshness_limits, by source, '*' for the rest) at the time of the build.
-- A failed attempt is published as its class only (unreachable, authentication, bad_response, ...):
-- its message stays in the raw database's meta.loads for operators (`npm run status`), because it
-- can quote a server, a file or a broken response, and this mart ships inside the report site.

with

loads as (

    select * from ops.loads

),

ranked as (

    select
        *,
        row_number() over (partition by source, stream order by finished_at desc) as attempt_recency
    from loads

),

last_attempt as (

    select
        source,
        stream,
        finished_at as last_attempt_at,
        status as last_status,
        -- ops.loads carries a failure's class only (pipelines/transform/build-warehouse.ts), never its message.
        error_class as last_error_class
    from ranked
    where attempt_recency = 1

),

last_success as (

    select
        source,
        stream,
        max(finished_at) as last_success_at,
        arg_max(rows_read, finished_at) as rows_read_last_success,
        arg_max(rows_loaded, finished_at) as rows_loaded_last_success,
        arg_max(rows_rejected, finished_at) as rows_quarantined_last_success,
        arg_max(rows_deleted, finished_at) as rows_deleted_last_success
    from loads
    where status = 'succeeded'
    group by all

),

limits as (

    select * from ops.freshness_limits

),

build as (

    select built_at from ops.build_context

),

final as (

    select
        last_attempt.source,
        last_attempt.stream,
        last_attempt.last_status,
        last_attempt.last_error_class,
        last_success.rows_read_last_success,
        last_success.rows_loaded_last_success,
        last_success.rows_quarantined_last_success,
        last_success.rows_deleted_last_success,
        coalesce(source_limit.max_age_hours, default_limit.max_age_hours) as max_age_hours,
        date_diff('minute', last_success.last_success_at, build.built_at) / 60.0 as age_hours,
        last_attempt.last_status <> 'succeeded' as is_stale,
        coalesce(
            date_diff('minute', last_success.last_success_at, build.built_at) / 60.0
                > coalesce(source_limit.max_age_hours, default_limit.max_age_hours),
            true
        ) as is_overdue,
        last_attempt.last_attempt_at,
        last_success.last_success_at
    from last_attempt
    cross join build
    left join last_success
        on last_attempt.source = last_success.source
        and last_attempt.stream = last_success.stream
    left join limits as source_limit
        on source_limit.source = last_attempt.source
    left join limits as default_limit
        on default_limit.source = '*'

)

select * from final
