-- grain: one row per channel per ship-to region per month with sales, marketing or an allocated cost (region_id null: management cost of a month without revenue)

with

calendar as (

    select * from intermediate.int_calendar_months

),

channels as (

    select * from core.channels

),

order_lines as (

    select * from core.order_lines

),

marketing_spend as (

    select * from core.marketing_spend

),

partner_months_rebated as (

    select * from intermediate.int_partner_months_rebated

),

sales_by_cell as (

    select
        channel_id,
        ship_to_region_id as region_id,
        order_month as month,
        -- orders are purchases: a cancellation document nets the revenue but is no order
        count(distinct order_id) filter (where is_purchase) as orders,
        cast(sum(quantity) as bigint) as units,
        cast(sum(line_amount) as decimal(18, 2)) as revenue,
        -- a line of unknown cost leaves the cell's cost and margin unknown; how much revenue that is stays visible
        case when bool_and(is_cost_known) then cast(sum(cost_of_goods) as decimal(18, 2)) end as cost_of_goods,
        case when bool_and(is_cost_known) then cast(sum(gross_margin) as decimal(18, 2)) end as gross_margin,
        count(*) filter (where not is_cost_known) as lines_unknown_cost,
        cast(coalesce(sum(line_amount) filter (where not is_cost_known), 0) as decimal(18, 2)) as revenue_unknown_cost

    from order_lines
    where is_completed
    group by all

),

marketing_by_cell as (

    select
        channel_id,
        region_id,
        cast(date_trunc('month', spend_month) as date) as month,
        cast(sum(spend_amount) as decimal(18, 2)) as marketing_spend,
        cast(sum(visits) as bigint) as visits

    from marketing_spend
    group by all

),

-- rebates are earned per partner-month; they follow the partner's sell-in revenue to the regions it shipped to
partner_sell_in_by_region as (

    select
        partner_id,
        ship_to_region_id as region_id,
        order_month as month,
        sum(line_amount) as revenue

    from order_lines
    where is_completed
        and partner_id is not null
    group by all

),

rebate_weights as (

    select
        rebated.channel_id,
        by_region.region_id,
        by_region.month,
        rebated.partner_id as allocation_key,
        cast(rebated.rebate_amount * 100 as hugeint) as amount_cents,
        cast(greatest(by_region.revenue, 0) * 100 as hugeint) as weight,
        sum(cast(greatest(by_region.revenue, 0) * 100 as hugeint)) over (
            partition by rebated.partner_id, by_region.month
        ) as total_weight

    from partner_months_rebated as rebated
    inner join partner_sell_in_by_region as by_region
        on rebated.partner_id = by_region.partner_id
        and rebated.month = by_region.month
    where rebated.rebate_amount > 0

),

-- management cost: the channel's monthly cost for every month from its launch month, spread over the regions by
-- the channel's revenue that month; a month without revenue keeps it unallocated (region_id null)
channel_months as (

    select
        channels.channel_id,
        calendar.month,
        channels.monthly_management_cost

    from channels
    inner join calendar
        on coalesce(cast(date_trunc('month', channels.launched_date) as date), calendar.month) <= calendar.month

),

management_weights as (

    select
        channel_months.channel_id,
        sales_by_cell.region_id,
        channel_months.month,
        channel_months.channel_id as allocation_key,
        cast(coalesce(channel_months.monthly_management_cost, 0) * 100 as hugeint) as amount_cents,
        cast(greatest(coalesce(sales_by_cell.revenue, 0), 0) * 100 as hugeint) as weight,
        sum(cast(greatest(coalesce(sales_by_cell.revenue, 0), 0) * 100 as hugeint)) over (
            partition by channel_months.channel_id, channel_months.month
        ) as total_weight

    from channel_months
    left join sales_by_cell
        on channel_months.channel_id = sales_by_cell.channel_id
        and channel_months.month = sales_by_cell.month

),

-- largest-remainder allocation in whole cents: each cell gets floor(amount * weight / total), the cents left over go
-- to the largest remainders (ties by region), so the cells add up to the amount exactly
weights_split as (

    select 'rebates' as cost, * from rebate_weights where total_weight > 0
    union all
    select 'management_cost' as cost, * from management_weights where total_weight > 0

),

floors as (

    select
        *,
        amount_cents * weight // total_weight as floor_cents,
        amount_cents * weight % total_weight as remainder

    from weights_split

),

