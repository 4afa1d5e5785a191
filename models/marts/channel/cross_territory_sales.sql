-- grain: one row per partner per region it was not authorised for per month with sales shipped there (partner_id, region_id, month)

with

lines as (

    select * from marts.cross_territory_sales_lines

),

sell_through as (

    select * from core.sell_through

),

partners as (

    select * from core.partners

),

regions as (

    select * from core.regions

),

partner_month_totals as (

    select
        partner_id,
        sale_month as month,
        count(*) as partner_lines

    from sell_through
    group by all

),

by_partner_region_month as (

    select
        partner_id,
        region_id,
        sale_month as month,
        count(*) as lines,
        cast(sum(quantity) as bigint) as units,
        cast(sum(sale_amount) as decimal(18, 2)) as amount,
        count(distinct product_id) as products,
        min(sale_date) as first_sale_date,
        max(sale_date) as last_sale_date

    from lines
    group by all

),

final as (

    select
        by_partner_region_month.partner_id,
        by_partner_region_month.region_id,
        partners.partner_name,
        partners.channel_id,
        partners.channel_type,
        partners.home_region_id,
        regions.region_name,
        regions.region_name_zh,
        by_partner_region_month.lines,
        by_partner_region_month.units,
        by_partner_region_month.amount,
        by_partner_region_month.products,
        by_partner_region_month.lines / partner_month_totals.partner_lines as share_of_partner_lines,
        by_partner_region_month.month,
        by_partner_region_month.first_sale_date,
        by_partner_region_month.last_sale_date

    from by_partner_region_month
    left join partners
        on by_partner_region_month.partner_id = partners.partner_id
    left join regions
        on by_partner_region_month.region_id = regions.region_id
    left join partner_month_totals
        on by_partner_region_month.partner_id = partner_month_totals.partner_id
        and by_partner_region_month.month = partner_month_totals.month

)

select * from final
