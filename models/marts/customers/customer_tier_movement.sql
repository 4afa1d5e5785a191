-- grain: one row per month of the last 12 months per tier at the previous month's end per tier at the month's end (month, previous_tier, value_tier)

with

tiers_monthly as (

    select * from intermediate.int_customer_value_tiers_monthly

),

tier_service as (

    select * from marts.customer_tier_service

),

tiers_with_previous as (

    select
        customer_id,
        month,
        value_tier,
        -- 'none': the customer was not yet known at the previous month's end
        coalesce(
            lag(value_tier) over (partition by customer_id order by month),
            case when month > min(month) over () then 'none' end
        ) as previous_tier

    from tiers_monthly

),

moves as (

    select
        month,
        previous_tier,
        value_tier,
        count(*) as customers

    from tiers_with_previous
    -- the first of the 13 months has no month before it to compare with
    where previous_tier is not null
    group by all

),

final as (

    select
        moves.month,
        moves.previous_tier,
        moves.value_tier,
        case
            when moves.previous_tier = 'none' then 'new'
            when previous_service.tier_order > current_service.tier_order then 'up'
            when previous_service.tier_order < current_service.tier_order then 'down'
            else 'same'
        end as movement,
        -- the tiers and the movement in words for readers, in both languages ('none' is a customer new that month)
        coalesce(previous_service.name_zh, '新客户') as previous_tier_name_zh,
        coalesce(previous_service.name_en, 'New customer') as previous_tier_name_en,
        coalesce(previous_service.tier_order, 0) as previous_tier_order,
        current_service.name_zh as tier_name_zh,
        current_service.name_en as tier_name_en,
        current_service.tier_order,
        case
            when moves.previous_tier = 'none' then '新增'
            when previous_service.tier_order > current_service.tier_order then '升级'
            when previous_service.tier_order < current_service.tier_order then '降级'
            else '不变'
        end as movement_label_zh,
        case
            when moves.previous_tier = 'none' then 'New'
            when previous_service.tier_order > current_service.tier_order then 'Moved up'
            when previous_service.tier_order < current_service.tier_order then 'Moved down'
            else 'Unchanged'
        end as movement_label_en,
        moves.customers,
        moves.customers / sum(moves.customers) over (partition by moves.month, moves.previous_tier) as share_of_previous_tier

    from moves
    left join tier_service as previous_service
        on moves.previous_tier = previous_service.value_tier
    left join tier_service as current_service
        on moves.value_tier = current_service.value_tier

)

select * from final
