/**
 * The planted truths: seven situations the plan asks the warehouse to find, put into the data on
 * purpose, with the rule (in words and as DuckDB SQL over tables named like the source
 * contracts) that finds them. With `plants: false` the same rules find nothing at all, which is
 * what makes them usable as exact test oracles for the marts.
 */
import { type Month, isoDate } from "./calendar.js";
import { type MasterData, type Partner, type Product, partnerActiveOn } from "./master-data.js";
import { BELOW_FLOOR_PRODUCT_ID, NEIGHBOURS, UNCOVERED_REGION_ID } from "./reference-data.js";
import type { QuietRule } from "./orders.js";

export interface PlantPlan {
  readonly crossTerritory: {
    readonly partner: Partner;
    readonly regionIndex: number;
    readonly monthIndices: readonly number[];
  } | null;
  readonly belowFloor: { readonly partner: Partner; readonly product: Product; readonly monthIndex: number } | null;
}

function activeThroughout(partner: Partner, months: readonly Month[]): boolean {
  return months.every((m) => partnerActiveOn(partner, m.startDay) && partnerActiveOn(partner, m.startDay + m.days));
}

/** Chooses who misbehaves, from the master data alone (so the choice is stable across runs). */
export function planTruths(master: MasterData, months: readonly Month[], plants: boolean): PlantPlan {
  if (!plants) return { crossTerritory: null, belowFloor: null };
  const n = months.length;
  const crossMonths = [n - 7, n - 6, n - 5];
  const byVolume = [...master.partners].sort((a, b) => b.volume - a.volume || a.index - b.index);

  let crossTerritory: PlantPlan["crossTerritory"] = null;
  for (const partner of byVolume) {
    if (master.channels[partner.channelIndex]!.ref.id !== "DIST-REG") continue;
    if (
      !activeThroughout(
        partner,
        crossMonths.map((i) => months[i] as Month),
      )
    )
      continue;
    const authorised = new Set(partner.territories.map((t) => t.regionIndex));
    const home = master.regions[partner.homeRegionIndex]!;
    const candidates = (NEIGHBOURS[home.ref.id] ?? [])
      .filter((id) => id !== UNCOVERED_REGION_ID)
      .map((id) => master.regionIndexById.get(id) as number)
      .filter((r) => !authorised.has(r))
      .sort((a, b) => master.regions[b]!.demand - master.regions[a]!.demand);
    if (candidates.length === 0) continue;
    crossTerritory = { partner, regionIndex: candidates[0] as number, monthIndices: crossMonths };
    break;
  }
  if (!crossTerritory) throw new Error("no partner can carry the cross-territory truth");

  const product = master.products.find((p) => p.ref.id === BELOW_FLOOR_PRODUCT_ID) as Product;
  const belowMonth = n - 3;
  let belowFloor: PlantPlan["belowFloor"] = null;
  for (const partner of byVolume) {
    if (partner === crossTerritory.partner || !master.channels[partner.channelIndex]!.ref.id.startsWith("RET"))
      continue;
    if (!activeThroughout(partner, [months[belowMonth] as Month])) continue;
    belowFloor = { partner, product, monthIndex: belowMonth };
    break;
  }
  if (!belowFloor) throw new Error("no partner can carry the below-floor truth");
  return { crossTerritory, belowFloor };
}

/** Dates the rules are evaluated against. */
export interface RuleDates {
  readonly as_of: string;
  /** Exclusive end of history: the day after as-of, 00:00 UTC. */
  readonly history_end: string;
  readonly history_start: string;
  readonly quiet_since: string;
  readonly quiet_days: number;
  readonly reference_start: string;
  readonly demand_since: string;
}

export function ruleDates(months: readonly Month[], quiet: QuietRule): RuleDates {
  const first = months[0] as Month;
  const last = months[months.length - 1] as Month;
  const quietStart = months[quiet.quietStartMonth] as Month;
  const refStart = months[quiet.refStartMonth] as Month;
  const asOfDay = last.startDay + last.days - 1;
  return {
    as_of: isoDate(asOfDay),
    history_end: isoDate(asOfDay + 1),
    history_start: isoDate(first.startDay),
    quiet_since: isoDate(quietStart.startDay),
    quiet_days: asOfDay - quietStart.startDay + 1,
    reference_start: isoDate(refStart.startDay),
    demand_since: isoDate((months[months.length - 12] as Month).startDay),
  };
}

