-- grain: one row per partner per region it has been authorised for or has resold into (partner_id, region_id)

with

calendar as (

    select * from intermediate.int_calendar_months

),

partners as (

    select * from core.partners

),

partner_territories as (

    select * from core.partner_territories

),

sell_through as (

    select * from core.sell_through

),

authorised as (

    select * from intermediate.int_partner_region_months_authorised

),

regions as (

    select * from core.regions

),

territory_spans as (

    select
        partner_id,
        region_id,
        min(valid_from) as first_authorised_date,
        -- null while any authorisation for the region is open-ended
        case when bool_or(valid_to is null) then null else max(valid_to) end as last_authorised_date

    from partner_territories
    group by all

),

authorised_as_of as (

    select distinct
        authorised.partner_id,
        authorised.region_id

    from authorised
    inner join calendar
        on authorised.month = calendar.month
    where calendar.months_before_as_of = 0

),

resales as (

    select
        sell_through.partner_id,
        sell_through.ship_to_region_id as region_id,
        count(*) as sell_through_lines,
        cast(sum(sell_through.sale_amount) as decimal(18, 2)) as sell_through_amount,
        count(*) filter (where calendar.is_last_12_months) as sell_through_lines_last_12_months,
        cast(coalesce(sum(sell_through.sale_amount) filter (where calendar.is_last_12_months), 0) as decimal(18, 2))
            as sell_through_amount_last_12_months,
        count(*) filter (where not sell_through.is_inside_territory) as lines_outside_territory,
        min(sell_through.sale_date) as first_sale_date,
        max(sell_through.sale_date) as last_sale_date

    from sell_through
    left join calendar
        on sell_through.sale_month = calendar.month
    group by all

),

pairs as (

    select partner_id, region_id from territory_spans
    union
    select partner_id, region_id from resales

),

final as (

    select
        pairs.partner_id,
        pairs.region_id,
        partners.partner_name,
        partners.channel_id,
        partners.channel_type,
        regions.region_name,
        regions.region_name_zh,
        coalesce(resales.sell_through_lines, 0) as sell_through_lines,
        coalesce(resales.sell_through_amount, 0) as sell_through_amount,
        coalesce(resales.sell_through_lines_last_12_months, 0) as sell_through_lines_last_12_months,
        coalesce(resales.sell_through_amount_last_12_months, 0) as sell_through_amount_last_12_months,
        coalesce(resales.lines_outside_territory, 0) as lines_outside_territory,
        pairs.region_id = partners.home_region_id as is_home_region,
        territory_spans.partner_id is not null as has_ever_been_authorised,
        authorised_as_of.partner_id is not null as is_authorised_as_of,
        territory_spans.first_authorised_date,
        territory_spans.last_authorised_date,
        resales.first_sale_date,
        resales.last_sale_date

    from pairs
    left join partners
        on pairs.partner_id = partners.partner_id
    left join regions
        on pairs.region_id = regions.region_id
    left join territory_spans
        on pairs.partner_id = territory_spans.partner_id
        and pairs.region_id = territory_spans.region_id
    left join authorised_as_of
        on pairs.partner_id = authorised_as_of.partner_id
        and pairs.region_id = authorised_as_of.region_id
    left join resales
        on pairs.partner_id = resales.partner_id
        and pairs.region_id = resales.region_id

)

select * from final