allocated as (

    select
        cost,
        channel_id,
        region_id,
        month,
        floor_cents
        + case
            when row_number() over (
                partition by cost, allocation_key, month
                order by remainder desc, region_id
            ) <= amount_cents - sum(floor_cents) over (partition by cost, allocation_key, month)
                then 1
            else 0
        end as cents

    from floors

),

unallocated as (

    select
        'management_cost' as cost,
        channel_id,
        cast(null as varchar) as region_id,
        month,
        any_value(amount_cents) as cents

    from management_weights
    where total_weight = 0
    group by all

),

costs_by_cell as (

    select
        channel_id,
        region_id,
        month,
        cast(cast(coalesce(sum(cents) filter (where cost = 'rebates'), 0) as decimal(38, 0)) * 0.01 as decimal(18, 2)) as rebates,
        cast(
            cast(coalesce(sum(cents) filter (where cost = 'management_cost'), 0) as decimal(38, 0)) * 0.01 as decimal(18, 2)
        ) as management_cost

    from (select * from allocated union all select * from unallocated)
    group by all

),

cells as (

    select channel_id, region_id, month from sales_by_cell
    union
    select channel_id, region_id, month from marketing_by_cell
    union
    select channel_id, region_id, month from costs_by_cell

),

cells_joined as (

    select
        cells.channel_id,
        cells.region_id,
        cells.month,
        coalesce(sales_by_cell.orders, 0) as orders,
        coalesce(sales_by_cell.units, 0) as units,
        coalesce(sales_by_cell.revenue, 0) as revenue,
        -- a cell without sales has no cost of goods; a cell with a line of unknown cost has unknown cost and margin
        case when sales_by_cell.channel_id is null then 0 else sales_by_cell.cost_of_goods end as cost_of_goods,
        case when sales_by_cell.channel_id is null then 0 else sales_by_cell.gross_margin end as gross_margin,
        coalesce(sales_by_cell.lines_unknown_cost, 0) as lines_unknown_cost,
        coalesce(sales_by_cell.revenue_unknown_cost, 0) as revenue_unknown_cost,
        coalesce(costs_by_cell.rebates, 0) as rebates,
        -- rates on revenue, kept exact (not rounded per cell) so every sum over cells equals the rate on the sum
        cast(
            cast(coalesce(sales_by_cell.revenue, 0) as decimal(38, 2)) * cast(channels.platform_fee_rate as decimal(9, 6))
            as decimal(38, 8)
        ) as platform_fees,
        cast(
            cast(coalesce(sales_by_cell.revenue, 0) as decimal(38, 2)) * cast(channels.commission_rate as decimal(9, 6))
            as decimal(38, 8)
        ) as commissions,
        coalesce(marketing_by_cell.marketing_spend, 0) as marketing_spend,
        coalesce(marketing_by_cell.visits, 0) as visits,
        coalesce(costs_by_cell.management_cost, 0) as management_cost

    from cells
    left join channels
        on cells.channel_id = channels.channel_id
    left join sales_by_cell
        on cells.channel_id = sales_by_cell.channel_id
        and cells.region_id = sales_by_cell.region_id
        and cells.month = sales_by_cell.month
    left join marketing_by_cell
        on cells.channel_id = marketing_by_cell.channel_id
        and cells.region_id = marketing_by_cell.region_id
        and cells.month = marketing_by_cell.month
    left join costs_by_cell
        on cells.channel_id = costs_by_cell.channel_id
        and cells.region_id is not distinct from costs_by_cell.region_id
        and cells.month = costs_by_cell.month

),

final as (

    select
        channel_id,
        region_id,
        orders,
        units,
        revenue,
        cost_of_goods,
        gross_margin,
        lines_unknown_cost,
        revenue_unknown_cost,
        rebates,
        platform_fees,
        commissions,
        marketing_spend,
        visits,
        management_cost,
        cast(rebates + platform_fees + commissions + marketing_spend + management_cost as decimal(38, 8)) as channel_costs,
        -- null with the gross margin: a contribution without the cost of goods would be wrong, not partial
        cast(
            gross_margin - rebates - platform_fees - commissions - marketing_spend - management_cost
            as decimal(38, 8)
        ) as contribution,
        region_id is null as is_unallocated,
        month

    from cells_joined

)

select * from final