/** How a channel's contribution is computed, over a period (here: the whole history). */
export const CONTRIBUTION_FORMULA =
  "contribution = revenue - COGS - rebates - platform fees - commissions - marketing spend - management cost. " +
  "revenue: sum(line_amount) of the channel's completed orders; COGS: sum(quantity * products.unit_cost) of those lines; " +
  "rebates: for each partner and calendar month, rebate_rate * that month's completed sell-in revenue of the partner when it reaches monthly_threshold " +
  "(policy of the partner's channel valid on the month's first day; rounded to the cent per partner-month); " +
  "platform fees: revenue * platform_fee_rate; commissions: revenue * commission_rate; marketing spend: sum(spend_amount) for months in the period; " +
  "management cost: monthly_management_cost * number of months in the period from the channel's launch month on. Returns are not deducted.";

/** The converting journeys both journey truths read (touches are stitched to customers through their visitor id). */
const JOURNEY_DEFINITION =
  "Converting journeys: for every customer created on or after history_start, their first order (earliest ordered_at, any status; " +
  "ties by order_id) and the touches before it (occurred_at < ordered_at) of every visitor_id any of whose touches names the customer, " +
  "oldest first (ties by touch_id). The order's channel ends the journey; it is not a touch.";

function journeysSql(d: RuleDates): string {
  return `with first_orders as (
  select o.customer_id, o.channel_id, o.ordered_at
  from orders o join customers c on c.customer_id = o.customer_id
  where c.created_at >= TIMESTAMP '${d.history_start}'
  qualify row_number() over (partition by o.customer_id order by o.ordered_at, o.order_id) = 1
),
people as (
  select visitor_id, max(customer_id) as customer_id from touches group by visitor_id having count(customer_id) > 0
),
journeys as (
  select f.customer_id, f.channel_id as order_channel_id, t.channel_id,
    row_number() over (partition by f.customer_id order by t.occurred_at, t.touch_id) as step,
    count(*) over (partition by f.customer_id) as touches
  from first_orders f
  join people p on p.customer_id = f.customer_id
  join touches t on t.visitor_id = p.visitor_id and t.occurred_at < f.ordered_at
)`;
}

