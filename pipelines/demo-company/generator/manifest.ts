/**
 * manifest.json: what was generated (options, layout, row counts, content hashes), the control
 * totals the warehouse reconciles against, each channel's contribution, and the planted truths
 * with the exact identifiers a mart must find and the rule it uses to find them.
 */
import { COMPANY } from "./reference-data.js";
import type { GenerationResult } from "./company.js";
import { customerId } from "./customers.js";
import { moneyNumber } from "./format.js";
import { CONTRIBUTION_FORMULA, RULES, type RuleDates, type TruthName, ruleSql } from "./planted-truths.js";
import { ASSISTING_CHANNEL_ID, CLOSING_CHANNEL_ID, NEGATIVE_CHANNEL_ID } from "./reference-data.js";

/** Bump whenever generated data changes for the same options, so cached demo folders are rebuilt. */
export const GENERATOR_VERSION = 4;

export const DEMO_LAYOUT = {
  order_system_csv: "order-system/csv",
  order_system_pgdata: "order-system/pgdata",
  crm: "crm",
  partner_drops: "partner-drops",
} as const;

export interface ChannelEconomics {
  readonly revenue: number;
  readonly cogs: number;
  readonly rebates: number;
  readonly platform_fees: number;
  readonly commissions: number;
  readonly marketing_spend: number;
  readonly management_cost: number;
  readonly contribution: number;
  /** contribution / revenue */
  readonly contribution_margin: number | null;
  readonly gross_margin: number | null;
  readonly refunds: number;
}

export interface TruthEntry {
  readonly name_zh: string;
  readonly planted: boolean;
  readonly rule: string;
  /** DuckDB SQL over tables named as in the source contracts; returns exactly the planted findings (none when clean). */
  readonly sql: string;
  readonly expected: Record<string, unknown> | null;
}

export interface DemoManifest {
  readonly generator: "demo-company";
  readonly version: number;
  readonly seed: number;
  readonly scale: number;
  readonly plants: boolean;
  /** Last day of history (UTC); nothing in the data is later. */
  readonly as_of: string;
  readonly company: typeof COMPANY;
  readonly history: { readonly start: string; readonly end: string; readonly months: number; readonly timezone: "UTC" };
  readonly layout: typeof DEMO_LAYOUT;
  readonly row_counts: Record<string, number>;
  readonly content_sha256: Record<string, string>;
  readonly control_totals: {
    readonly currency: "CNY";
    readonly revenue: {
      readonly definition: string;
      readonly total: number;
      readonly by_channel: Record<string, number>;
    };
    readonly completed_orders: number;
    readonly cancelled_orders: number;
    readonly refunds_total: number;
    readonly marketing_spend_total: number;
    readonly sell_through: {
      readonly lines: number;
      readonly lines_with_customer: number;
      readonly amount_total: number;
    };
  };
  readonly channel_contribution: {
    readonly formula: string;
    readonly period: { readonly start: string; readonly end: string };
    readonly by_channel: Record<string, ChannelEconomics>;
  };
  readonly partner_drops: {
    readonly dir: string;
    readonly file_name_pattern: string;
    readonly files_by_format: Record<string, number>;
  };
  readonly planted_truths: {
    readonly enabled: boolean;
    readonly dates: RuleDates;
    readonly truths: Record<TruthName, TruthEntry>;
  };
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);

export function channelEconomics(result: GenerationResult): Record<string, ChannelEconomics> {
  const { master, orders, marketing, months } = result;
  const out: Record<string, ChannelEconomics> = {};
  for (const channel of master.channels) {
    const i = channel.index;
    const revenue = orders.revenueByChannel[i] as number;
    const cogs = orders.cogsByChannel[i] as number;
    const rebates = orders.rebatesByChannel[i] as number;
    const fees = revenue * channel.ref.platformFeeRate;
    const commissions = revenue * channel.ref.commissionRate;
    const spend = marketing.spendByChannel[i] as number;
    const activeMonths = months.filter((m) => channel.launchedMs < m.endMs).length;
    const management = channel.monthlyManagementCents * activeMonths;
    const contribution = revenue - cogs - rebates - fees - commissions - spend - management;
    out[channel.ref.id] = {
      revenue: moneyNumber(revenue),
      cogs: moneyNumber(cogs),
      rebates: moneyNumber(rebates),
      platform_fees: moneyNumber(Math.round(fees)),
      commissions: moneyNumber(Math.round(commissions)),
      marketing_spend: moneyNumber(spend),
      management_cost: moneyNumber(management),
      contribution: moneyNumber(Math.round(contribution)),
      contribution_margin: ratio(contribution, revenue),
      gross_margin: ratio(revenue - cogs, revenue),
      refunds: moneyNumber(orders.refundsByChannel[i] as number),
    };
  }
  return out;
}

