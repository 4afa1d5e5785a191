/**
 * The order system's transactions, one month at a time: direct sales to customers, sell-in to
 * partners, their lines and returns. A month is generated, sorted by time, numbered and written,
 * then dropped; only per-customer and per-partner counters survive between months.
 */
import { DAY_MS, type Month, MonthSeason, sqlTimestamp } from "./calendar.js";
import {
  Catalog,
  businessQuantity,
  consumerQuantity,
  priceDirectLine,
  priceSellInLine,
  sellInQuantity,
} from "./catalog.js";
import { type CustomerBase, NEVER, customerId } from "./customers.js";
import { money } from "./format.js";
import { type MasterData, partnerVolumeFactor, priceOn } from "./master-data.js";
import { type Rng, rngFor } from "./random.js";
import type { ProductMix } from "./reference-data.js";

export interface GenLine {
  readonly product: number;
  readonly quantity: number;
  readonly unitCents: number;
  readonly discountCents: number;
  readonly amountCents: number;
}

export interface GenOrder {
  ms: number;
  channel: number;
  /** -1 for direct sales. */
  partner: number;
  /** -1 for sell-in. */
  customer: number;
  region: number;
  completed: boolean;
  lines: GenLine[];
}

export interface RowSink {
  write(values: readonly (string | null)[]): void;
  /** Rows of ids, numbers and timestamps only, which never need CSV quoting. */
  writeTrusted?(values: readonly (string | null)[]): void;
}

/** Knobs of the "high-value customers gone quiet" truth (see planted-truths.ts for the rule). */
export interface QuietRule {
  readonly minOrders: number;
  readonly topShare: number;
  /** First month of the 12-month reference window. */
  readonly refStartMonth: number;
  /** First month of the quiet window (the last four months). */
  readonly quietStartMonth: number;
}

export function quietRuleFor(months: readonly Month[]): QuietRule {
  const quietStartMonth = months.length - 4;
  return { minOrders: 4, topShare: 0.1, refStartMonth: quietStartMonth - 12, quietStartMonth };
}

const RETURN_REASONS = ["defective", "wrong_item", "not_as_described", "late_delivery", "changed_mind"] as const;
const REASON_WEIGHTS: Record<string, readonly number[]> = {
  partner: [0.6, 0.25, 0.0, 0.15, 0.0],
  emerging: [0.15, 0.1, 0.3, 0.1, 0.35],
  default: [0.3, 0.15, 0.15, 0.15, 0.25],
};

export class OrderGenerator {
  readonly quiet: QuietRule;
  /** Completed orders and spend (cents) per customer inside the reference window. */
  readonly refOrders: Int32Array;
  readonly refSpend: Float64Array;
  /** Month (index) in which a regular customer is guaranteed a completed order; -1 = none. */
  private readonly guaranteedMonth: Int16Array;
  readonly plantedQuiet: Uint8Array;
  plantedQuietIndices: number[] = [];
  /** Completed orders per customer and month (capped at 255), for the CRM's touchpoints. */
  readonly ordersByCustomerMonth: Uint8Array;

  // Running control totals, in cents.
  readonly revenueByChannel: Float64Array;
  readonly cogsByChannel: Float64Array;
  readonly refundsByChannel: Float64Array;
  readonly rebatesByChannel: Float64Array;
  readonly revenueByMonth: Float64Array;
  readonly onlineRevenueByMonth: Float64Array;
  /** channel x month and region x month revenue, for targets. */
  readonly revenueByChannelMonth: Float64Array;
  readonly revenueByRegionMonth: Float64Array;
  /** Completed orders of online channels per ship-to region and month (demand signal). */
  readonly onlineOrdersByRegionMonth: Float64Array;
  readonly completedOrdersByMonth: Float64Array;
  readonly newCustomerOrdersByMonth: Float64Array;
  readonly counts = { orders: 0, order_lines: 0, returns: 0, cancelled_orders: 0 };

