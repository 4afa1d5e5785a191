-- grain: one row per region (marts.customer_360 grouped by region_id): how many customers, buyers, consumers,
-- businesses and key customers it has, and their lifetime revenue, with the region's and its area's names in both
-- languages (core.regions). Counts and sums only: no customer rows, so the table's size follows the number of
-- regions, not of customers. Feeds the customer overview and the region filters.
with

counts as (
    select
        region_id,
        count(*) as customers,
        count(*) filter (where orders > 0) as buying_customers,
        count(*) filter (where customer_type = 'consumer') as consumers,
        count(*) filter (where customer_type = 'business') as businesses,
        count(*) filter (where is_key_customer) as key_customers,
        sum(lifetime_revenue) as lifetime_revenue
    from marts.customer_360
    group by region_id
),

final as (
    select
        counts.region_id,
        regions.region_name_zh,
        regions.region_name as region_name_en,
        regions.area_zh as area_name_zh,
        regions.area as area_name_en,
        counts.customers,
        counts.buying_customers,
        counts.consumers,
        counts.businesses,
        counts.key_customers,
        counts.lifetime_revenue
    from counts
    left join core.regions as regions on regions.region_id = counts.region_id
)

select * from final
