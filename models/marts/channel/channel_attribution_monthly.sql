-- grain: one row per journey source, period, channel and attribution model (journey_source, period, channel_id, model)

-- Each period's first purchases (conversions) and their revenue credited to channels under six attribution models,
-- with the channel's marketing spend in that month and what one attributed conversion cost under the model.

with

attribution as (

    select * from intermediate.int_channel_attribution

),

channels as (

    select * from core.channels

),

marketing_spend as (

    select * from core.marketing_spend

),

spend_by_month as (

    select
        channel_id,
        spend_month as month,
        sum(spend_amount) as marketing_spend

    from marketing_spend
    group by all

),

final as (

    select
        attribution.journey_source,
        attribution.period,
        attribution.month,
        attribution.channel_id,
        -- a touch channel the company does not sell through (an ad network, say) is named by its id
        coalesce(channels.channel_name, attribution.channel_id) as channel_name,
        channels.channel_type,
        channels.channel_group,
        channels.channel_id is not null as is_sales_channel,
        attribution.model,
        attribution.attributed_conversions,
        attribution.attributed_value as attributed_revenue,
        attribution.attributed_conversions / nullif(attribution.observed_conversions, 0) as share_of_conversions,
        attribution.removal_effect,
        attribution.conversion_probability,
        attribution.observed_conversions,
        attribution.observed_value as observed_revenue,
        spend_by_month.marketing_spend,
        -- 获客成本 under the model: the month's spend over the conversions the model credits the channel with
        spend_by_month.marketing_spend / nullif(attribution.attributed_conversions, 0)
            as cost_per_attributed_conversion

    from attribution
    left join channels
        on attribution.channel_id = channels.channel_id
    left join spend_by_month
        on attribution.channel_id = spend_by_month.channel_id
        and attribution.month = spend_by_month.month

)

select * from final
