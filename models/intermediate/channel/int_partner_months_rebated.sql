-- grain: one row per partner per month with completed sell-in orders (partner_id, month)

with

order_lines as (

    select * from core.order_lines

),

rebate_policies as (

    select * from core.rebate_policies

),

sell_in_by_partner_month as (

    select
        partner_id,
        channel_id,
        order_month as month,
        -- purchases: a cancellation document nets the revenue but is no order
        count(distinct order_id) filter (where is_purchase) as sell_in_orders,
        cast(sum(quantity) as bigint) as sell_in_units,
        cast(sum(line_amount) as decimal(18, 2)) as sell_in_revenue

    from order_lines
    where is_completed
        and partner_id is not null
    group by all

),

policy_on_month_start as (

    -- the policy of the partner's channel valid on the first day of the month
    select
        sell_in.partner_id,
        sell_in.month,
        rebate_policies.rebate_policy_id,
        rebate_policies.monthly_threshold,
        rebate_policies.rebate_rate

    from sell_in_by_partner_month as sell_in
    inner join rebate_policies
        on sell_in.channel_id = rebate_policies.channel_id
        and sell_in.month >= rebate_policies.valid_from
        and (rebate_policies.valid_to is null or sell_in.month <= rebate_policies.valid_to)
    qualify row_number() over (
        partition by sell_in.partner_id, sell_in.month
        order by rebate_policies.valid_from desc, rebate_policies.rebate_policy_id
    ) = 1

),

final as (

    select
        sell_in.partner_id,
        sell_in.channel_id,
        policy.rebate_policy_id,
        sell_in.sell_in_orders,
        sell_in.sell_in_units,
        sell_in.sell_in_revenue,
        policy.monthly_threshold,
        policy.rebate_rate,
        -- the rate applies to the whole month once the threshold is reached; exact decimals, rounded to the cent once
        case
            when sell_in.sell_in_revenue >= policy.monthly_threshold
                then cast(round(
                    cast(sell_in.sell_in_revenue as decimal(38, 2)) * cast(policy.rebate_rate as decimal(9, 6)), 2
                ) as decimal(18, 2))
            else cast(0 as decimal(18, 2))
        end as rebate_amount,
        coalesce(sell_in.sell_in_revenue >= policy.monthly_threshold, false) as is_threshold_reached,
        sell_in.month

    from sell_in_by_partner_month as sell_in
    left join policy_on_month_start as policy
        on sell_in.partner_id = policy.partner_id
        and sell_in.month = policy.month

)

select * from final
