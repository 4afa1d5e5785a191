/**
 * The CRM's records: customers with (fake but realistically shaped) Chinese personal details,
 * and every touchpoint — interactions, service tickets, surveys and leads. Touchpoints follow
 * what customers actually do: people who buy get follow-ups and surveys, people about to drift
 * away complain more and answer surveys less kindly, converted leads precede their customer.
 */
import { Faker, type Randomizer, base, en, zh_CN } from "@faker-js/faker";
import { DAY_MS, type Month, MonthSeason, isoTimestamp } from "./calendar.js";
import { type CustomerBase, NEVER, SEG, ageBandOf, customerId, industryOf } from "./customers.js";
import type { MasterData } from "./master-data.js";
import type { OrderGenerator } from "./orders.js";
import { type Rng, rngFor } from "./random.js";
import { TouchGenerator } from "./touches.js";

export type CrmRecord = Record<string, string | number | null>;

export interface CrmSink {
  write(entity: "customers" | "interactions" | "tickets" | "surveys" | "leads" | "touches", record: CrmRecord): void;
}

const MOBILE_PREFIXES = [
  "130",
  "131",
  "132",
  "133",
  "135",
  "136",
  "137",
  "138",
  "139",
  "150",
  "151",
  "152",
  "155",
  "156",
  "157",
  "158",
  "159",
  "166",
  "176",
  "177",
  "180",
  "181",
  "182",
  "183",
  "185",
  "186",
  "187",
  "188",
  "189",
  "191",
  "198",
  "199",
];

function mobile(faker: Faker, rng: Rng): string {
  const digits = `${rng.pick(MOBILE_PREFIXES)}${faker.string.numeric(8)}`;
  const style = rng.float();
  if (style < 0.75) return digits;
  if (style < 0.9) return `+86 ${digits.slice(0, 3)} ${digits.slice(3, 7)} ${digits.slice(7)}`;
  return `${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}`;
}

/**
 * faker driven by our own PRNG: reseeding faker's default Mersenne Twister for every customer
 * costs more than generating the customer, while an sfc32 stream is seeded in a few operations.
 */
class SeededRandomizer implements Randomizer {
  private rng: Rng;

  constructor(private readonly baseSeed: number) {
    this.rng = rngFor(baseSeed, "faker");
  }

  next(): number {
    return this.rng.float();
  }

  seed(seed: number | number[]): void {
    this.rng = rngFor(this.baseSeed, "faker", ...(Array.isArray(seed) ? seed : [seed]));
  }
}

export class CrmGenerator {
  readonly counts = { customers: 0, interactions: 0, tickets: 0, surveys: 0, leads: 0, touches: 0 };
  readonly stats = { convertedLeads: 0, npsPromoters: 0, npsDetractors: 0, satisfactionSum: 0 };
  /** Leads per region created from `leadsSinceMs` on (the demand signal of the last 12 months). */
  readonly recentLeadsByRegion: Int32Array;
  private readonly leadsSinceMs: number;
  private readonly faker: Faker;
  private readonly asOfEndMs: number;
  /** Marketing touches (journeys before first orders, visitors who never buy); on their own random streams. */
  readonly touches: TouchGenerator;

  constructor(
    private readonly seed: number,
    private readonly master: MasterData,
    private readonly customers: CustomerBase,
    private readonly months: readonly Month[],
    private readonly orders: OrderGenerator,
    plants: boolean,
  ) {
    this.asOfEndMs = (months[months.length - 1] as Month).endMs - 1000;
    this.faker = new Faker({ locale: [zh_CN, en, base], randomizer: new SeededRandomizer(seed) });
    this.recentLeadsByRegion = new Int32Array(master.regions.length);
    this.leadsSinceMs = (months[months.length - 12] as Month).startMs;
    this.touches = new TouchGenerator(seed, plants, master, customers, months, orders);
  }

  generate(sink: CrmSink): void {
    this.writeCustomers(sink);
    for (const month of this.months) {
      this.writeInteractions(month, sink);
      this.writeTickets(month, sink);
      this.writeSurveys(month, sink);
      this.writeLeads(month, sink);
      this.writeSorted(sink, "touches", month, "TC", "touch_id", this.touches.generateMonth(month));
    }
  }

  private cap(ms: number): number {
    return Math.min(this.asOfEndMs, ms);
  }