  /** Per month, reset at each month: revenue per channel x region, sell-in per partner. */
  readonly monthChannelRegionRevenue: Float64Array;
  readonly monthChannelRegionOrders: Float64Array;
  readonly monthPartnerRevenue: Float64Array;
  /** Units bought per partner x product this month and last month (sell-through follows sell-in). */
  monthPartnerUnits: Int32Array;
  previousPartnerUnits: Int32Array;

  private returnCounter = 0;
  private readonly asOfEndMs: number;
  private readonly nChannels: number;
  private readonly nRegions: number;
  private readonly nProducts: number;

  constructor(
    private readonly seed: number,
    private readonly scale: number,
    private readonly plants: boolean,
    private readonly months: readonly Month[],
    private readonly master: MasterData,
    private readonly customers: CustomerBase,
  ) {
    this.quiet = quietRuleFor(months);
    const n = customers.count;
    this.refOrders = new Int32Array(n);
    this.refSpend = new Float64Array(n);
    this.guaranteedMonth = new Int16Array(n).fill(-1);
    this.plantedQuiet = new Uint8Array(n);
    this.ordersByCustomerMonth = new Uint8Array(n * months.length);
    this.nChannels = master.channels.length;
    this.nRegions = master.regions.length;
    this.nProducts = master.products.length;
    this.revenueByChannel = new Float64Array(this.nChannels);
    this.cogsByChannel = new Float64Array(this.nChannels);
    this.refundsByChannel = new Float64Array(this.nChannels);
    this.rebatesByChannel = new Float64Array(this.nChannels);
    this.revenueByMonth = new Float64Array(months.length);
    this.onlineRevenueByMonth = new Float64Array(months.length);
    this.revenueByChannelMonth = new Float64Array(this.nChannels * months.length);
    this.revenueByRegionMonth = new Float64Array(this.nRegions * months.length);
    this.onlineOrdersByRegionMonth = new Float64Array(this.nRegions * months.length);
    this.completedOrdersByMonth = new Float64Array(months.length);
    this.newCustomerOrdersByMonth = new Float64Array(months.length);
    this.monthChannelRegionRevenue = new Float64Array(this.nChannels * this.nRegions);
    this.monthChannelRegionOrders = new Float64Array(this.nChannels * this.nRegions);
    this.monthPartnerRevenue = new Float64Array(master.partners.length);
    this.monthPartnerUnits = new Int32Array(master.partners.length * this.nProducts);
    this.previousPartnerUnits = new Int32Array(master.partners.length * this.nProducts);
    const last = months[months.length - 1] as Month;
    this.asOfEndMs = last.endMs - 1000;
  }

  /**
   * Decided when the reference window closes: which regular customers go quiet (planted), and
   * a guaranteed purchase in the quiet window for every other customer the rule could catch.
   */
  private planQuietWindow(): void {
    const n = this.customers.count;
    const rng = rngFor(this.seed, "quiet_customers");
    const spenders: number[] = [];
    for (let i = 0; i < n; i++) if ((this.refSpend[i] as number) > 0) spenders.push(i);
    spenders.sort((a, b) => (this.refSpend[b] as number) - (this.refSpend[a] as number) || a - b);
    if (this.plants) {
      // Well inside the top tier and well above the order threshold, so any reasonable reading
      // of "top 10%" and ties still selects them.
      const top = spenders.slice(0, Math.ceil(spenders.length * this.quiet.topShare * 0.5));
      const eligible = top.filter((i) => (this.refOrders[i] as number) >= this.quiet.minOrders + 2);
      const wanted = Math.min(eligible.length, Math.max(3, Math.round(15 * this.scale)));
      const chosen = rng
        .shuffle([...eligible])
        .slice(0, wanted)
        .sort((a, b) => a - b);
      for (const i of chosen) this.plantedQuiet[i] = 1;
      this.plantedQuietIndices = chosen;
    }
    const first = this.quiet.quietStartMonth;
    const lastMonth = this.months.length - 1;
    for (let i = 0; i < n; i++) {
      if (this.plantedQuiet[i]) continue;
      if ((this.refOrders[i] as number) >= this.quiet.minOrders) this.guaranteedMonth[i] = rng.int(first, lastMonth);
    }
  }

