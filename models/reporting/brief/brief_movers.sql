-- grain: one row per channel among the brief's biggest movers (direction, mover_rank)
-- The channels whose revenue changed most, year to date (1 January of the as-of year to the as-of date) against the
-- same days a year earlier: the three largest increases and the three largest decreases, by amount.

with

order_lines as (

    select * from core.order_lines

),

channels as (

    select * from core.channels

),

calendar as (

    select * from intermediate.int_calendar_months

),

as_of as (

    select
        max(as_of_date) as as_of_date,
        cast(date_trunc('year', max(as_of_date)) as date) as year_start
    from calendar

),

by_channel as (

    select
        order_lines.channel_id,
        coalesce(sum(order_lines.line_amount) filter (
            where order_lines.order_date between as_of.year_start and as_of.as_of_date
        ), 0) as revenue,
        coalesce(sum(order_lines.line_amount) filter (
            where order_lines.order_date between as_of.year_start - interval 1 year and as_of.as_of_date - interval 1 year
        ), 0) as revenue_prior

    from order_lines
    cross join as_of
    where order_lines.is_completed
        and order_lines.order_date between as_of.year_start - interval 1 year and as_of.as_of_date
    group by all

),

ranked as (

    select
        by_channel.*,
        by_channel.revenue - by_channel.revenue_prior as change_amount,
        case when by_channel.revenue >= by_channel.revenue_prior then 'up' else 'down' end as direction,
        row_number() over (
            partition by by_channel.revenue >= by_channel.revenue_prior
            order by abs(by_channel.revenue - by_channel.revenue_prior) desc, by_channel.channel_id
        ) as mover_rank
    from by_channel
    where by_channel.revenue <> by_channel.revenue_prior

),

final as (

    select
        ranked.direction,
        ranked.mover_rank,
        ranked.channel_id,
        channels.channel_name,
        -- the channel's name for each language of the site (marts.channel_directory)
        names.channel_name_zh,
        names.channel_name_en,
        channels.channel_type,
        ranked.revenue,
        ranked.revenue_prior,
        ranked.change_amount,
        -- null for a channel that sold nothing a year earlier (new)
        ranked.revenue / nullif(ranked.revenue_prior, 0) - 1 as change_share

    from ranked
    inner join channels
        on ranked.channel_id = channels.channel_id
    inner join marts.channel_directory as names
        on ranked.channel_id = names.channel_id
    where ranked.mover_rank <= 3

)

select * from final
