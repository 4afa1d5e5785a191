/**
 * Partner sell-through: what each partner resold to end customers in a month, as the partner
 * reports it. Volume follows the partner's own purchases (half this month, half last month);
 * registered shoppers of the partner's stores appear with their customer number, everyone else
 * anonymously. Every line ships inside the partner's territory and at or above the floor price,
 * except where a planted truth deliberately says otherwise.
 */
import { DAY_MS, type Month, MonthSeason, isoDate } from "./calendar.js";
import { Catalog, consumerQuantity, resaleUnitCents } from "./catalog.js";
import { type CustomerBase, customerId } from "./customers.js";
import { money } from "./format.js";
import { type MasterData, type Partner, type Product, priceOn, territoriesOn } from "./master-data.js";
import type { OrderGenerator } from "./orders.js";
import type { PlantPlan } from "./planted-truths.js";
import { type Rng, rngFor } from "./random.js";

export interface SellThroughRow {
  readonly partner_id: string;
  readonly sale_id: string;
  readonly sale_date: string;
  readonly sku: string;
  readonly quantity: number;
  readonly unit_price: string;
  readonly amount: string;
  readonly ship_to_region_id: string;
  readonly customer_id: string | null;
}

interface DraftLine {
  day: number;
  product: Product;
  quantity: number;
  unitCents: number;
  region: number;
  customer: number;
}

/** Sell-through customers buy at most every six months: never enough to look like a regular. */
export const PARTNER_BUYER_INTERVAL_MONTHS = 6;

export class SellThroughGenerator {
  readonly stats = {
    lines: 0,
    linesWithCustomer: 0,
    amountCents: 0,
    files: 0,
    crossTerritoryLines: 0,
    crossTerritoryByMonth: new Map<string, number>(),
    belowFloorLines: 0,
  };
  private readonly customersByPartner = new Map<number, number[]>();

  constructor(
    private readonly seed: number,
    private readonly master: MasterData,
    private readonly customers: CustomerBase,
    private readonly plan: PlantPlan,
  ) {
    for (let i = 0; i < customers.count; i++) {
      const p = customers.partner[i] as number;
      if (p < 0) continue;
      let list = this.customersByPartner.get(p);
      if (!list) this.customersByPartner.set(p, (list = []));
      list.push(i);
    }
  }

  /** Sell-through of every partner trading in the month, one entry per partner. */
  generateMonth(month: Month, orders: OrderGenerator): { partner: Partner; rows: SellThroughRow[] }[] {
    const out: { partner: Partner; rows: SellThroughRow[] }[] = [];
    const season = new MonthSeason(month, "offline");
    for (const partner of this.master.partners) {
      // The last day of an authorisation is left out (see territoriesOn), so trading stops a day
      // before the territory ends.
      const firstDay = Math.max(month.startDay, partner.signedDay);
      const endDay = Math.min(
        month.startDay + month.days,
        partner.terminatedDay === null ? Infinity : partner.terminatedDay - 1,
      );
      if (endDay <= firstDay) continue;
      const rng = rngFor(this.seed, "sell_through", month.index, partner.id);
      const lines = this.partnerMonth(rng, month, season, partner, firstDay, endDay, orders);
      out.push({ partner, rows: this.finish(month, partner, lines) });
    }
    return out;
  }