  private writeCustomers(sink: CrmSink): void {
    const c = this.customers;
    const faker = this.faker;
    for (let i = 0; i < c.count; i++) {
      const rng = rngFor(this.seed, "crm_customer", i);
      faker.seed(i);
      const region = this.master.regions[c.region[i] as number]!;
      const city = rng.pick(region.ref.cities);
      const place = `${region.ref.nameZh}${city}`;
      const business = c.isBusiness[i] === 1;
      let name: string;
      if (business) {
        const company = faker.company
          .name()
          .replace(/^.+?[市省]/, "")
          .replace(/无限(责任)?公司$/, "有限公司");
        name = `${city.endsWith("区") ? region.ref.nameZh.replace(/市$/, "") : city.replace(/[市州]$|地区$/, "")}${company}`;
      } else {
        name = faker.person.fullName();
      }
      const email = rng.chance(business ? 0.95 : 0.78) ? faker.internet.email().toLowerCase() : null;
      const phone = rng.chance(business ? 0.97 : 0.95)
        ? business && rng.chance(0.5)
          ? faker.phone.number()
          : mobile(faker, rng)
        : null;
      const street = `${faker.location.street()}${rng.int(1, 999)}号`;
      const address = rng.chance(business ? 0.98 : 0.9)
        ? business
          ? `${place}${street}`
          : `${place}${street}${rng.int(1, 32)}栋${rng.int(1, 30)}${String(rng.int(1, 8)).padStart(2, "0")}室`
        : null;
      const created = c.createdMs[i] as number;
      const updated = this.cap(
        created + (rng.chance(0.35) ? rng.uniform(0, this.asOfEndMs - created) : rng.uniform(0, 2 * DAY_MS)),
      );
      const referredBy = c.referredBy[i] as number;
      sink.write("customers", {
        customer_id: customerId(i),
        customer_type: business ? "business" : "consumer",
        name,
        email,
        phone,
        address,
        region_id: region.ref.id,
        industry: industryOf(c, i),
        age_band: ageBandOf(c, i),
        acquisition_channel_id: this.master.channels[c.primaryChannel[i] as number]!.ref.id,
        referred_by_customer_id: referredBy >= 0 ? customerId(referredBy) : null,
        created_at: isoTimestamp(created),
        updated_at: isoTimestamp(Math.floor(updated / 1000) * 1000),
      });
      this.counts.customers++;
    }
  }

  /** In the months before leaving (or going quiet), when sentiment sours. */
  private drifting(i: number, m: number): boolean {
    const churn = this.customers.churnMonth[i] as number;
    if (this.orders.plantedQuiet[i] && m >= this.orders.quiet.quietStartMonth - 2) return true;
    return churn !== NEVER && m >= churn - 2 && m <= churn && !this.orders.activeIn(i, churn);
  }

  private ordersIn(i: number, m: number): number {
    return this.orders.ordersByCustomerMonth[i * this.months.length + m] as number;
  }

  /** Customers present in the CRM during a month (created, and not long gone). */
  private *present(m: number): Generator<number> {
    const c = this.customers;
    for (let i = 0; i < c.count; i++) {
      if ((c.createdMonth[i] as number) > m) break;
      const churn = c.churnMonth[i] as number;
      if (churn !== NEVER && m > churn + 1 && !this.orders.activeIn(i, m)) continue;
      yield i;
    }
  }

  private channelOf(rng: Rng, i: number, nullShare: number): string | null {
    return rng.chance(nullShare) ? null : this.master.channels[this.customers.primaryChannel[i] as number]!.ref.id;
  }

  private writeSorted(
    sink: CrmSink,
    entity: "interactions" | "tickets" | "surveys" | "leads" | "touches",
    month: Month,
    prefix: string,
    idColumn: string,
    records: (CrmRecord & { _ms: number })[],
  ): void {
    // Numbered in time order within the month, as a CRM's sequence would number them.
    records.sort((a, b) => a._ms - b._ms);
    let seq = 0;
    for (const { _ms, ...record } of records) {
      seq++;
      // Field order follows the contract: the id first, then the fields as built.
      sink.write(entity, { [idColumn]: `${prefix}${month.compactKey}-${String(seq).padStart(6, "0")}`, ...record });
      this.counts[entity]++;
    }
  }

