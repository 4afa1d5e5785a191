/**
 * The customer base, as a skeleton: who each customer is (type, region, channels, purchase
 * rhythm, when they arrived and when they drift away). Personal details (names, phones, ...)
 * are only made when the CRM is written, so the order-system path never pays for them.
 *
 * Kept as parallel typed arrays: at scale 200 there are 600k customers, and one object each
 * would cost several times the memory.
 */
import { AGE_BANDS, INDUSTRIES } from "../../shared/contracts/crm.js";
import { DAY_MS, type Month, MonthSeason, dayOf } from "./calendar.js";
import { type MasterData, type Partner, partnerActiveOn } from "./master-data.js";
import { rngFor } from "./random.js";

export const SEGMENTS = [
  "loyal",
  "regular",
  "occasional",
  "one_off",
  "key_account",
  "business_online",
  "partner_buyer",
] as const;
export type Segment = (typeof SEGMENTS)[number];
export const SEG = Object.fromEntries(SEGMENTS.map((s, i) => [s, i])) as Record<Segment, number>;

/** Month index used for "never churns". */
export const NEVER = 32767;

export interface CustomerBase {
  readonly count: number;
  readonly isBusiness: Uint8Array;
  readonly createdMs: Float64Array;
  /** Month index of creation relative to the first history month (negative = before). */
  readonly createdMonth: Int16Array;
  readonly region: Uint8Array;
  readonly primaryChannel: Uint8Array;
  /** 255 = none. */
  readonly secondaryChannel: Uint8Array;
  /** -1 unless the customer buys only through a partner (and appears in sell-through). */
  readonly partner: Int32Array;
  readonly segment: Uint8Array;
  /** Expected orders per month while active. */
  readonly rate: Float32Array;
  /** First month without any purchase (NEVER when the customer stays). */
  readonly churnMonth: Int16Array;
  /** Index into INDUSTRIES (business) or AGE_BANDS (consumer); 255 = unknown. */
  readonly attribute: Uint8Array;
  /** -1 = not referred. */
  readonly referredBy: Int32Array;
  /** 1 when the customer came in through a CRM lead. */
  readonly viaLead: Uint8Array;
}

export function customerId(index: number): string {
  return `C${String(index + 1).padStart(7, "0")}`;
}

export function customerCount(scale: number): number {
  return Math.max(50, Math.round(3000 * scale));
}

function monthIndexOf(ms: number, first: Month): number {
  const d = new Date(ms);
  return (d.getUTCFullYear() - first.year) * 12 + (d.getUTCMonth() + 1 - first.month);
}

const AGE_WEIGHTS: Record<string, readonly number[]> = {
  default: [0.12, 0.33, 0.28, 0.17, 0.1],
  young: [0.24, 0.38, 0.21, 0.11, 0.06],
  older: [0.05, 0.2, 0.3, 0.26, 0.19],
};