  private partnerMonth(
    rng: Rng,
    month: Month,
    season: MonthSeason,
    partner: Partner,
    firstDay: number,
    endDay: number,
    orders: OrderGenerator,
  ): DraftLine[] {
    const master = this.master;
    const nProducts = master.products.length;
    const units = new Int32Array(nProducts);
    for (let k = 0; k < nProducts; k++) {
      const cur = orders.monthPartnerUnits[partner.index * nProducts + k] as number;
      const prev = month.index === 0 ? cur : (orders.previousPartnerUnits[partner.index * nProducts + k] as number);
      units[k] = Math.round(((prev + cur) / 2) * rng.uniform(0.85, 1.0));
    }
    const sampleDay = (fromMs = firstDay * DAY_MS) =>
      Math.floor(season.sample(rng, Math.max(fromMs, firstDay * DAY_MS), endDay * DAY_MS) / DAY_MS);
    const shipRegion = (day: number): number => {
      const valid = territoriesOn(partner, day);
      if (valid.length === 0) throw new Error(`${partner.id} has no territory on day ${day}`);
      const home = valid.find((t) => t.regionIndex === partner.homeRegionIndex);
      if (home && (valid.length === 1 || rng.chance(0.65))) return home.regionIndex;
      const others = valid.filter((t) => t !== home);
      return rng.pick(others.length > 0 ? others : valid).regionIndex;
    };

    const lines: DraftLine[] = [];
    const catalog = new Catalog(master, month.startDay, {
      partnerChannelId: master.channels[partner.channelIndex]!.ref.id,
    });
    // Registered shoppers due this month (every six months from their first purchase).
    for (const i of this.customersByPartner.get(partner.index) ?? []) {
      const created = this.customers.createdMonth[i] as number;
      if (created > month.index) break;
      if ((month.index - created) % PARTNER_BUYER_INTERVAL_MONTHS !== 0) continue;
      if ((this.customers.churnMonth[i] as number) <= month.index) continue;
      const createdMs = this.customers.createdMs[i] as number;
      if (createdMs >= endDay * DAY_MS) continue;
      const day = sampleDay(created === month.index ? createdMs : undefined);
      const product = catalog.pick(rng, created === month.index ? "consumer_first" : "consumer_repeat");
      const quantity = consumerQuantity(rng, product);
      units[product.index] = Math.max(0, (units[product.index] as number) - quantity);
      lines.push({
        day,
        product,
        quantity,
        unitCents: resaleUnitCents(rng, priceOn(product, day)),
        region: partner.homeRegionIndex,
        customer: i,
      });
    }
    const anonymousStart = lines.length;
    for (let k = 0; k < nProducts; k++) {
      let left = units[k] as number;
      const product = master.products[k]!;
      while (left > 0) {
        const quantity = Math.min(left, this.resaleQuantity(rng, partner, product));
        left -= quantity;
        const day = sampleDay();
        lines.push({
          day,
          product,
          quantity,
          unitCents: resaleUnitCents(rng, priceOn(product, day)),
          region: shipRegion(day),
          customer: -1,
        });
      }
    }

    const cross = this.plan.crossTerritory;
    if (cross && cross.partner.index === partner.index && cross.monthIndices.includes(month.index)) {
      // 窜货: a slice of the anonymous volume is shipped into a neighbouring province.
      const anonymous = lines.slice(anonymousStart);
      const n = Math.min(anonymous.length, Math.max(10, Math.round(anonymous.length * 0.3)));
      for (const line of rng.shuffle([...anonymous]).slice(0, n)) line.region = cross.regionIndex;
      this.stats.crossTerritoryLines += n;
      this.stats.crossTerritoryByMonth.set(month.key, (this.stats.crossTerritoryByMonth.get(month.key) ?? 0) + n);
    }
    const below = this.plan.belowFloor;
    if (below && below.partner.index === partner.index && below.monthIndex === month.index) {
      // Dumping below the floor price: the whole month's resale of one product.
      let count = lines.filter((l) => l.product === below.product).length;
      for (; count < 6; count++) {
        const day = sampleDay();
        lines.push({ day, product: below.product, quantity: 1, unitCents: 0, region: shipRegion(day), customer: -1 });
      }
      for (const line of lines) {
        if (line.product !== below.product) continue;
        const floor = priceOn(below.product, line.day).floorCents;
        line.unitCents = Math.floor((floor * rng.uniform(0.82, 0.93)) / 100) * 100;
      }
      this.stats.belowFloorLines += count;
    }
    return lines;
  }

  private resaleQuantity(rng: Rng, partner: Partner, product: Product): number {
    const category = product.ref.category;
    const bulky =
      category === "household_purifier" ||
      category === "heater_dispenser" ||
      category === "whole_house" ||
      category === "commercial";
    switch (partner.channelType) {
      case "distributor":
        return bulky ? rng.int(1, 2) : rng.int(1, 8);
      case "agent":
        return bulky ? 1 : rng.int(1, 4);
      default:
        return bulky ? 1 : rng.int(1, 3);
    }
  }

  private finish(month: Month, partner: Partner, lines: DraftLine[]): SellThroughRow[] {
    const order = lines.map((line, i) => ({ line, i })).sort((a, b) => a.line.day - b.line.day || a.i - b.i);
    const prefix = partner.dropFormat === "csv" ? `S${month.compactKey}-` : `XS${month.compactKey}`;
    const rows: SellThroughRow[] = [];
    let seq = 0;
    for (const { line } of order) {
      seq++;
      const amount = line.unitCents * line.quantity;
      rows.push({
        partner_id: partner.id,
        sale_id: `${prefix}${String(seq).padStart(6, "0")}`,
        sale_date: isoDate(line.day),
        sku: line.product.ref.sku,
        quantity: line.quantity,
        unit_price: money(line.unitCents),
        amount: money(amount),
        ship_to_region_id: this.master.regions[line.region]!.ref.id,
        customer_id: line.customer >= 0 ? customerId(line.customer) : null,
      });
      this.stats.lines++;
      this.stats.amountCents += amount;
      if (line.customer >= 0) this.stats.linesWithCustomer++;
    }
    this.stats.files++;
    return rows;
  }
}