export function revenueTotals(result: GenerationResult): { total: number; by_channel: Record<string, number> } {
  let total = 0;
  const byChannel: Record<string, number> = {};
  for (const channel of result.master.channels) {
    const cents = result.orders.revenueByChannel[channel.index] as number;
    total += cents;
    byChannel[channel.ref.id] = moneyNumber(cents);
  }
  return { total: moneyNumber(total), by_channel: byChannel };
}

/** What the journey rules (assisting_channel, closing_channel) return for a channel, from the generator's own count. */
function journeyRole(result: GenerationResult, channelId: string): Record<string, unknown> {
  const touches = result.crm!.generator.touches;
  const channel = result.master.channels[result.master.channelIndexById.get(channelId) as number]!;
  const c = touches.byChannel[channel.index]!;
  const journeys = touches.stats.multiTouchJourneys;
  return {
    channel_id: channel.ref.id,
    channel_name: channel.ref.name,
    /** Converting journeys with two or more touches; how many the channel opened and closed. */
    journeys,
    first_touches: c.firstTouches,
    last_touches: c.lastTouches,
    first_touch_share: ratio(c.firstTouches, journeys),
    last_touch_share: ratio(c.lastTouches, journeys),
    /** First orders inside the history on the channel, and how many came after a touch on another channel. */
    first_orders: c.firstOrders,
    after_other_channel: c.firstOrdersAfterOtherChannel,
    after_other_channel_share: ratio(c.firstOrdersAfterOtherChannel, c.firstOrders),
  };
}

export const REVENUE_DEFINITION =
  "sum(order_lines.line_amount) of orders with status = 'completed' (gross of returns), CNY";

