-- grain: one row per kind of finding the executive brief (经营简报) can report, always all seven, in the order the
-- front page lists them: loss-making channels, cross-territory selling (窜货), sales below the floor price, regions
-- with demand and no outlet, key customers gone quiet, risks of the risk register above their threshold, sources out
-- of date. `items` counts what is wrong (0: nothing of that kind), `amount` is its money figure in the reporting
-- currency where it has one, `detail_zh` / `detail_en` name the first few in each language, `link` is the page with
-- the evidence. Every figure is read
-- from the mart that defines the finding; this model only counts and sums them, so the brief and the evidence pages
-- cannot disagree.
with

loss_making_channels as (
    select
        count(*) as items,
        sum(economics.contribution) as amount,
        string_agg(channels.channel_name_zh, '、' order by economics.contribution) as detail_zh,
        string_agg(channels.channel_name_en, ', ' order by economics.contribution) as detail_en
    from marts.channel_economics as economics
    inner join marts.channel_directory as channels using (channel_id)
    where economics.is_negative_contribution
),

cross_territory as (
    select
        count(distinct partner_id) as items,
        sum(amount) as amount,
        string_agg(distinct partner_name || ' → ' || coalesce(region_name_zh, region_name, region_id), '、')
            as detail_zh,
        string_agg(distinct partner_name || ' → ' || coalesce(region_name, region_id), ', ') as detail_en
    from marts.cross_territory_sales
),

below_floor as (
    select
        count(distinct coalesce(below.partner_id, below.channel_id)) as items,
        sum(below.shortfall_amount) as amount,
        string_agg(distinct coalesce(below.partner_name, channels.channel_name_zh), '、') as detail_zh,
        string_agg(distinct coalesce(below.partner_name, channels.channel_name_en), ', ') as detail_en
    from marts.below_floor_price_sales as below
    left join marts.channel_directory as channels using (channel_id)
),

blind_spots as (
    select
        count(*) as items,
        null::decimal(18, 2) as amount,
        string_agg(coalesce(region_name_zh, region_name), '、' order by region_id) as detail_zh,
        string_agg(region_name, ', ' order by region_id) as detail_en
    from marts.region_coverage
    where is_blind_spot
),

key_customers_quiet as (
    select
        count(*) as items,
        sum(revenue_reference_window) as amount,
        null as detail_zh,
        null as detail_en
    from marts.customer_churn
    where is_key_customer_gone_quiet
),

risks_above_threshold as (

    -- the risk register's risks past their configured threshold, most severe first; amount: their money at stake
    -- added up (the risks overlap: a partner selling out of territory is in partner choice and in channel conflict)
    select
        count(*) as items,
        sum(money_at_stake) as amount,
        string_agg(name_zh, '、' order by severity_rank) as detail_zh,
        string_agg(name_en, ', ' order by severity_rank) as detail_en
    from marts.risk_register
    where is_above_threshold

),

stale_sources as (
    select
        count(distinct source) as items,
        null::decimal(18, 2) as amount,
        -- the sources by their names, not their codes
        string_agg(distinct case source
            when 'order_system' then '订单系统' when 'crm' then 'CRM' when 'partner_files' then '合作伙伴文件'
            else source end, '、') as detail_zh,
        string_agg(distinct case source
            when 'order_system' then 'order system' when 'crm' then 'CRM' when 'partner_files' then 'partner files'
            else source end, ', ') as detail_en
    from marts.source_freshness
    where is_stale or is_overdue
),

findings as (
    select 1 as finding_order, 'loss_making_channels' as finding, '渠道亏损' as title_zh,
        'Channels losing money' as title_en, '/channels/profitability' as link, *
    from loss_making_channels
    union all
    select 2, 'cross_territory_selling', '窜货（跨区域销售）', 'Cross-territory selling', '/channels/conflict', *
    from cross_territory
    union all
    select 3, 'below_floor_price', '低于最低限价销售', 'Sales below the floor price', '/channels/conflict', *
    from below_floor
    union all
    select 4, 'blind_spots', '有需求无网点的区域', 'Regions with demand and no outlet', '/channels/coverage', *
    from blind_spots
    union all
    select 5, 'key_customers_gone_quiet', '关键客户流失预警', 'Key customers gone quiet', '/customers/churn', *
    from key_customers_quiet
    union all
    select 6, 'risks_above_threshold', '风险高于阈值', 'Risks above threshold', '/channels/risks', *
    from risks_above_threshold
    union all
    select 7, 'stale_sources', '数据源未按时更新', 'Sources out of date', null, *
    from stale_sources
),

final as (
    select
        finding_order,
        finding,
        title_zh,
        title_en,
        coalesce(items, 0) as items,
        round(amount, 2)::decimal(18, 2) as amount,
        -- the first few names only: the evidence page lists them all
        case
            when length(detail_zh) > 60 then left(detail_zh, 58) || '…'
            else detail_zh
        end as detail_zh,
        case
            when length(detail_en) > 80 then left(detail_en, 78) || '…'
            else detail_en
        end as detail_en,
        link,
        coalesce(items, 0) > 0 as needs_action
    from findings
)

select * from final