  generateMonth(month: Month, sinks: { orders: RowSink; order_lines: RowSink; returns: RowSink } | null): void {
    const m = month.index;
    if (m === this.quiet.quietStartMonth) this.planQuietWindow();
    this.monthChannelRegionRevenue.fill(0);
    this.monthChannelRegionOrders.fill(0);
    this.monthPartnerRevenue.fill(0);
    const swap = this.previousPartnerUnits;
    this.previousPartnerUnits = this.monthPartnerUnits;
    this.monthPartnerUnits = swap;
    this.monthPartnerUnits.fill(0);

    const rng = rngFor(this.seed, "orders", m);
    const orders: GenOrder[] = [];
    this.generateDirect(month, rng, orders);
    this.generateSellIn(month, rng, orders);
    orders.sort((a, b) => a.ms - b.ms);
    this.emit(month, orders, sinks);
    this.settleRebates(month);
  }

  private generateDirect(month: Month, rng: Rng, out: GenOrder[]): void {
    const c = this.customers;
    const m = month.index;
    const master = this.master;
    const online = new MonthSeason(month, "online");
    const business = new MonthSeason(month, "business");
    const catalog = new Catalog(master, month.startDay);
    const cgb = master.channelIndexById.get("CGB-MT");
    const inQuiet = m >= this.quiet.quietStartMonth;
    const regionDemand = master.regions.map((r) => r.demand);
    for (let i = 0; i < c.count; i++) {
      const createdMonth = c.createdMonth[i] as number;
      if (createdMonth > m) break;
      if ((c.partner[i] as number) >= 0) continue;
      let churned = (c.churnMonth[i] as number) <= m;
      const guaranteed = this.guaranteedMonth[i] as number;
      if (inQuiet) {
        if (this.plantedQuiet[i]) continue;
        if (guaranteed >= 0) churned = false;
      }
      if (churned) continue;
      const isBusiness = c.isBusiness[i] === 1;
      const season = isBusiness ? business : online;
      const rate = c.rate[i] as number;
      const isFirst = createdMonth === m;
      const createdMs = c.createdMs[i] as number;
      let n: number;
      if (isFirst) {
        const remaining = (month.endMs - createdMs) / (month.endMs - month.startMs);
        n = 1 + rng.poisson(rate * season.level * remaining);
      } else {
        n = rng.poisson(rate * season.level);
      }
      const mustComplete = guaranteed === m;
      if (mustComplete && n === 0) n = 1;
      if (isFirst && month.endMs - createdMs < 60_000) n = 1;
      for (let k = 0; k < n; k++) {
        const firstOrder = isFirst && k === 0;
        const ms = firstOrder ? createdMs : season.sample(rng, isFirst ? createdMs + 1000 : month.startMs);
        let channelIndex = c.primaryChannel[i] as number;
        const secondary = c.secondaryChannel[i] as number;
        if (secondary !== 255 && !firstOrder && rng.chance(0.25) && master.channels[secondary]!.launchedMs <= ms) {
          channelIndex = secondary;
        }
        const channel = master.channels[channelIndex]!;
        const mix: ProductMix = isBusiness
          ? "business"
          : channelIndex === cgb
            ? "community"
            : firstOrder
              ? "consumer_first"
              : "consumer_repeat";
        const lineCount = isBusiness
          ? Math.min(6, 1 + rng.poisson(1.6))
          : mix === "community"
            ? rng.int(1, 3)
            : rng.weightedIndex([0.4, 0.3, 0.19, 0.11]) + 1;
        const day = Math.floor(ms / DAY_MS);
        const lines: GenLine[] = [];
        for (const product of catalog.pickDistinct(rng, mix, lineCount)) {
          const quantity = isBusiness ? businessQuantity(rng, product) : consumerQuantity(rng, product);
          const priced = priceDirectLine(rng, channel, priceOn(product, day), quantity, ms);
          lines.push({ product: product.index, quantity, ...priced });
        }
        const region = !isBusiness && rng.chance(0.03) ? rng.weightedIndex(regionDemand) : (c.region[i] as number);
        const completed = (mustComplete && k === 0) || !rng.chance(channel.ref.cancelRate);
        out.push({ ms, channel: channelIndex, partner: -1, customer: i, region, completed, lines });
      }
    }
  }