  private writeInteractions(month: Month, sink: CrmSink): void {
    const rng = rngFor(this.seed, "interactions", month.index);
    const season = new MonthSeason(month, "business");
    const m = month.index;
    const c = this.customers;
    const records: (CrmRecord & { _ms: number })[] = [];
    for (const i of this.present(m)) {
      const segment = c.segment[i] as number;
      let rate =
        segment === SEG.key_account
          ? 1.6
          : segment === SEG.business_online
            ? 0.4
            : segment === SEG.loyal
              ? 0.25
              : segment === SEG.regular
                ? 0.12
                : segment === SEG.partner_buyer
                  ? 0.03
                  : 0.05;
      rate += 0.45 * Math.min(3, this.ordersIn(i, m));
      const drifting = this.drifting(i, m);
      let n = rng.poisson(rate);
      if (drifting && this.orders.plantedQuiet[i] && m === this.orders.quiet.quietStartMonth - 1) n += 1;
      const business = c.isBusiness[i] === 1;
      for (let k = 0; k < n; k++) {
        const ms = season.sample(rng, Math.max(month.startMs, c.createdMs[i] as number));
        const type = business
          ? rng.weighted(["visit", "call", "wechat", "email", "event"], [0.3, 0.35, 0.25, 0.05, 0.05])
          : rng.weighted(["wechat", "call", "email", "event"], [0.5, 0.2, 0.2, 0.1]);
        const outcome = drifting
          ? rng.weighted(["positive", "neutral", "negative"], [0.15, 0.4, 0.45])
          : rng.weighted(["positive", "neutral", "negative"], [0.45, 0.42, 0.13]);
        records.push({
          _ms: ms,
          customer_id: customerId(i),
          occurred_at: isoTimestamp(ms),
          interaction_type: type,
          channel_id: this.channelOf(rng, i, 0.2),
          outcome,
          updated_at: isoTimestamp(this.cap(ms + rng.int(0, 7200) * 1000)),
        });
      }
    }
    this.writeSorted(sink, "interactions", month, "IN", "interaction_id", records);
  }

  private writeTickets(month: Month, sink: CrmSink): void {
    const rng = rngFor(this.seed, "tickets", month.index);
    const season = new MonthSeason(month, "online");
    const m = month.index;
    const c = this.customers;
    const records: (CrmRecord & { _ms: number })[] = [];
    for (const i of this.present(m)) {
      const channel = this.master.channels[c.primaryChannel[i] as number]!;
      const orders = this.ordersIn(i, m);
      const drifting = this.drifting(i, m);
      let rate =
        0.06 * orders + (channel.ref.type === "live_streaming" ? 0.05 * orders : 0) + (drifting ? 0.12 : 0.004);
      if (c.segment[i] === SEG.partner_buyer) rate += 0.01;
      let n = rng.poisson(rate);
      if (this.orders.plantedQuiet[i] && m === this.orders.quiet.quietStartMonth - 2) n = Math.max(n, 1);
      for (let k = 0; k < n; k++) {
        const opened = season.sample(rng, Math.max(month.startMs, c.createdMs[i] as number));
        const category = drifting
          ? rng.weighted(["quality", "service", "price", "delivery", "other"], [0.4, 0.3, 0.15, 0.1, 0.05])
          : channel.ref.online
            ? rng.weighted(["delivery", "quality", "service", "price", "other"], [0.35, 0.25, 0.2, 0.1, 0.1])
            : rng.weighted(["service", "quality", "delivery", "price", "other"], [0.35, 0.3, 0.15, 0.1, 0.1]);
        const priority = drifting
          ? rng.weighted(["high", "normal", "low"], [0.5, 0.4, 0.1])
          : rng.weighted(["high", "normal", "low"], [0.12, 0.63, 0.25]);
        const hours = priority === "high" ? rng.uniform(2, 72) : rng.uniform(6, 240);
        const resolvedMs = opened + Math.round(hours * 3600) * 1000;
        let status: string;
        let closedAt: string | null = null;
        let updatedMs: number;
        if (resolvedMs > this.asOfEndMs) {
          status = "open";
          updatedMs = opened + rng.int(0, 3600) * 1000;
        } else if (rng.chance(0.35) && this.asOfEndMs - resolvedMs < 45 * DAY_MS) {
          // Resolved, waiting for the customer to confirm before it is closed.
          status = "resolved";
          updatedMs = resolvedMs;
        } else {
          status = "closed";
          const closed = this.cap(resolvedMs + rng.int(0, 3 * 86400) * 1000);
          closedAt = isoTimestamp(closed);
          updatedMs = closed;
        }
        records.push({
          _ms: opened,
          customer_id: customerId(i),
          opened_at: isoTimestamp(opened),
          closed_at: closedAt,
          category,
          priority,
          status,
          updated_at: isoTimestamp(this.cap(updatedMs)),
        });
      }
    }
    this.writeSorted(sink, "tickets", month, "TK", "ticket_id", records);
  }