export const RULES = {
  cross_territory_sales: {
    name_zh: "窜货",
    rule:
      "A partner sell-through line whose ship_to_region_id is not covered, on its sale_date, by any partner_territories row of the same partner " +
      "(valid_from <= sale_date and (valid_to is null or sale_date <= valid_to); valid_to is the last valid day, inclusive). " +
      "Grouped by partner, region and month.",
    sql: (
      _d: RuleDates,
    ) => `select st.partner_id, st.ship_to_region_id as region_id, strftime(st.sale_date, '%Y-%m') as month, count(*) as lines
from sell_through st
where not exists (
  select 1 from partner_territories t
  where t.partner_id = st.partner_id and t.region_id = st.ship_to_region_id
    and st.sale_date >= t.valid_from and (t.valid_to is null or st.sale_date <= t.valid_to))
group by all
order by all`,
  },
  negative_contribution_channel: {
    name_zh: "渠道贡献为负",
    rule: `A channel whose contribution over the whole history is below zero. ${CONTRIBUTION_FORMULA}`,
    sql: (d: RuleDates, onlyNegative = true) => `with lines as (
  select o.channel_id, o.partner_id, cast(date_trunc('month', o.ordered_at) as date) as month, l.line_amount, l.quantity * p.unit_cost as cogs
  from orders o join order_lines l on l.order_id = o.order_id join products p on p.product_id = l.product_id
  where o.status = 'completed' and o.ordered_at >= TIMESTAMP '${d.history_start}' and o.ordered_at < TIMESTAMP '${d.history_end}'
),
sales as (select channel_id, sum(line_amount) as revenue, sum(cogs) as cogs from lines group by channel_id),
partner_months as (select channel_id, partner_id, month, sum(line_amount) as revenue from lines where partner_id is not null group by all),
rebates as (
  select pm.channel_id, sum(case when pm.revenue >= rp.monthly_threshold then round(pm.revenue * rp.rebate_rate, 2) else 0 end) as rebates
  from partner_months pm
  join rebate_policies rp on rp.channel_id = pm.channel_id and rp.valid_from <= pm.month and (rp.valid_to is null or rp.valid_to >= pm.month)
  group by pm.channel_id
),
marketing as (
  select channel_id, sum(spend_amount) as marketing_spend from marketing_spend
  where month >= DATE '${d.history_start}' and month < DATE '${d.history_end}' group by channel_id
),
management as (
  select c.channel_id, c.monthly_management_cost * count(*) as management_cost
  from channels c, range(TIMESTAMP '${d.history_start}', TIMESTAMP '${d.history_end}', INTERVAL 1 MONTH) as m(month)
  where date_trunc('month', c.launched_on) <= m.month
  group by c.channel_id, c.monthly_management_cost
),
economics as (
  select c.channel_id,
    coalesce(s.revenue, 0) as revenue,
    coalesce(s.cogs, 0) as cogs,
    coalesce(r.rebates, 0) as rebates,
    coalesce(s.revenue, 0) * c.platform_fee_rate as platform_fees,
    coalesce(s.revenue, 0) * c.commission_rate as commissions,
    coalesce(mk.marketing_spend, 0) as marketing_spend,
    coalesce(mg.management_cost, 0) as management_cost
  from channels c
  left join sales s on s.channel_id = c.channel_id
  left join rebates r on r.channel_id = c.channel_id
  left join marketing mk on mk.channel_id = c.channel_id
  left join management mg on mg.channel_id = c.channel_id
)
select channel_id, revenue, cogs, rebates, platform_fees, commissions, marketing_spend, management_cost,
  revenue - cogs - rebates - platform_fees - commissions - marketing_spend - management_cost as contribution
from economics
${onlyNegative ? "where revenue - cogs - rebates - platform_fees - commissions - marketing_spend - management_cost < 0\n" : ""}order by channel_id`,
  },
  demand_without_outlet: {
    name_zh: "有需求无网点（覆盖盲区）",
    rule:
      "A region with demand — CRM customers living there, leads created there in the last 12 months, or completed orders of online channels shipped " +
      "there in the last 12 months — that no partner is authorised for on the as-of date (no partner_territories row valid on as-of of a partner " +
      "signed on or before as-of and not terminated by then: terminated_on null or after as-of).",
    sql: (d: RuleDates) => `with demand as (
  select region_id, 'customers' as signal from customers
  union all
  select region_id, 'leads' from leads where created_at >= TIMESTAMP '${d.demand_since}'
  union all
  select o.ship_to_region_id, 'online_orders' from orders o join channels c on c.channel_id = o.channel_id
  where c.is_online and o.status = 'completed' and o.ordered_at >= TIMESTAMP '${d.demand_since}'
),
covered as (
  select distinct t.region_id from partner_territories t join partners p on p.partner_id = t.partner_id
  where t.valid_from <= DATE '${d.as_of}' and (t.valid_to is null or t.valid_to >= DATE '${d.as_of}')
    and p.signed_on <= DATE '${d.as_of}' and (p.terminated_on is null or p.terminated_on > DATE '${d.as_of}')
)
select region_id,
  count(*) filter (where signal = 'customers') as customers,
  count(*) filter (where signal = 'leads') as leads,
  count(*) filter (where signal = 'online_orders') as online_orders
from demand
where region_id not in (select region_id from covered)
group by region_id
order by region_id`,
  },
  high_value_customers_gone_quiet: {
    name_zh: "高价值客户沉默（流失预警）",
    rule:
      "Reference window: the 12 months before quiet_since. Rank customers with completed orders in the reference window by their spend there " +
      "(sum of line_amount, descending; ties by customer_id); the top 10% are ranks <= ceil(0.10 * number of such customers). A customer is flagged " +
      "when in the top 10%, with at least 4 completed orders in the reference window, and without any completed order from quiet_since to as-of.",
    sql: (d: RuleDates) => `with ref as (
  select o.customer_id, count(distinct o.order_id) as orders, sum(l.line_amount) as spend
  from orders o join order_lines l on l.order_id = o.order_id
  where o.status = 'completed' and o.customer_id is not null
    and o.ordered_at >= TIMESTAMP '${d.reference_start}' and o.ordered_at < TIMESTAMP '${d.quiet_since}'
  group by o.customer_id
),
ranked as (
  select *, row_number() over (order by spend desc, customer_id) as spend_rank, count(*) over () as customers from ref
),
recent as (
  select distinct customer_id from orders
  where status = 'completed' and customer_id is not null and ordered_at >= TIMESTAMP '${d.quiet_since}'
)
select customer_id, orders, spend, spend_rank
from ranked
where spend_rank <= ceil(customers * 0.10) and orders >= 4 and customer_id not in (select customer_id from recent)
order by customer_id`,
  },
  below_price_floor: {
    name_zh: "低于最低限价销售（乱价）",
    rule:
      "A partner sell-through line with unit_price below the floor_price of the price_list row valid on its sale_date (matched on sku -> product_id), " +
      "or a direct order line (orders.partner_id null, any status) whose unit_price, or effective price line_amount / quantity, is below the floor " +
      "valid on the order date. Sell-in lines to partners are not checked: partners buy at partner_price, which sits below the floor by design.",
    sql: (_d: RuleDates) => `with sell_through_below as (
  select 'sell_through' as source, s.partner_id, p.product_id, s.sku, strftime(s.sale_date, '%Y-%m') as month
  from sell_through s
  join products p on p.sku = s.sku
  join price_list pl on pl.product_id = p.product_id and s.sale_date >= pl.valid_from and (pl.valid_to is null or s.sale_date <= pl.valid_to)
  where s.unit_price < pl.floor_price
),
direct_below as (
  select 'order_lines' as source, cast(null as varchar) as partner_id, l.product_id, p.sku, strftime(o.ordered_at, '%Y-%m') as month
  from orders o
  join order_lines l on l.order_id = o.order_id
  join products p on p.product_id = l.product_id
  join price_list pl on pl.product_id = l.product_id
    and cast(o.ordered_at as date) >= pl.valid_from and (pl.valid_to is null or cast(o.ordered_at as date) <= pl.valid_to)
  where o.partner_id is null and (l.unit_price < pl.floor_price or l.line_amount < l.quantity * pl.floor_price)
)
select source, partner_id, product_id, sku, month, count(*) as lines
from (select * from sell_through_below union all select * from direct_below)
group by all
order by all`,
  },
  assisting_channel: {
    name_zh: "只种草不收割的渠道（助攻渠道）",
    rule: `${JOURNEY_DEFINITION} A channel is assisting when it is the first touch of at least 25% of the converting journeys with two or more touches and the last touch of fewer than 5% of them.`,
    sql: (d: RuleDates) => `${journeysSql(d)},
multi as (select * from journeys where touches >= 2),
totals as (select count(distinct customer_id) as journeys from multi),
roles as (
  select m.channel_id, t.journeys,
    count(*) filter (where m.step = 1) as first_touches,
    count(*) filter (where m.step = m.touches) as last_touches
  from multi m, totals t
  group by m.channel_id, t.journeys
)
select r.channel_id, r.journeys, r.first_touches, r.last_touches,
  (select count(*) from first_orders f where f.channel_id = r.channel_id) as first_orders
from roles r
where r.first_touches >= 0.25 * r.journeys and r.last_touches < 0.05 * r.journeys
order by r.channel_id`,
  },
  closing_channel: {
    name_zh: "收割渠道",
    rule: `${JOURNEY_DEFINITION} A channel is closing when it took at least 50 such first orders and at least 85% of them came after a touch on another channel.`,
    sql: (d: RuleDates) => `${journeysSql(d)},
after_other as (select distinct customer_id from journeys where channel_id <> order_channel_id)
select f.channel_id, count(*) as first_orders, count(a.customer_id) as after_other_channel
from first_orders f left join after_other a on a.customer_id = f.customer_id
group by f.channel_id
having count(*) >= 50 and count(a.customer_id) >= 0.85 * count(*)
order by f.channel_id`,
  },
} as const;

export type TruthName = keyof typeof RULES;

export function ruleSql(name: TruthName, dates: RuleDates): string {
  return RULES[name].sql(dates);
}

/** The contribution of every channel (the negative-contribution rule without its filter). */
export function contributionSql(dates: RuleDates): string {
  return RULES.negative_contribution_channel.sql(dates, false);
}