export function buildManifest(result: GenerationResult): DemoManifest {
  const { crm, drops, master, orders, options, dates, plan } = result;
  if (!crm || !drops) throw new Error("a full manifest needs the CRM and the partner drops");
  const economics = channelEconomics(result);
  const rowCounts: Record<string, number> = {};
  const hashes: Record<string, string> = {};
  for (const [name, t] of Object.entries(result.orderSystem)) {
    rowCounts[name] = t.rows;
    hashes[name] = t.sha256;
  }
  for (const [name, t] of Object.entries(crm.tables)) {
    rowCounts[name] = t.rows;
    hashes[name] = t.sha256;
  }
  rowCounts.sell_through = drops.writer.lines;
  rowCounts.partner_drop_files = drops.writer.files;
  hashes.sell_through = drops.rowsSha256;
  hashes.partner_drop_files = drops.filesSha256;

  const truth = (name: TruthName, expected: Record<string, unknown> | null): TruthEntry => ({
    name_zh: RULES[name].name_zh,
    planted: options.plants,
    rule: RULES[name].rule,
    sql: ruleSql(name, dates),
    expected: options.plants ? expected : null,
  });

  const cross = plan.crossTerritory;
  const crossByMonth = Object.fromEntries([...drops.generator.stats.crossTerritoryByMonth.entries()].sort());
  const below = plan.belowFloor;
  const uncovered = master.uncoveredRegionIndex;
  let uncoveredCustomers = 0;
  if (uncovered >= 0)
    for (let i = 0; i < result.customers.count; i++) if (result.customers.region[i] === uncovered) uncoveredCustomers++;
  const nMonths = result.months.length;
  let uncoveredOnlineOrders = 0;
  if (uncovered >= 0)
    for (let m = nMonths - 12; m < nMonths; m++)
      uncoveredOnlineOrders += orders.onlineOrdersByRegionMonth[uncovered * nMonths + m] as number;
  const negative = economics[NEGATIVE_CHANNEL_ID] as ChannelEconomics;
  const revenue = revenueTotals(result);

  return {
    generator: "demo-company",
    version: GENERATOR_VERSION,
    seed: options.seed,
    scale: options.scale,
    plants: options.plants,
    as_of: options.asOf,
    company: COMPANY,
    history: { start: dates.history_start, end: dates.as_of, months: nMonths, timezone: "UTC" },
    layout: DEMO_LAYOUT,
    row_counts: rowCounts,
    content_sha256: hashes,
    control_totals: {
      currency: "CNY",
      revenue: { definition: REVENUE_DEFINITION, ...revenue },
      completed_orders: orders.counts.orders - orders.counts.cancelled_orders,
      cancelled_orders: orders.counts.cancelled_orders,
      refunds_total: moneyNumber(Array.from(orders.refundsByChannel).reduce((a, b) => a + b, 0)),
      marketing_spend_total: moneyNumber(Array.from(result.marketing.spendByChannel).reduce((a, b) => a + b, 0)),
      sell_through: {
        lines: drops.generator.stats.lines,
        lines_with_customer: drops.generator.stats.linesWithCustomer,
        amount_total: moneyNumber(drops.generator.stats.amountCents),
      },
    },
    channel_contribution: {
      formula: CONTRIBUTION_FORMULA,
      period: { start: dates.history_start, end: dates.as_of },
      by_channel: economics,
    },
    partner_drops: {
      dir: DEMO_LAYOUT.partner_drops,
      file_name_pattern: "sell_through_<partner_id>_<YYYY-MM>.csv|xlsx",
      files_by_format: { ...drops.writer.filesByFormat },
    },
    planted_truths: {
      enabled: options.plants,
      dates,
      truths: {
        cross_territory_sales: truth(
          "cross_territory_sales",
          cross && {
            partner_id: cross.partner.id,
            partner_name: cross.partner.name,
            channel_id: master.channels[cross.partner.channelIndex]!.ref.id,
            home_region_id: master.regions[cross.partner.homeRegionIndex]!.ref.id,
            region_id: master.regions[cross.regionIndex]!.ref.id,
            months: Object.keys(crossByMonth),
            lines: drops.generator.stats.crossTerritoryLines,
            lines_by_month: crossByMonth,
          },
        ),
        negative_contribution_channel: truth("negative_contribution_channel", {
          channel_id: NEGATIVE_CHANNEL_ID,
          channel_name: master.channels[master.channelIndexById.get(NEGATIVE_CHANNEL_ID) as number]!.ref.name,
          period: { start: dates.history_start, end: dates.as_of },
          contribution: negative.contribution,
          revenue: negative.revenue,
          contribution_margin: negative.contribution_margin,
        }),
        demand_without_outlet: truth(
          "demand_without_outlet",
          uncovered < 0
            ? null
            : {
                region_id: master.regions[uncovered]!.ref.id,
                region_name: master.regions[uncovered]!.ref.name,
                region_name_zh: master.regions[uncovered]!.ref.nameZh,
                customers: uncoveredCustomers,
                leads: crm.generator.recentLeadsByRegion[uncovered] as number,
                online_orders: uncoveredOnlineOrders,
              },
        ),
        high_value_customers_gone_quiet: truth("high_value_customers_gone_quiet", {
          customer_ids: orders.plantedQuietIndices.map(customerId),
          count: orders.plantedQuietIndices.length,
          quiet_since: dates.quiet_since,
          quiet_days: dates.quiet_days,
          reference_start: dates.reference_start,
          min_orders: orders.quiet.minOrders,
          top_share: orders.quiet.topShare,
        }),
        below_price_floor: truth(
          "below_price_floor",
          below && {
            partner_id: below.partner.id,
            partner_name: below.partner.name,
            product_id: below.product.ref.id,
            sku: below.product.ref.sku,
            month: result.months[below.monthIndex]!.key,
            lines: drops.generator.stats.belowFloorLines,
          },
        ),
        assisting_channel: truth("assisting_channel", journeyRole(result, ASSISTING_CHANNEL_ID)),
        closing_channel: truth("closing_channel", journeyRole(result, CLOSING_CHANNEL_ID)),
      },
    },
  };
}
