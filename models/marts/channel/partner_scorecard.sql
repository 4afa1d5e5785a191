-- grain: one row per partner (partner_id), as of the as-of date

with

calendar as (

    select * from intermediate.int_calendar_months

),

partners as (

    select * from core.partners

),

order_lines as (

    select * from core.order_lines

),

sell_through as (

    select * from core.sell_through

),

returns as (

    select * from core.returns

),

partner_months_rebated as (

    select * from intermediate.int_partner_months_rebated

),

cross_territory_sales as (

    select * from marts.cross_territory_sales

),

below_floor_price_sales as (

    select * from marts.below_floor_price_sales

),

as_of as (

    select max(as_of_date) as as_of_date
    from calendar

),

-- windows by months before the as-of month: last 6 = 0-5, same 6 a year earlier = 12-17, last 12 = 0-11, prior 12 = 12-23
sell_in as (

    select
        order_lines.partner_id,
        sum(order_lines.line_amount) filter (where calendar.is_last_12_months) as revenue_l12,
        sum(order_lines.line_amount) filter (where calendar.is_prior_12_months) as revenue_p12,
        sum(order_lines.gross_margin) filter (where calendar.is_last_12_months) as gross_margin_l12,
        count(*) filter (where calendar.is_last_12_months and not order_lines.is_cost_known) as unknown_cost_lines_l12,
        sum(order_lines.quantity) filter (where calendar.is_last_12_months) as units_l12,
        sum(order_lines.quantity) filter (where calendar.months_before_as_of between 0 and 5) as units_l6,
        sum(order_lines.line_amount) as revenue_total

    from order_lines
    inner join calendar
        on order_lines.order_month = calendar.month
    where order_lines.is_completed
        and order_lines.partner_id is not null
    group by all

),

resales as (

    select
        sell_through.partner_id,
        sum(sell_through.sale_amount) filter (where calendar.is_last_12_months) as amount_l12,
        sum(sell_through.sale_amount) filter (where calendar.is_prior_12_months) as amount_p12,
        sum(sell_through.sale_amount) filter (where calendar.months_before_as_of between 0 and 5) as amount_l6,
        sum(sell_through.sale_amount) filter (where calendar.months_before_as_of between 12 and 17) as amount_l6_last_year,
        sum(sell_through.quantity) filter (where calendar.is_last_12_months) as units_l12,
        sum(sell_through.quantity) filter (where calendar.months_before_as_of between 0 and 5) as units_l6

    from sell_through
    inner join calendar
        on sell_through.sale_month = calendar.month
    group by all

),

rebates as (

    select
        partner_months_rebated.partner_id,
        sum(partner_months_rebated.rebate_amount) filter (where calendar.is_last_12_months) as rebates_l12,
        sum(partner_months_rebated.rebate_amount) as rebates_total

    from partner_months_rebated
    inner join calendar
        on partner_months_rebated.month = calendar.month
    group by all

),

partner_returns as (

    select
        returns.partner_id,
        sum(returns.refund_amount) filter (where calendar.is_last_12_months) as refunds_l12,
        sum(returns.returned_quantity) filter (where calendar.is_last_12_months) as returned_units_l12

    from returns
    inner join calendar
        on returns.returned_month = calendar.month
    where returns.partner_id is not null
    group by all

),

conflicts as (

    select
        partner_id,
        sum(cross_territory_findings) as cross_territory_findings,
        sum(cross_territory_lines) as cross_territory_lines,
        sum(below_floor_findings) as below_floor_findings,
        sum(below_floor_lines) as below_floor_lines

    from (
        select partner_id, count(*) as cross_territory_findings, sum(lines) as cross_territory_lines,
            0 as below_floor_findings, 0 as below_floor_lines
        from cross_territory_sales
        group by all
        union all
        select partner_id, 0, 0, count(*), sum(lines)
        from below_floor_price_sales
        where partner_id is not null
        group by all
    )
    group by all

),

measured as (

    select
        partners.partner_id,
        partners.partner_name,
        partners.channel_id,
        partners.channel_type,
        partners.home_region_id,
        partners.partner_tier,
        partners.outlet_count,
        cast(coalesce(sell_in.revenue_l12, 0) as decimal(18, 2)) as sell_in_revenue_last_12_months,
        cast(coalesce(sell_in.revenue_p12, 0) as decimal(18, 2)) as sell_in_revenue_prior_12_months,
        -- a line of unknown cost leaves the margin unknown (null), never a 100% margin
        case
            when coalesce(sell_in.unknown_cost_lines_l12, 0) = 0
                then cast(coalesce(sell_in.gross_margin_l12, 0) as decimal(18, 2))
        end as gross_margin_last_12_months,
        cast(coalesce(sell_in.units_l12, 0) as bigint) as sell_in_units_last_12_months,
        cast(coalesce(resales.units_l12, 0) as bigint) as sell_through_units_last_12_months,
        cast(coalesce(resales.amount_l12, 0) as decimal(18, 2)) as sell_through_amount_last_12_months,
        cast(coalesce(resales.amount_p12, 0) as decimal(18, 2)) as sell_through_amount_prior_12_months,
        cast(coalesce(sell_in.units_l6, 0) as bigint) as sell_in_units_last_6_months,
        cast(coalesce(resales.units_l6, 0) as bigint) as sell_through_units_last_6_months,
        cast(coalesce(resales.amount_l6, 0) as decimal(18, 2)) as sell_through_amount_last_6_months,
        cast(coalesce(resales.amount_l6_last_year, 0) as decimal(18, 2)) as sell_through_amount_same_6_months_last_year,
        cast(coalesce(rebates.rebates_l12, 0) as decimal(18, 2)) as rebates_last_12_months,
        cast(coalesce(rebates.rebates_total, 0) as decimal(18, 2)) as rebates_total,
        cast(coalesce(partner_returns.refunds_l12, 0) as decimal(18, 2)) as refunds_last_12_months,
        cast(coalesce(partner_returns.returned_units_l12, 0) as bigint) as returned_units_last_12_months,
        coalesce(conflicts.cross_territory_findings, 0) as cross_territory_findings,
        cast(coalesce(conflicts.cross_territory_lines, 0) as bigint) as cross_territory_lines,
        coalesce(conflicts.below_floor_findings, 0) as below_floor_findings,
        cast(coalesce(conflicts.below_floor_lines, 0) as bigint) as below_floor_lines,
        sell_in.revenue_l12 / nullif(sum(sell_in.revenue_l12) over (partition by partners.channel_id), 0)
            as share_of_channel_sell_in,
        partners.signed_date <= as_of.as_of_date
        and (partners.terminated_date is null or partners.terminated_date > as_of.as_of_date) as is_active,
        partners.signed_date,
        partners.terminated_date

    from partners
    cross join as_of
    left join sell_in
        on partners.partner_id = sell_in.partner_id
    left join resales
        on partners.partner_id = resales.partner_id
    left join rebates
        on partners.partner_id = rebates.partner_id
    left join partner_returns
        on partners.partner_id = partner_returns.partner_id
    left join conflicts
        on partners.partner_id = conflicts.partner_id

),

