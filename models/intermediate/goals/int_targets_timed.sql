-- grain: one row per target (core.targets.target_id), with where its period stands on the as-of date

with

targets as (

    select * from core.targets

),

calendar as (

    select * from intermediate.int_calendar_months

),

as_of as (

    select max(as_of_date) as as_of_date
    from calendar

)

select
    targets.target_id,
    targets.metric,
    targets.scope_type,
    targets.scope_id,
    targets.target_value,
    targets.period_start,
    targets.period_end,
    -- measured up to the period's end, or up to the as-of date while the period runs (null before it starts)
    case
        when targets.period_start <= as_of.as_of_date then least(targets.period_end, as_of.as_of_date)
    end as measured_through,
    case
        when targets.period_start > as_of.as_of_date then 'not_started'
        when targets.period_end <= as_of.as_of_date then 'complete'
        else 'in_progress'
    end as period_status,
    greatest(
        least(
            (date_diff('day', targets.period_start, least(targets.period_end, as_of.as_of_date)) + 1)
            / (date_diff('day', targets.period_start, targets.period_end) + 1),
            1
        ),
        0
    ) as elapsed_share

from targets
cross join as_of
