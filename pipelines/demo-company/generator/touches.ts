/**
 * Marketing touches (the CRM's `touches`): the journeys people take through the online channels before they buy,
 * and the touches of people who never buy.
 *
 * - Converting journeys: a customer whose first order falls inside the history (it is placed at the customer's
 *   creation time, on the primary channel) met 0-5 touches in the 1-60 days before it, on online channels launched by
 *   then; the last one is often on the order's own channel. Key-account customers seldom leave a trace online; partner
 *   customers (who buy in a partner's shop) none.
 * - Identity: every person has one visitor id; the customer id is on the touches after they logged in (the last one to
 *   three of a journey, most retargeting touches), so the warehouse has to stitch a visitor's touches to the customer.
 * - Non-converting visitors: about as many people as converting ones with touches, 1-4 touches each, no customer.
 * - Retargeting: a few touches of existing customers, only in months after their first completed order.
 *
 * Clean company: the channel of every touch is drawn from the same launch-aware weights at every position (only the
 * last touch leans to the order's own channel, for every channel alike), so no channel has a role of its own.
 * Planted (see planted-truths.ts): ASSISTING_CHANNEL_ID opens a large share of the journeys of customers acquired
 * elsewhere and is almost never their last touch; first orders on CLOSING_CHANNEL_ID nearly always follow a touch on
 * another channel, and it seldom opens a journey.
 *
 * Every random stream here is keyed ("touches", ...), and nothing else reads them: the other entities come out the
 * same with or without touches. Journeys are derived per person from their own stream, so a month's touches can be
 * written without holding the whole history in memory.
 */
import { DAY_MS, type Month, MonthSeason, isoTimestamp } from "./calendar.js";
import { type CustomerBase, customerId } from "./customers.js";
import type { Channel, MasterData } from "./master-data.js";
import type { OrderGenerator } from "./orders.js";
import { type Rng, rngFor } from "./random.js";
import { ASSISTING_CHANNEL_ID, CLOSING_CHANNEL_ID } from "./reference-data.js";

export type TouchType = "impression" | "click" | "visit" | "enquiry";

/** A touch as the CRM serves it (without its id, numbered when the month is written), and its time. */
export type TouchRecord = {
  _ms: number;
  visitor_id: string;
  customer_id: string | null;
  channel_id: string;
  touch_type: TouchType;
  occurred_at: string;
  updated_at: string;
};

interface Touch {
  readonly ms: number;
  readonly channel: number;
  readonly type: TouchType;
  readonly identified: boolean;
}

/** How many touches precede a first order on an online channel (0 = found the shop directly). */
const JOURNEY_LENGTH_WEIGHTS = [0.4, 0.13, 0.16, 0.14, 0.1, 0.07];
/**
 * Planted: the assisting channel's own buyers mostly buy straight from a video (the order is the touch), so that it
 * hardly ever closes a journey, not even its own customers'.
 */
const ASSISTING_JOURNEY_LENGTH_WEIGHTS = [0.6, 0.1, 0.1, 0.1, 0.05, 0.05];
/** Planted: journey lengths (1-5) of the closing channel's customers, who (almost) always came from elsewhere. */
const CLOSING_JOURNEY_LENGTH_WEIGHTS = [0.2, 0.26, 0.24, 0.17, 0.13];
const PROSPECT_LENGTH_WEIGHTS = [0.45, 0.3, 0.15, 0.1];
/** Chance that a journey's last touch is on the channel of the order it leads to. */
const OWN_CHANNEL_LAST = 0.5;
/** Planted: chance that the assisting channel opens a multi-touch journey of a customer acquired elsewhere. */
const ASSIST_FIRST = 0.42;
/** Planted: chance that a customer of the closing channel came there after touches elsewhere. */
const CLOSING_AFTER_OTHER = 0.97;
/** Non-converting visitors per converting customer (of the month their journey starts). */
const PROSPECTS_PER_CONVERSION = 0.62;
/** Chance per active customer and month of a retargeting touch. */
const RETARGET_RATE = 0.025;

