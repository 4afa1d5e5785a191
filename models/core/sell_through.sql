-- grain: one row per partner sale line (partner_id, sale_id)

with

sell_through as (

    select * from staging.stg_partner_files__sell_through

),

partners as (

    select * from core.partners

),

products as (

    select * from core.products

),

price_list as (

    select * from core.price_list

),

partner_territories as (

    select * from core.partner_territories

),

product_matches as (

    -- the product with the sku as the partner typed it; else the only product with that upper-cased sku. Two products
    -- differing only by case, neither spelled as typed: no match (unresolved, never guessed)
    select
        sell_through.partner_id,
        sell_through.sale_id,
        products.product_id

    from sell_through
    inner join products
        on sell_through.sku = products.sku_key
    qualify row_number() over (
        partition by sell_through.partner_id, sell_through.sale_id
        order by products.sku = sell_through.reported_sku desc, products.product_id
    ) = 1
        and (
            products.sku = sell_through.reported_sku
            or count(*) over (partition by sell_through.partner_id, sell_through.sale_id) = 1
        )

),

sales_joined_to_partners_and_products as (

    select
        sell_through.partner_id,
        sell_through.sale_id,
        product_matches.product_id,
        partners.channel_id,
        sell_through.customer_id,
        sell_through.ship_to_region_id,
        sell_through.sku,
        partners.channel_type,
        sell_through.source_location,
        sell_through.quantity,
        sell_through.unit_price,
        sell_through.sale_amount,
        sell_through.sale_date,
        sell_through.loaded_at

    from sell_through
    left join partners
        on sell_through.partner_id = partners.partner_id
    left join product_matches
        on sell_through.partner_id = product_matches.partner_id
        and sell_through.sale_id = product_matches.sale_id

),

floor_prices_on_sale_date as (

    select
        sales.partner_id,
        sales.sale_id,
        price_list.floor_price

    from sales_joined_to_partners_and_products as sales
    inner join price_list
        on sales.product_id = price_list.product_id
        and sales.sale_date >= price_list.valid_from
        and (price_list.valid_to is null or sales.sale_date <= price_list.valid_to)
    -- rows touching on a boundary day: the one that starts later is the price of that day
    qualify row_number() over (
        partition by sales.partner_id, sales.sale_id
        order by price_list.valid_from desc
    ) = 1

),

sales_inside_territory as (

    select distinct
        sales.partner_id,
        sales.sale_id

    from sales_joined_to_partners_and_products as sales
    inner join partner_territories
        on sales.partner_id = partner_territories.partner_id
        and sales.ship_to_region_id = partner_territories.region_id
        and sales.sale_date >= partner_territories.valid_from
        and (partner_territories.valid_to is null or sales.sale_date <= partner_territories.valid_to)

),

final as (

    select
        sales.partner_id || ':' || sales.sale_id as sell_through_id,
        sales.partner_id,
        sales.sale_id,
        sales.product_id,
        sales.channel_id,
        sales.customer_id,
        sales.ship_to_region_id,
        sales.sku,
        sales.channel_type,
        sales.source_location,
        sales.quantity,
        sales.unit_price,
        sales.sale_amount,
        floor_prices_on_sale_date.floor_price,
        sales.product_id is not null as is_sku_resolved,
        -- cross-territory selling (窜货): sold into a region the partner was not authorised for that day
        sales_inside_territory.sale_id is not null as is_inside_territory,
        -- resold below the floor price valid that day (null when the sku or its price is unknown)
        sales.unit_price < floor_prices_on_sale_date.floor_price as is_below_floor_price,
        sales.sale_date,
        cast(date_trunc('month', sales.sale_date) as date) as sale_month,
        sales.loaded_at

    from sales_joined_to_partners_and_products as sales
    left join floor_prices_on_sale_date
        on sales.partner_id = floor_prices_on_sale_date.partner_id
        and sales.sale_id = floor_prices_on_sale_date.sale_id
    left join sales_inside_territory
        on sales.partner_id = sales_inside_territory.partner_id
        and sales.sale_id = sales_inside_territory.sale_id

)

select * from final