  private generateSellIn(month: Month, rng: Rng, out: GenOrder[]): void {
    const season = new MonthSeason(month, "sell_in");
    const catalogs = new Map<string, Catalog>();
    for (const partner of this.master.partners) {
      const from = Math.max(month.startMs, partner.signedDay * DAY_MS);
      const to = Math.min(month.endMs, partner.terminatedDay === null ? month.endMs : partner.terminatedDay * DAY_MS);
      if (to - from < DAY_MS) continue;
      const channel = this.master.channels[partner.channelIndex]!;
      let catalog = catalogs.get(channel.ref.id);
      if (!catalog) {
        catalog = new Catalog(this.master, month.startDay, { partnerChannelId: channel.ref.id });
        catalogs.set(channel.ref.id, catalog);
      }
      const share = (to - from) / (month.endMs - month.startMs);
      const factor = partnerVolumeFactor(channel.ref.id, this.scale);
      const n = rng.poisson(3.6 * factor * Math.pow(partner.volume, 0.6) * season.level * share);
      for (let k = 0; k < n; k++) {
        const ms = season.sample(rng, from, to);
        const day = Math.floor(ms / DAY_MS);
        const lines: GenLine[] = [];
        for (const product of catalog.pickDistinct(rng, "partner", rng.int(4, 10))) {
          const quantity = sellInQuantity(rng, product, partner);
          const priced = priceSellInLine(partner, priceOn(product, day), quantity);
          lines.push({ product: product.index, quantity, ...priced });
        }
        const completed = !rng.chance(channel.ref.cancelRate);
        out.push({
          ms,
          channel: channel.index,
          partner: partner.index,
          customer: -1,
          region: partner.homeRegionIndex,
          completed,
          lines,
        });
      }
    }
  }