const TYPES: readonly TouchType[] = ["impression", "click", "visit", "enquiry"];
const TYPE_WEIGHTS = {
  first: [0.5, 0.3, 0.17, 0.03],
  middle: [0.35, 0.35, 0.25, 0.05],
  last: [0.15, 0.35, 0.4, 0.1],
  assist: [0.75, 0.2, 0.05, 0],
  keyAccount: [0.1, 0.2, 0.4, 0.3],
  prospect: [0.55, 0.3, 0.13, 0.02],
  retarget: [0.5, 0.35, 0.15, 0],
} as const;

/** Visitor ids: an affine permutation of [0, P) with P prime, so distinct people never share an id. */
const VISITOR_ID_MODULUS = 9_999_999_967n;

/** Per channel (index), what the manifest reports of the converting journeys. */
export interface JourneyChannelStats {
  /** First orders inside the history. */
  firstOrders: number;
  /** ... of which had a touch on another channel before them. */
  firstOrdersAfterOtherChannel: number;
  /** First / last touch of converting journeys with at least two touches. */
  firstTouches: number;
  lastTouches: number;
}

export class TouchGenerator {
  readonly stats = {
    /** Customers whose first order falls inside the history. */
    convertingCustomers: 0,
    /** ... with at least one touch before it, and with at least two. */
    journeysWithTouches: 0,
    multiTouchJourneys: 0,
    journeyTouches: 0,
    prospects: 0,
    prospectTouches: 0,
    retargetingTouches: 0,
  };
  readonly byChannel: JourneyChannelStats[];
  private readonly online: readonly Channel[];
  private readonly assisting: number;
  private readonly closing: number;
  private readonly historyStartMs: number;
  private readonly asOfEndMs: number;
  /** First customer index created in each history month (customers are numbered in creation order); length n + 1. */
  private readonly monthStart: Int32Array;
  /** First month with a completed order, per customer (32767 = none). */
  private readonly firstCompletedMonth: Int16Array;
  private readonly prospectCounts: Int32Array;
  private readonly prospectOffsets: Float64Array;
  private readonly idMultiplier: bigint;
  private readonly idOffset: bigint;

  constructor(
    private readonly seed: number,
    private readonly plants: boolean,
    private readonly master: MasterData,
    private readonly customers: CustomerBase,
    private readonly months: readonly Month[],
    private readonly orders: OrderGenerator,
  ) {
    const n = months.length;
    this.online = master.channels.filter((c) => c.ref.online && c.ref.acquisitionWeight > 0);
    this.assisting = master.channelIndexById.get(ASSISTING_CHANNEL_ID) as number;
    this.closing = master.channelIndexById.get(CLOSING_CHANNEL_ID) as number;
    this.byChannel = master.channels.map(() => ({
      firstOrders: 0,
      firstOrdersAfterOtherChannel: 0,
      firstTouches: 0,
      lastTouches: 0,
    }));
    this.historyStartMs = (months[0] as Month).startMs;
    this.asOfEndMs = (months[n - 1] as Month).endMs - 1000;

    const c = customers;
    this.monthStart = new Int32Array(n + 1);
    let i = 0;
    for (let m = 0; m <= n; m++) {
      while (i < c.count && (c.createdMonth[i] as number) < m) i++;
      this.monthStart[m] = i;
    }
    this.firstCompletedMonth = new Int16Array(c.count).fill(32767);
    for (let k = 0; k < c.count; k++) {
      for (let m = 0; m < n; m++) {
        if ((orders.ordersByCustomerMonth[k * n + m] as number) > 0) {
          this.firstCompletedMonth[k] = m;
          break;
        }
      }
    }

    // Non-converting visitors whose journey starts in each month, in proportion to that month's new customers.
    this.prospectCounts = new Int32Array(n);
    this.prospectOffsets = new Float64Array(n);
    let offset = c.count;
    for (let m = 0; m < n; m++) {
      let converting = 0;
      for (let k = this.monthStart[m] as number; k < (this.monthStart[m + 1] as number); k++)
        if ((c.partner[k] as number) < 0) converting++;
      this.prospectCounts[m] = rngFor(seed, "touches", "prospects", m).poisson(converting * PROSPECTS_PER_CONVERSION);
      this.prospectOffsets[m] = offset;
      offset += this.prospectCounts[m] as number;
    }
    const idRng = rngFor(seed, "touches", "visitor_ids");
    this.idMultiplier = BigInt(idRng.int(1_000_000_007, 9_000_000_000));
    this.idOffset = BigInt(idRng.int(0, 9_999_999_000));
  }

