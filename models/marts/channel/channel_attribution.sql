-- grain: one row per journey source and channel (journey_source, channel_id), over the last 12 months of journeys (a paths file: all its periods)

-- Which channels create demand and which close it (plan 二.3: judge emerging channels by traffic cost and conversion
-- efficiency, no blind bandwagoning). Conversions credited under every model side by side; the channel's place in
-- journeys of more than one step: how often it assisted a conversion another channel closed, and how often it closed
-- one after other channels' touches; and the cost per new customer under last-touch (what the channel is credited
-- with when the order's channel takes it all) against Markov (what the journeys say it was worth).

with

monthly as (

    select * from marts.channel_attribution_monthly

),

journeys as (

    select * from intermediate.int_attribution_journeys

),

calendar as (

    select * from intermediate.int_calendar_months

),

channels as (

    select * from core.channels

),

window_months as (

    select month from calendar where is_last_12_months

),

in_window as (

    -- the CRM's journeys of the last 12 months; a paths file's periods, whatever they are, all count
    select monthly.*
    from monthly
    where monthly.journey_source = 'paths_file'
        or monthly.month in (select month from window_months)

),

credits as (

    select
        journey_source,
        channel_id,
        sum(attributed_conversions) filter (where model = 'first_touch') as first_touch_conversions,
        sum(attributed_conversions) filter (where model = 'last_touch') as last_touch_conversions,
        sum(attributed_conversions) filter (where model = 'linear') as linear_conversions,
        sum(attributed_conversions) filter (where model = 'position_based') as position_based_conversions,
        sum(attributed_conversions) filter (where model = 'time_decay') as time_decay_conversions,
        sum(attributed_conversions) filter (where model = 'markov') as markov_conversions,
        sum(attributed_revenue) filter (where model = 'last_touch') as last_touch_revenue,
        sum(attributed_revenue) filter (where model = 'markov') as markov_revenue

    from in_window
    group by all

),

spend as (

    -- the channel's marketing spend over the months of the window (once per month, not once per model)
    select
        journey_source,
        channel_id,
        sum(marketing_spend) as marketing_spend

    from (select distinct journey_source, period, channel_id, marketing_spend from in_window)
    group by all

),

converting_steps as (

    -- the steps of converting journeys of more than one step, in the window
    select
        journeys.journey_source,
        journeys.journey_id,
        journeys.conversions,
        step.channel_id,
        step.position,
        len(journeys.channels) as steps

    from journeys
    cross join unnest(journeys.channels) with ordinality as step(channel_id, position)
    where journeys.conversions > 0
        and len(journeys.channels) > 1
        and (journeys.journey_source = 'paths_file' or journeys.month in (select month from window_months))

),

roles as (

    select
        journey_source,
        channel_id,
        -- conversions of journeys the channel was in without taking the order (另一渠道成交, 它助攻)
        sum(conversions) filter (where position < steps) as assisted_conversions,
        -- conversions it closed after other channels' touches
        sum(conversions) filter (where position = steps) as closed_conversions,
        sum(conversions) filter (where position = 1) as introduced_conversions

    from (
        -- a channel twice in one journey counts once per role
        select distinct journey_source, journey_id, conversions, channel_id, position, steps
        from converting_steps
    )
    group by all

),

all_channels as (

    select journey_source, channel_id from credits
    union
    select journey_source, channel_id from roles

),

joined as (

    select
        all_channels.journey_source,
        all_channels.channel_id,
        coalesce(channels.channel_name, all_channels.channel_id) as channel_name,
        channels.channel_type,
        channels.channel_group,
        coalesce(channels.channel_group = 'emerging', false) as is_emerging,
        coalesce(credits.first_touch_conversions, 0) as first_touch_conversions,
        coalesce(credits.last_touch_conversions, 0) as last_touch_conversions,
        coalesce(credits.linear_conversions, 0) as linear_conversions,
        coalesce(credits.position_based_conversions, 0) as position_based_conversions,
        coalesce(credits.time_decay_conversions, 0) as time_decay_conversions,
        coalesce(credits.markov_conversions, 0) as markov_conversions,
        coalesce(credits.last_touch_revenue, 0) as last_touch_revenue,
        coalesce(credits.markov_revenue, 0) as markov_revenue,
        coalesce(roles.assisted_conversions, 0) as assisted_conversions,
        coalesce(roles.closed_conversions, 0) as closed_conversions,
        coalesce(roles.introduced_conversions, 0) as introduced_conversions,
        spend.marketing_spend

    from all_channels
    left join credits
        on all_channels.journey_source = credits.journey_source
        and all_channels.channel_id = credits.channel_id
    left join roles
        on all_channels.journey_source = roles.journey_source
        and all_channels.channel_id = roles.channel_id
    left join spend
        on all_channels.journey_source = spend.journey_source
        and all_channels.channel_id = spend.channel_id
    left join channels
        on all_channels.channel_id = channels.channel_id

),

final as (

    select
        *,
        -- the assisted / last-click conversions ratio of web analytics (how many conversions it prepared per one it
        -- closed); it grows with the length of the journeys, so it is read against the other channels'
        assisted_conversions / nullif(closed_conversions, 0) as assist_ratio,
        -- whether the channel opens journeys more than it ends them: first-touch over last-touch conversions. A
        -- channel with no place of its own in journeys is at 1 however long they are; the role needs 10 conversions
        -- under one of the two models to be judged
        first_touch_conversions / nullif(last_touch_conversions, 0) as first_to_last_touch_ratio,
        case
            when greatest(first_touch_conversions, last_touch_conversions) < 10 then 'too_few_conversions'
            when first_touch_conversions >= 1.5 * last_touch_conversions then 'creates_demand'
            when last_touch_conversions >= 1.5 * first_touch_conversions then 'closes_demand'
            else 'creates_and_closes'
        end as demand_role,
        markov_conversions - last_touch_conversions as markov_minus_last_touch,
        markov_conversions / nullif(sum(markov_conversions) over (partition by journey_source), 0) as markov_share,
        last_touch_conversions / nullif(sum(last_touch_conversions) over (partition by journey_source), 0)
            as last_touch_share,
        marketing_spend / nullif(last_touch_conversions, 0) as cost_per_conversion_last_touch,
        marketing_spend / nullif(markov_conversions, 0) as cost_per_conversion_markov,
        marketing_spend / nullif(linear_conversions, 0) as cost_per_conversion_linear,
        -- the emerging-channel verdict by cost per new customer (cheapest first), with credit as the order's channel
        -- takes it and with credit shared along the journeys
        case when is_emerging and marketing_spend > 0 and last_touch_conversions > 0 then
            rank() over (
                partition by journey_source, is_emerging and marketing_spend > 0 and last_touch_conversions > 0
                order by marketing_spend / nullif(last_touch_conversions, 0)
            )
        end as emerging_cost_rank_last_touch,
        case when is_emerging and marketing_spend > 0 and markov_conversions > 0 then
            rank() over (
                partition by journey_source, is_emerging and marketing_spend > 0 and markov_conversions > 0
                order by marketing_spend / nullif(markov_conversions, 0)
            )
        end as emerging_cost_rank_markov

    from joined

)

select * from final
