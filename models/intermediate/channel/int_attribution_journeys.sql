-- grain: one row per journey (journey_source, journey_id): the channels a person met on the way to their first purchase, or on the way to nothing; or one path of a paths file

-- A converting journey is a new customer's first purchase (their first completed order with lines; guests name
-- nobody) with the marketing touches of that customer in the lookback window before it (ops.attribution_settings), ending
-- with the channel the order was placed on: that is where the journey closed, and it is what last-touch credits.
-- A customer with no touches has a one-step journey (the order's channel). A non-converting journey is the touches,
-- within the lookback window before their last touch, of a person who has not bought. Touches after a customer's
-- first purchase are no acquisition and belong to no journey. Consecutive touches on one channel are one step, at
-- the time of the last of them (self-loops carry no information about where a journey goes next).
-- A paths file (ChannelAttribution's format) brings journeys already summarised; they are kept apart by
-- journey_source and carry no touch times.
-- A new customer is one the CRM created no earlier than the lookback window before the data's first month: a
-- customer on the books before the data begins was acquired before it, and their first purchase in the data is a
-- repeat purchase with no journey (and neither it nor their touches are anyone's acquisition). A purchase naming a
-- customer the CRM does not have counts as new.

with

settings as (

    select * from ops.attribution_settings

),

touches as (

    select * from core.touches

),

purchases as (

    select * from intermediate.int_customer_orders_numbered

),

paths as (

    select * from staging.stg_touch_paths__paths

),

customers as (

    select * from core.customers

),

calendar as (

    select * from intermediate.int_calendar_months

),

history as (

    select min(month) as first_month from calendar

),

purchasers as (

    -- every customer with a purchase in the data, new or not
    select
        purchases.customer_id,
        purchases.channel_id,
        purchases.ordered_at,
        purchases.order_amount,
        coalesce(
            customers.created_at >= history.first_month - to_days(settings.lookback_days), true
        ) as is_new_customer

    from purchases
    left join customers
        on purchases.customer_id = customers.customer_id
    cross join history
    cross join settings
    where purchases.customer_order_number = 1

),

first_purchases as (

    select
        customer_id,
        channel_id,
        ordered_at,
        order_amount

    from purchasers
    where is_new_customer

),

converting_steps as (

    select
        first_purchases.customer_id as person_key,
        first_purchases.ordered_at as ended_at,
        touches.channel_id,
        touches.touched_at as stepped_at,
        touches.touch_id as step_order

    from touches
    inner join first_purchases
        on touches.customer_id = first_purchases.customer_id
    cross join settings
    where touches.touched_at < first_purchases.ordered_at
        and touches.touched_at >= first_purchases.ordered_at - to_days(settings.lookback_days)

    union all

    -- the order itself: the journey's last step, on the channel that took it
    select
        customer_id,
        ordered_at,
        channel_id,
        ordered_at,
        -- sorts after any touch id at the same instant
        chr(1114111)

    from first_purchases

),

undecided_touches as (

    -- people who have not bought (yet): visitors never identified, and customers without a purchase
    select
        coalesce(touches.customer_id, 'visitor:' || touches.visitor_id) as person_key,
        touches.channel_id,
        touches.touched_at,
        touches.touch_id

    from touches
    left join purchasers
        on touches.customer_id = purchasers.customer_id
    where purchasers.customer_id is null

),

non_converting_steps as (

    select
        person_key,
        ended_at,
        channel_id,
        touched_at as stepped_at,
        touch_id as step_order

    from (
        select
            *,
            max(touched_at) over (partition by person_key) as ended_at
        from undecided_touches
    ) as undecided
    cross join settings
    where touched_at >= ended_at - to_days(settings.lookback_days)

),

steps as (

    select *, true as converted from converting_steps
    union all
    select *, false as converted from non_converting_steps

),

collapsed as (

    -- a run of touches on one channel is one step, kept at its last touch
    select *
    from steps
    qualify lead(channel_id) over (partition by person_key order by stepped_at, step_order)
        is distinct from channel_id

),

touch_journeys as (

    select
        person_key,
        'touches' as journey_source,
        md5(person_key) as journey_id,
        strftime(max(ended_at), '%Y-%m') as period,
        cast(date_trunc('month', max(ended_at)) as date) as month,
        list(channel_id order by stepped_at, step_order) as channels,
        list(
            date_diff('second', stepped_at, ended_at) / 86400.0 order by stepped_at, step_order
        ) as days_before,
        bool_or(converted) as converted

    from collapsed
    group by person_key

),

touch_journeys_valued as (

    select
        touch_journeys.journey_source,
        touch_journeys.journey_id,
        touch_journeys.period,
        touch_journeys.month,
        touch_journeys.channels,
        touch_journeys.days_before,
        case when touch_journeys.converted then 1.0 else 0.0 end as conversions,
        coalesce(cast(first_purchases.order_amount as double), 0) as conversion_value,
        case when touch_journeys.converted then 0.0 else 1.0 end as nulls

    from touch_journeys
    left join first_purchases
        on touch_journeys.converted
        and touch_journeys.person_key = first_purchases.customer_id

),

path_journeys as (

    select
        'paths_file' as journey_source,
        period || ' | ' || path as journey_id,
        period,
        -- a period written as a month (YYYY-MM) is that month; any other label has none
        cast(try_strptime(period, '%Y-%m') as date) as month,
        channels,
        cast(null as double[]) as days_before,
        conversions,
        conversion_value,
        nulls

    from paths
    -- the staging tests warn about the rows left out here
    where len(channels) > 0 and conversions >= 0 and nulls >= 0 and conversion_value >= 0

),

final as (

    select * from touch_journeys_valued
    union all
    select * from path_journeys

)

select * from final