  private visitorId(person: number): string {
    const id = (BigInt(person) * this.idMultiplier + this.idOffset) % VISITOR_ID_MODULUS;
    return `V${id.toString().padStart(10, "0")}`;
  }

  /** Launch-aware channel weights at a time (the customers' acquisition weights, growth included). */
  private weightsAt(ms: number, tilt?: (channel: number) => number): number[] {
    const monthsFromStart = (ms - this.historyStartMs) / (30.44 * DAY_MS);
    return this.online.map((ch) => {
      if (ch.launchedMs > ms) return 0;
      const w = ch.ref.acquisitionWeight * Math.pow(1 + ch.ref.monthlyGrowth, monthsFromStart);
      return tilt ? w * tilt(ch.index) : w;
    });
  }

  private drawChannel(rng: Rng, ms: number, tilt?: (channel: number) => number): number {
    return (this.online[rng.weightedIndex(this.weightsAt(ms, tilt))] as Channel).index;
  }

  private launched(channel: number, ms: number): boolean {
    return (this.master.channels[channel] as Channel).launchedMs <= ms;
  }

  /**
   * The touches before customer i's first order (inside the history, direct customers only), oldest first; null when
   * the customer's first order is not in the history.
   */
  journey(i: number): Touch[] | null {
    const c = this.customers;
    const m = c.createdMonth[i] as number;
    if (m < 0 || m >= this.months.length || (c.partner[i] as number) >= 0) return null;
    const rng = rngFor(this.seed, "touches", "journey", i);
    const orderMs = c.createdMs[i] as number;
    const own = c.primaryChannel[i] as number;
    const ownOnline = (this.master.channels[own] as Channel).ref.online;
    const planted = this.plants;
    const closingCustomer = planted && own === this.closing;

    let k: number;
    if (!ownOnline) k = rng.chance(0.25) ? rng.int(1, 2) : 0;
    else if (closingCustomer)
      k = rng.chance(CLOSING_AFTER_OTHER) ? 1 + rng.weightedIndex(CLOSING_JOURNEY_LENGTH_WEIGHTS) : 0;
    else if (planted && own === this.assisting) k = rng.weightedIndex(ASSISTING_JOURNEY_LENGTH_WEIGHTS);
    else k = rng.weightedIndex(JOURNEY_LENGTH_WEIGHTS);
    if (k === 0) return [];

    // Times: the first touch 1-60 days before the order, the last from ten minutes to two days before it.
    const span = rng.uniform(1, 60) * DAY_MS;
    const times: number[] = [];
    if (k === 1) times.push(orderMs - rng.uniform(600_000, span));
    else {
      times.push(orderMs - span);
      for (let p = 1; p < k - 1; p++) times.push(orderMs - rng.uniform(600_000, span));
      times.push(orderMs - rng.uniform(600_000, Math.min(2 * DAY_MS, span / 2)));
    }
    times.sort((a, b) => a - b);
    let previous = -Infinity;
    const seconds = times.map((t) => {
      const s = Math.max(Math.floor(t / 1000) * 1000, previous + 1000);
      previous = s;
      return s;
    });

    const identifiedFrom = k - (rng.chance(0.35) ? (rng.chance(0.3) ? 3 : 2) : 1);
    const touches: Touch[] = [];
    for (let p = 0; p < k; p++) {
      const ms = seconds[p] as number;
      const first = p === 0 && k >= 2;
      const last = p === k - 1;
      let channel: number;
      let type: TouchType;
      if (!ownOnline) {
        // A key account looked the company up online before the sales team called.
        channel = this.drawChannel(rng, ms);
        type = rng.weighted(TYPES, TYPE_WEIGHTS.keyAccount);
      } else if (!planted) {
        channel = last && this.launched(own, ms) && rng.chance(OWN_CHANNEL_LAST) ? own : this.drawChannel(rng, ms);
        type = rng.weighted(TYPES, first ? TYPE_WEIGHTS.first : last ? TYPE_WEIGHTS.last : TYPE_WEIGHTS.middle);
      } else {
        channel = this.plantedChannel(rng, ms, own, p, k);
        type =
          first && channel === this.assisting
            ? rng.weighted(TYPES, TYPE_WEIGHTS.assist)
            : rng.weighted(TYPES, first ? TYPE_WEIGHTS.first : last ? TYPE_WEIGHTS.last : TYPE_WEIGHTS.middle);
      }
      touches.push({ ms, channel, type, identified: p >= identifiedFrom });
    }
    return touches;
  }

