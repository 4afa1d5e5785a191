-- grain: one row per source stream (source, stream) ever loaded
-- How current each source is: when it last loaded successfully and whether the latest attempt
-- failed (then reports built from this warehouse show that source's last good data: it is stale).

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

    select source, stream, finished_at as last_attempt_at, status as last_status, error as last_error
    from ranked
    where attempt_recency = 1

),

last_success as (

    select
        source,
        stream,
        max(finished_at) as last_success_at,
        arg_max(rows_loaded, finished_at) as rows_loaded_last_success
    from loads
    where status = 'succeeded'
    group by all

),

final as (

    select
        last_attempt.source,
        last_attempt.stream,
        last_attempt.last_status,
        last_attempt.last_error,
        last_success.rows_loaded_last_success,
        last_attempt.last_status <> 'succeeded' as is_stale,
        last_attempt.last_attempt_at,
        last_success.last_success_at
    from last_attempt
    left join last_success
        on last_attempt.source = last_success.source
        and last_attempt.stream = last_success.stream

)

select * from final