export function buildCustomers(
  seed: number,
  scale: number,
  master: MasterData,
  months: readonly Month[],
): CustomerBase {
  const n = customerCount(scale);
  const rng = rngFor(seed, "customers");
  const first = months[0] as Month;
  const preWindowStart = dayOf("2022-01-01") * DAY_MS;
  const onlineSeasons = months.map((m) => new MonthSeason(m, "online"));
  const businessSeasons = months.map((m) => new MonthSeason(m, "business"));
  // New customers arrive with the season and a growing business.
  const arrivalWeights = months.map((m, i) => (onlineSeasons[i] as MonthSeason).level * (1 + 0.025 * m.index));
  const dka = master.channelIndexById.get("DKA") as number;
  const jd = master.channelIndexById.get("EC-JD") as number;
  const cgb = master.channelIndexById.get("CGB-MT") as number;
  const onlineChannels = master.channels.filter((c) => c.ref.online && c.ref.acquisitionWeight > 0);
  const regionDemand = master.regions.map((r) => r.demand);
  const businessDemand = master.regions.map((r) => r.demand * r.ref.income);

  const raw = {
    isBusiness: new Uint8Array(n),
    createdMs: new Float64Array(n),
    region: new Uint8Array(n),
    primaryChannel: new Uint8Array(n),
    secondaryChannel: new Uint8Array(n).fill(255),
    partner: new Int32Array(n).fill(-1),
    segment: new Uint8Array(n),
    rate: new Float32Array(n),
    churnMonth: new Int16Array(n).fill(NEVER),
    attribute: new Uint8Array(n).fill(255),
  };

  const channelWeightsAt = (ms: number) => {
    const monthsFromStart = (ms - first.startMs) / (30.44 * DAY_MS);
    return onlineChannels.map((c) =>
      c.launchedMs <= ms ? c.ref.acquisitionWeight * Math.pow(1 + c.ref.monthlyGrowth, monthsFromStart) : 0,
    );
  };

  for (let i = 0; i < n; i++) {
    const business = rng.chance(0.09);
    raw.isBusiness[i] = business ? 1 : 0;
    let created: number;
    if (rng.chance(0.3)) {
      created = Math.floor(rng.uniform(preWindowStart, first.startMs) / 1000) * 1000;
    } else {
      const m = rng.weightedIndex(arrivalWeights);
      created = (business ? businessSeasons[m] : onlineSeasons[m])!.sample(rng);
    }
    raw.createdMs[i] = created;
    const createdMonth = monthIndexOf(created, first);

    if (business) {
      const viaKeyAccount = rng.chance(0.7);
      raw.primaryChannel[i] = viaKeyAccount ? dka : jd;
      raw.segment[i] = viaKeyAccount ? SEG.key_account : SEG.business_online;
      raw.region[i] = rng.weightedIndex(businessDemand);
      raw.rate[i] = viaKeyAccount ? rng.uniform(0.35, 0.9) : rng.uniform(0.2, 0.5);
      raw.attribute[i] = rng.int(0, INDUSTRIES.length - 1);
      if (rng.chance(0.12)) raw.churnMonth[i] = createdMonth + 3 + rng.geometric(0.08);
      continue;
    }

    // A share of consumers buy from a partner's shop; the partner reports them in sell-through.
    if (rng.chance(0.1)) {
      const day = Math.floor(created / DAY_MS);
      const candidates = master.partners.filter((p) => partnerActiveOn(p, day) && partnerActiveOn(p, day + 2));
      if (candidates.length > 0) {
        const p = rng.weighted(
          candidates,
          candidates.map((c) => c.volume),
        ) as Partner;
        raw.partner[i] = p.index;
        raw.region[i] = p.homeRegionIndex;
        raw.primaryChannel[i] = p.channelIndex;
        raw.segment[i] = SEG.partner_buyer;
        raw.attribute[i] = rng.chance(0.85) ? rng.weightedIndex(AGE_WEIGHTS.older as number[]) : 255;
        if (rng.chance(0.25)) raw.churnMonth[i] = createdMonth + 6 + rng.geometric(0.06);
        continue;
      }
    }

    const weights = channelWeightsAt(created);
    const channel = onlineChannels[rng.weightedIndex(weights)]!;
    raw.primaryChannel[i] = channel.index;
    raw.region[i] = rng.weightedIndex(regionDemand);
    const s = rng.float();
    const segment = s < 0.13 ? SEG.loyal : s < 0.45 ? SEG.regular : s < 0.85 ? SEG.occasional : SEG.one_off;
    raw.segment[i] = segment;
    let rate =
      segment === SEG.loyal
        ? rng.uniform(0.75, 1.25)
        : segment === SEG.regular
          ? rng.uniform(0.32, 0.58)
          : segment === SEG.occasional
            ? rng.uniform(0.08, 0.18)
            : 0;
    // Community group buying is a high-frequency, small-basket habit.
    if (channel.index === cgb && rate > 0) rate = Math.min(1.6, rate * 2.2);
    raw.rate[i] = rate;
    if (segment !== SEG.one_off && rng.chance(0.25)) {
      const others = weights.map((w, k) => (onlineChannels[k]!.index === channel.index ? 0 : w));
      if (others.some((w) => w > 0)) raw.secondaryChannel[i] = onlineChannels[rng.weightedIndex(others)]!.index;
    }
    const type = channel.ref.type;
    const ageProfile =
      type === "live_streaming" || type === "content_commerce" || type === "social_commerce"
        ? "young"
        : type === "community_group_buying"
          ? "older"
          : "default";
    raw.attribute[i] = rng.chance(0.9) ? rng.weightedIndex(AGE_WEIGHTS[ageProfile] as number[]) : 255;
    if (segment !== SEG.one_off && rng.chance(0.35)) raw.churnMonth[i] = createdMonth + 2 + rng.geometric(0.08);
  }

  // Customer numbers follow the order customers arrived in, as a real CRM's would.
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (raw.createdMs[a] as number) - (raw.createdMs[b] as number) || a - b,
  );
  const permute = <T extends Uint8Array | Int16Array | Int32Array | Float32Array | Float64Array>(src: T): T => {
    const out = new (src.constructor as new (len: number) => T)(n);
    for (let k = 0; k < n; k++) out[k] = src[order[k] as number] as number;
    return out;
  };
  const createdMs = permute(raw.createdMs);
  const createdMonthArr = new Int16Array(n);
  for (let k = 0; k < n; k++) createdMonthArr[k] = monthIndexOf(createdMs[k] as number, first);
  const isBusiness = permute(raw.isBusiness);
  const segment = permute(raw.segment);

  const refRng = rngFor(seed, "referrals");
  const referredBy = new Int32Array(n).fill(-1);
  const viaLead = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    if (!isBusiness[k] && k > 20 && refRng.chance(0.08)) {
      for (let attempt = 0; attempt < 4; attempt++) {
        const j = refRng.int(0, k - 1);
        if (!isBusiness[j]) {
          referredBy[k] = j;
          break;
        }
      }
    }
    if ((createdMs[k] as number) >= first.startMs - 30 * DAY_MS) {
      viaLead[k] = refRng.chance(isBusiness[k] ? 0.8 : 0.5) ? 1 : 0;
    }
  }

  return {
    count: n,
    isBusiness,
    createdMs,
    createdMonth: createdMonthArr,
    region: permute(raw.region),
    primaryChannel: permute(raw.primaryChannel),
    secondaryChannel: permute(raw.secondaryChannel),
    partner: permute(raw.partner),
    segment,
    rate: permute(raw.rate),
    churnMonth: permute(raw.churnMonth),
    attribute: permute(raw.attribute),
    referredBy,
    viaLead,
  };
}

export function ageBandOf(base: CustomerBase, i: number): string | null {
  const a = base.attribute[i] as number;
  return base.isBusiness[i] || a === 255 ? null : (AGE_BANDS[a] ?? null);
}

export function industryOf(base: CustomerBase, i: number): string | null {
  const a = base.attribute[i] as number;
  return !base.isBusiness[i] || a === 255 ? null : (INDUSTRIES[a] ?? null);
}