  /** The channel of touch p of k (planted company) of a customer whose first order is on `own`. */
  private plantedChannel(rng: Rng, ms: number, own: number, p: number, k: number): number {
    const assisting = this.assisting;
    const closing = this.closing;
    const last = p === k - 1;
    if (own === closing && p === 0) {
      // The closing channel's customers came from elsewhere: their first touch is on another channel.
      if (k >= 2 && this.launched(assisting, ms) && rng.chance(ASSIST_FIRST)) return assisting;
      return this.drawChannel(rng, ms, (ch) => (ch === closing || (k === 1 && ch === assisting) ? 0 : 1));
    }
    if (last) {
      // The assisting channel hardly ever closes, not even its own customers' journeys; the closing channel often does.
      const ownShare = own === assisting ? 0.15 : OWN_CHANNEL_LAST;
      if (this.launched(own, ms) && rng.chance(ownShare)) return own;
      return this.drawChannel(rng, ms, (ch) => (ch === assisting ? 0 : ch === closing ? 2 : 1));
    }
    if (p === 0) {
      if (own !== assisting && this.launched(assisting, ms) && rng.chance(ASSIST_FIRST)) return assisting;
      return this.drawChannel(rng, ms, (ch) => (ch === closing ? 0.15 : 1));
    }
    return this.drawChannel(rng, ms);
  }

  /** Touches of non-converting visitor k of those whose journey starts in month m. */
  private prospect(m: number, k: number): Touch[] {
    const rng = rngFor(this.seed, "touches", "prospect", m, k);
    const month = this.months[m] as Month;
    const start = new MonthSeason(month, "online").sample(rng);
    const count = 1 + rng.weightedIndex(PROSPECT_LENGTH_WEIGHTS);
    const span = rng.uniform(0.5, 45) * DAY_MS;
    const times = [start];
    for (let p = 1; p < count; p++) times.push(start + rng.uniform(600_000, span));
    times.sort((a, b) => a - b);
    const touches: Touch[] = [];
    let previous = -Infinity;
    for (const t of times) {
      const ms = Math.max(Math.floor(t / 1000) * 1000, previous + 1000);
      previous = ms;
      const channel = this.drawChannel(rng, ms);
      const type = rng.weighted(TYPES, TYPE_WEIGHTS.prospect);
      if (ms <= this.asOfEndMs) touches.push({ ms, channel, type, identified: false });
    }
    return touches;
  }