  private emit(
    month: Month,
    orders: GenOrder[],
    sinks: { orders: RowSink; order_lines: RowSink; returns: RowSink } | null,
  ): void {
    const m = month.index;
    const master = this.master;
    const rng = rngFor(this.seed, "returns", m);
    const statusRng = rngFor(this.seed, "order_status", m);
    const inRef = m >= this.quiet.refStartMonth && m < this.quiet.quietStartMonth;
    const months = this.months.length;
    const trusted = (sink: RowSink | undefined) => (sink ? (sink.writeTrusted ?? sink.write).bind(sink) : () => {});
    const writeOrder = trusted(sinks?.orders);
    const writeLine = trusted(sinks?.order_lines);
    const writeReturn = trusted(sinks?.returns);
    let seq = 0;
    for (const order of orders) {
      seq++;
      const orderId = `SO${month.compactKey}${String(seq).padStart(7, "0")}`;
      const channel = master.channels[order.channel]!;
      const updatedMs = Math.min(
        this.asOfEndMs,
        order.completed
          ? order.ms + statusRng.int(2 * 86400, 12 * 86400) * 1000
          : order.ms + statusRng.int(600, 2 * 86400) * 1000,
      );
      const updated = sqlTimestamp(updatedMs);
      writeOrder([
        orderId,
        sqlTimestamp(order.ms),
        channel.ref.id,
        order.partner >= 0 ? master.partners[order.partner]!.id : null,
        order.customer >= 0 ? customerId(order.customer) : null,
        master.regions[order.region]!.ref.id,
        order.completed ? "completed" : "cancelled",
        "CNY",
        updated,
      ]);
      this.counts.orders++;
      if (!order.completed) this.counts.cancelled_orders++;
      let orderAmount = 0;
      let lineNo = 0;
      for (const line of order.lines) {
        lineNo++;
        const lineId = `${orderId}-${String(lineNo).padStart(2, "0")}`;
        const product = master.products[line.product]!;
        writeLine([
          lineId,
          orderId,
          product.ref.id,
          String(line.quantity),
          money(line.unitCents),
          money(line.discountCents),
          money(line.amountCents),
          updated,
        ]);
        this.counts.order_lines++;
        if (!order.completed) continue;
        orderAmount += line.amountCents;
        this.cogsByChannel[order.channel]! += product.unitCostCents * line.quantity;
        if (order.partner >= 0) this.monthPartnerUnits[order.partner * this.nProducts + line.product]! += line.quantity;
        // Returns: a few percent of lines, more on live-streaming and content channels.
        if (rng.chance(channel.ref.returnRate)) {
          const returnedMs = order.ms + rng.int(2 * 86400, 30 * 86400) * 1000;
          if (returnedMs <= this.asOfEndMs) {
            const quantity = line.quantity === 1 || rng.chance(0.7) ? 1 : rng.int(1, line.quantity);
            const refund = Math.round((line.amountCents * quantity) / line.quantity);
            const type = channel.ref.type;
            const profile = channel.isPartnerChannel
              ? "partner"
              : type === "live_streaming" || type === "content_commerce" || type === "social_commerce"
                ? "emerging"
                : "default";
            const reason = RETURN_REASONS[rng.weightedIndex(REASON_WEIGHTS[profile] as number[])] as string;
            this.returnCounter++;
            writeReturn([
              `RT${String(this.returnCounter).padStart(9, "0")}`,
              lineId,
              sqlTimestamp(returnedMs),
              String(quantity),
              money(refund),
              reason,
              sqlTimestamp(Math.min(this.asOfEndMs, returnedMs + rng.int(0, 3 * 86400) * 1000)),
            ]);
            this.counts.returns++;
            this.refundsByChannel[order.channel]! += refund;
          }
        }
      }
      if (!order.completed) continue;
      this.revenueByChannel[order.channel]! += orderAmount;
      this.revenueByMonth[m]! += orderAmount;
      this.completedOrdersByMonth[m]! += 1;
      if (channel.ref.online) {
        this.onlineRevenueByMonth[m]! += orderAmount;
        this.onlineOrdersByRegionMonth[order.region * months + m]! += 1;
      }
      this.revenueByChannelMonth[order.channel * months + m]! += orderAmount;
      this.revenueByRegionMonth[order.region * months + m]! += orderAmount;
      const cell = order.channel * this.nRegions + order.region;
      this.monthChannelRegionRevenue[cell]! += orderAmount;
      this.monthChannelRegionOrders[cell]! += 1;
      if (order.partner >= 0) this.monthPartnerRevenue[order.partner]! += orderAmount;
      if (order.customer >= 0) {
        const slot = order.customer * months + m;
        if ((this.ordersByCustomerMonth[slot] as number) < 255) this.ordersByCustomerMonth[slot]! += 1;
        if (this.customers.createdMonth[order.customer] === m) this.newCustomerOrdersByMonth[m]! += 1;
        if (inRef) {
          this.refOrders[order.customer]! += 1;
          this.refSpend[order.customer]! += orderAmount;
        }
      }
    }
  }

  /** Rebates: the policy's rate on a partner's whole month of sell-in once it reaches the threshold. */
  private settleRebates(month: Month): void {
    for (const partner of this.master.partners) {
      const revenue = this.monthPartnerRevenue[partner.index] as number;
      if (revenue <= 0) continue;
      const policy = this.master.rebatePolicies.find(
        (p) =>
          p.channelIndex === partner.channelIndex &&
          p.validFromDay <= month.startDay &&
          (p.validToDay === null || p.validToDay >= month.startDay),
      );
      if (!policy || revenue < policy.thresholdCents) continue;
      this.rebatesByChannel[partner.channelIndex]! += Math.round(revenue * policy.rate);
    }
  }

  /** Whether a customer is expected to be buying in a month (for the CRM's touchpoints). */
  activeIn(i: number, m: number): boolean {
    const c = this.customers;
    if ((c.createdMonth[i] as number) > m) return false;
    const churn = c.churnMonth[i] as number;
    return churn === NEVER || churn > m || (this.guaranteedMonth[i] as number) >= 0;
  }
}