  private writeSurveys(month: Month, sink: CrmSink): void {
    const rng = rngFor(this.seed, "surveys", month.index);
    const season = new MonthSeason(month, "online");
    const m = month.index;
    const c = this.customers;
    const records: (CrmRecord & { _ms: number })[] = [];
    for (const i of this.present(m)) {
      const orders = this.ordersIn(i, m);
      const segment = c.segment[i] as number;
      const rate =
        0.12 * orders +
        (segment === SEG.key_account && month.month % 3 === 0 ? 0.35 : 0) +
        (segment === SEG.partner_buyer ? 0.02 : 0);
      const n = Math.min(2, rng.poisson(rate));
      if (n === 0) continue;
      const channel = this.master.channels[c.primaryChannel[i] as number]!;
      const drifting = this.drifting(i, m);
      for (let k = 0; k < n; k++) {
        const ms = season.sample(rng, Math.max(month.startMs, c.createdMs[i] as number));
        const mean =
          4.0 +
          channel.ref.satisfactionShift +
          (segment === SEG.loyal || segment === SEG.key_account ? 0.3 : 0) -
          (drifting ? 1.3 : 0);
        const satisfaction = Math.max(1, Math.min(5, Math.round(rng.normal(mean, 0.8))));
        const npsBase = [0, 1.5, 4, 6.5, 8.3, 9.4][satisfaction] as number;
        const nps = Math.max(0, Math.min(10, Math.round(rng.normal(npsBase, 0.9))));
        if (nps >= 9) this.stats.npsPromoters++;
        if (nps <= 6) this.stats.npsDetractors++;
        this.stats.satisfactionSum += satisfaction;
        records.push({
          _ms: ms,
          customer_id: customerId(i),
          answered_at: isoTimestamp(ms),
          channel_id: this.channelOf(rng, i, 0.1),
          satisfaction_score: satisfaction,
          nps_score: nps,
          updated_at: isoTimestamp(this.cap(ms + rng.int(0, 600) * 1000)),
        });
      }
    }
    this.writeSorted(sink, "surveys", month, "SV", "survey_id", records);
  }

  /**
   * Leads created in the month: those that became customers (created up to a month before the
   * customer), and those that did not (new, qualified, or lost as they age).
   */
  private writeLeads(month: Month, sink: CrmSink): void {
    const rng = rngFor(this.seed, "leads", month.index);
    const c = this.customers;
    const m = month.index;
    const records: (CrmRecord & { _ms: number })[] = [];
    let converted = 0;
    for (let i = 0; i < c.count; i++) {
      const created = c.createdMonth[i] as number;
      if (created > m + 1) break;
      if (!c.viaLead[i]) continue;
      const leadRng = rngFor(this.seed, "lead_of_customer", i);
      const leadMs = Math.floor(((c.createdMs[i] as number) - leadRng.uniform(1, 30) * DAY_MS) / 1000) * 1000;
      const inThisMonth = m === 0 ? leadMs < month.endMs : leadMs >= month.startMs && leadMs < month.endMs;
      if (!inThisMonth) continue;
      converted++;
      records.push({
        _ms: leadMs,
        region_id: this.master.regions[c.region[i] as number]!.ref.id,
        channel_id: leadRng.chance(0.1) ? null : this.master.channels[c.primaryChannel[i] as number]!.ref.id,
        created_at: isoTimestamp(leadMs),
        status: "converted",
        converted_customer_id: customerId(i),
        updated_at: isoTimestamp(c.createdMs[i] as number),
      });
    }
    this.stats.convertedLeads += converted;
    // Unconverted enquiries, about 1.4 per converted lead, spread by regional demand.
    const n = rng.poisson(Math.max(1, converted) * 1.4);
    const demand = this.master.regions.map((r) => r.demand);
    const season = new MonthSeason(month, "online");
    const channels = this.master.channels.filter((ch) => ch.launchedMs < month.endMs);
    for (let k = 0; k < n; k++) {
      const ms = season.sample(rng);
      const region = this.master.regions[rng.weightedIndex(demand)]!;
      const channel = rng.chance(0.2) ? null : rng.pick(channels).ref.id;
      const ageDays = (this.asOfEndMs - ms) / DAY_MS;
      let status: string;
      let updatedMs: number;
      if (ageDays < 30) {
        status = rng.chance(0.6) ? "new" : "qualified";
        updatedMs = status === "new" ? ms : ms + rng.uniform(0.1, Math.max(0.2, ageDays)) * DAY_MS;
      } else if (ageDays < 90) {
        status = rng.chance(0.4) ? "qualified" : "lost";
        updatedMs = ms + rng.uniform(2, 25) * DAY_MS;
      } else {
        status = rng.chance(0.05) ? "qualified" : "lost";
        updatedMs = ms + rng.uniform(5, 80) * DAY_MS;
      }
      records.push({
        _ms: ms,
        region_id: region.ref.id,
        channel_id: channel,
        created_at: isoTimestamp(ms),
        status,
        converted_customer_id: null,
        updated_at: isoTimestamp(Math.floor(this.cap(updatedMs) / 1000) * 1000),
      });
    }
    for (const r of records) {
      if (r._ms >= this.leadsSinceMs)
        this.recentLeadsByRegion[this.master.regionIndexById.get(r.region_id as string) as number]! += 1;
    }
    this.writeSorted(sink, "leads", month, "LD", "lead_id", records);
  }
}