  private record(ms: number, visitor: string, customer: string | null, touch: Touch, rng: Rng): TouchRecord {
    const stamp = isoTimestamp(ms);
    // Touches reach the CRM from the channels' tracking feeds within a few hours.
    const updated = Math.min(this.asOfEndMs, ms + rng.int(60, 4 * 3600) * 1000);
    return {
      _ms: ms,
      visitor_id: visitor,
      customer_id: customer,
      channel_id: (this.master.channels[touch.channel] as Channel).ref.id,
      touch_type: touch.type,
      occurred_at: stamp,
      updated_at: isoTimestamp(updated),
    };
  }

  private countJourney(i: number, touches: readonly Touch[]): void {
    const own = this.customers.primaryChannel[i] as number;
    const s = this.stats;
    s.convertingCustomers++;
    const channel = this.byChannel[own] as JourneyChannelStats;
    channel.firstOrders++;
    if (touches.length === 0) return;
    s.journeysWithTouches++;
    s.journeyTouches += touches.length;
    if (touches.some((t) => t.channel !== own)) channel.firstOrdersAfterOtherChannel++;
    if (touches.length >= 2) {
      s.multiTouchJourneys++;
      (this.byChannel[(touches[0] as Touch).channel] as JourneyChannelStats).firstTouches++;
      (this.byChannel[(touches[touches.length - 1] as Touch).channel] as JourneyChannelStats).lastTouches++;
    }
  }

  /** The touches occurring in month m (in the first month, also the earlier touches of its journeys), unsorted. */
  generateMonth(month: Month): TouchRecord[] {
    const m = month.index;
    const n = this.months.length;
    const from = m === 0 ? -Infinity : month.startMs;
    const to = month.endMs;
    const out: TouchRecord[] = [];
    const c = this.customers;
    const inMonth = (ms: number) => ms >= from && ms < to;

    // Converting journeys: touches up to 60 days before the first order, so orders up to three months on.
    const stampRng = rngFor(this.seed, "touches", "updated", m);
    for (let i = this.monthStart[m] as number; i < (this.monthStart[Math.min(n, m + 4)] as number); i++) {
      const touches = this.journey(i);
      if (touches === null) continue;
      if ((c.createdMonth[i] as number) === m) this.countJourney(i, touches);
      const visitor = this.visitorId(i);
      for (const t of touches) {
        if (inMonth(t.ms)) out.push(this.record(t.ms, visitor, t.identified ? customerId(i) : null, t, stampRng));
      }
    }

    // Non-converting visitors whose touches started up to two months before.
    for (let start = Math.max(0, m - 2); start <= m; start++) {
      for (let k = 0; k < (this.prospectCounts[start] as number); k++) {
        const touches = this.prospect(start, k);
        if (start === m) this.stats.prospects++;
        const visitor = this.visitorId((this.prospectOffsets[start] as number) + k);
        for (const t of touches) {
          if (!inMonth(t.ms)) continue;
          out.push(this.record(t.ms, visitor, null, t, stampRng));
          this.stats.prospectTouches++;
        }
      }
    }

    // Retargeting of existing customers, in months after their first completed order.
    const rng = rngFor(this.seed, "touches", "retarget", m);
    const season = new MonthSeason(month, "online");
    for (let i = 0; i < (this.monthStart[m + 1] as number); i++) {
      if ((c.partner[i] as number) >= 0 || (this.firstCompletedMonth[i] as number) >= m) continue;
      if (!this.orders.activeIn(i, m) || !rng.chance(RETARGET_RATE)) continue;
      const ms = season.sample(rng);
      const own = c.primaryChannel[i] as number;
      const channel =
        (this.master.channels[own] as Channel).ref.online && rng.chance(0.5) ? own : this.drawChannel(rng, ms);
      const touch: Touch = {
        ms,
        channel,
        type: rng.weighted(TYPES, TYPE_WEIGHTS.retarget),
        // Anonymous only when another of the person's touches names them (their journey's last does).
        identified: rng.chance(0.75) || !this.journey(i)?.length,
      };
      out.push(this.record(ms, this.visitorId(i), touch.identified ? customerId(i) : null, touch, stampRng));
      this.stats.retargetingTouches++;
    }
    return out;
  }
}