ratios as (

    select
        *,
        (sell_in_revenue_last_12_months - sell_in_revenue_prior_12_months)
            / nullif(sell_in_revenue_prior_12_months, 0) as sell_in_growth,
        (sell_through_amount_last_12_months - sell_through_amount_prior_12_months)
            / nullif(sell_through_amount_prior_12_months, 0) as sell_through_growth,
        sell_through_units_last_12_months / nullif(sell_in_units_last_12_months, 0)
            as sell_through_to_sell_in_units_last_12_months,
        sell_through_units_last_6_months / nullif(sell_in_units_last_6_months, 0)
            as sell_through_to_sell_in_units_last_6_months,
        gross_margin_last_12_months / nullif(sell_in_revenue_last_12_months, 0) as gross_margin_rate,
        refunds_last_12_months / nullif(sell_in_revenue_last_12_months, 0) as return_rate,
        cross_territory_findings + below_floor_findings as conflict_incidents

    from measured

),

flagged as (

    select
        *,
        -- 投入产出比失衡: what the partner buys (input) and resells (output) out of balance over 6 months - stock piling
        -- up (resold < 75% of bought units) or more resold than bought (> 125%, goods from elsewhere)
        is_active and (
            sell_through_to_sell_in_units_last_6_months < 0.75
            or sell_through_to_sell_in_units_last_6_months > 1.25
            or (sell_in_units_last_6_months = 0 and sell_through_units_last_6_months > 0)
        ) as is_input_output_imbalanced,
        -- sell-through of the last 6 months 20% or more below the same months a year earlier, and the last 12 below the 12 before
        is_active
        and sell_through_amount_last_6_months <= 0.8 * sell_through_amount_same_6_months_last_year
        and sell_through_amount_last_12_months < sell_through_amount_prior_12_months as is_sell_through_declining,
        -- one partner carrying 35% or more of its channel's sell-in of the last 12 months
        is_active and coalesce(share_of_channel_sell_in >= 0.35, false) as is_concentration_risk,
        conflict_incidents > 0 as has_conflict_incidents

    from ratios

),

final as (

    select
        partner_id,
        partner_name,
        channel_id,
        channel_type,
        home_region_id,
        partner_tier,
        outlet_count,
        sell_in_revenue_last_12_months,
        sell_in_revenue_prior_12_months,
        sell_in_growth,
        sell_in_units_last_12_months,
        sell_through_units_last_12_months,
        sell_through_amount_last_12_months,
        sell_through_amount_prior_12_months,
        sell_through_growth,
        sell_through_to_sell_in_units_last_12_months,
        sell_in_units_last_6_months,
        sell_through_units_last_6_months,
        sell_through_to_sell_in_units_last_6_months,
        sell_through_amount_last_6_months,
        sell_through_amount_same_6_months_last_year,
        gross_margin_last_12_months,
        gross_margin_rate,
        rebates_last_12_months,
        rebates_total,
        refunds_last_12_months,
        returned_units_last_12_months,
        return_rate,
        share_of_channel_sell_in,
        cross_territory_findings,
        cross_territory_lines,
        below_floor_findings,
        below_floor_lines,
        conflict_incidents,
        coalesce(is_input_output_imbalanced, false) as is_input_output_imbalanced,
        coalesce(is_sell_through_declining, false) as is_sell_through_declining,
        is_concentration_risk,
        has_conflict_incidents,
        cast(coalesce(is_input_output_imbalanced, false) as integer)
        + cast(coalesce(is_sell_through_declining, false) as integer)
        + cast(is_concentration_risk as integer)
        + cast(has_conflict_incidents as integer) as risk_flags,
        rank() over (order by is_active desc, gross_margin_last_12_months desc) as performance_rank,
        row_number() over (
            order by
                cast(coalesce(is_input_output_imbalanced, false) as integer)
                + cast(coalesce(is_sell_through_declining, false) as integer)
                + cast(is_concentration_risk as integer)
                + cast(has_conflict_incidents as integer) desc,
                conflict_incidents desc,
                sell_in_revenue_last_12_months desc,
                partner_id
        ) as risk_rank,
        is_active,
        signed_date,
        terminated_date

    from flagged

)

select * from final
