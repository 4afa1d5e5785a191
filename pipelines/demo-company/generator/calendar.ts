/**
 * Time in the demo company: 24 months ending on a fixed as-of date (never "today"), all
 * timestamps in UTC, and the seasonality a Chinese consumer-durables business sees
 * (Double 11 and 618 peaks, the Chinese New Year dip, year-end business budgets).
 */
import type { Rng } from "./random.js";

export const DAY_MS = 86_400_000;
export const DEFAULT_AS_OF = "2026-10-31";
export const HISTORY_MONTHS = 24;

export interface Month {
  /** 0 = first month of history. */
  readonly index: number;
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  /** `YYYY-MM` */
  readonly key: string;
  /** `YYYYMM`, used inside identifiers. */
  readonly compactKey: string;
  readonly startMs: number;
  /** Exclusive. */
  readonly endMs: number;
  /** Epoch day number of the first day. */
  readonly startDay: number;
  readonly days: number;
}

export function dayOf(isoDate: string): number {
  const ms = Date.parse(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`not a date: ${isoDate}`);
  return ms / DAY_MS;
}

// Formatting timestamps is on the hot path of the largest tables (10M+ rows at scale 200):
// dates are cached per day and times assembled from two-digit strings, without Date objects.
const dateCache = new Map<number, string>();
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

export function isoDate(day: number): string {
  let text = dateCache.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dateCache.set(day, text);
  }
  return text;
}

function timeOfDay(ms: number, day: number): string {
  const seconds = Math.floor((ms - day * DAY_MS) / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[seconds % 60]}`;
}

/** `YYYY-MM-DD HH:MM:SS`, UTC, the form the order system stores in `timestamp` columns. */
export function sqlTimestamp(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  return `${isoDate(day)} ${timeOfDay(ms, day)}`;
}

/** `YYYY-MM-DDTHH:MM:SSZ`, what the CRM API returns. */
export function isoTimestamp(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  return `${isoDate(day)}T${timeOfDay(ms, day)}Z`;
}

export function monthStartMs(year: number, month: number): number {
  return Date.UTC(year, month - 1, 1);
}

export function buildCalendar(asOf: string): Month[] {
  const end = new Date(`${asOf}T00:00:00Z`);
  if (Number.isNaN(end.getTime())) throw new Error(`asOf is not a date: ${asOf}`);
  const next = new Date(end.getTime() + DAY_MS);
  if (next.getUTCDate() !== 1) throw new Error(`asOf must be the last day of a month, got ${asOf}`);
  const months: Month[] = [];
  for (let i = 0; i < HISTORY_MONTHS; i++) {
    const offset = i - HISTORY_MONTHS + 1;
    const d = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + offset, 1));
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const startMs = d.getTime();
    const endMs = Date.UTC(year, month, 1);
    const key = `${year}-${String(month).padStart(2, "0")}`;
    months.push({
      index: i,
      year,
      month,
      key,
      compactKey: key.replace("-", ""),
      startMs,
      endMs,
      startDay: startMs / DAY_MS,
      days: Math.round((endMs - startMs) / DAY_MS),
    });
  }
  return months;
}

/** Chinese New Year (Spring Festival) dates; the dip spans about a week before to ten days after. */
const SPRING_FESTIVAL: Record<number, string> = {
  2016: "2016-02-08",
  2017: "2017-01-28",
  2018: "2018-02-16",
  2019: "2019-02-05",
  2020: "2020-01-25",
  2021: "2021-02-12",
  2022: "2022-02-01",
  2023: "2023-01-22",
  2024: "2024-02-10",
  2025: "2025-01-29",
  2026: "2026-02-17",
  2027: "2027-02-06",
  2028: "2028-01-26",
};

export type SeasonProfile = "online" | "offline" | "business" | "sell_in";

/** Month-of-year level before day effects (index 0 = January). */
const MONTH_LEVEL: Record<SeasonProfile, readonly number[]> = {
  online: [0.95, 0.85, 0.95, 0.95, 1.0, 1.2, 0.9, 0.9, 0.95, 1.05, 1.55, 1.2],
  offline: [1.15, 0.85, 0.95, 0.95, 1.0, 1.05, 0.95, 0.95, 1.0, 1.1, 1.15, 1.1],
  business: [0.9, 0.75, 1.05, 1.0, 1.0, 1.0, 0.95, 0.95, 1.05, 0.95, 1.05, 1.35],
  // Partners stock up the month before each consumer peak.
  sell_in: [1.1, 0.65, 0.95, 1.0, 1.3, 0.95, 0.9, 0.95, 1.05, 1.45, 1.15, 1.2],
};

/** Local (China time) hour-of-day weights; converted to UTC when sampling. */
const HOUR_WEIGHTS: Record<SeasonProfile, readonly number[]> = {
  online: [3, 2, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 3, 4, 5, 6, 5, 4, 4, 4, 5, 6, 7, 9, 10, 9, 6],
  offline: [0, 0, 0, 0, 0, 0, 0, 0.2, 0.5, 2, 5, 6, 6, 5, 5, 5, 5, 6, 7, 7, 6, 4, 1, 0],
  business: [0, 0, 0, 0, 0, 0, 0, 0.2, 1, 6, 8, 8, 4, 5, 8, 8, 7, 5, 2, 0.5, 0.2, 0, 0, 0],
  sell_in: [0, 0, 0, 0, 0, 0, 0, 0.1, 2, 8, 9, 8, 3, 5, 8, 8, 6, 4, 1, 0.3, 0, 0, 0, 0],
};

function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i] as number;
    out[i] = total;
  }
  return out;
}

function sampleCumulative(rng: Rng, cum: Float64Array): number {
  const x = rng.float() * (cum[cum.length - 1] as number);
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cum[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const HOUR_CUM_UTC: Record<SeasonProfile, Float64Array> = (() => {
  const out = {} as Record<SeasonProfile, Float64Array>;
  for (const profile of Object.keys(HOUR_WEIGHTS) as SeasonProfile[]) {
    const local = HOUR_WEIGHTS[profile];
    // UTC hour h is local hour h + 8.
    const utc = Array.from({ length: 24 }, (_, h) => local[(h + 8) % 24] as number);
    out[profile] = cumulative(utc);
  }
  return out;
})();

/**
 * Seasonality of one month for one kind of demand: `level` is the month's demand relative to an
 * average month, `sample` draws a timestamp inside the month (optionally within [fromMs, toMs)).
 */
export class MonthSeason {
  readonly level: number;
  private readonly dayCum: Float64Array;
  private readonly dayWeights: Float64Array;

  constructor(
    readonly month: Month,
    readonly profile: SeasonProfile,
  ) {
    const weights = new Float64Array(month.days);
    const festival = SPRING_FESTIVAL[month.year] ?? SPRING_FESTIVAL[2026];
    const festivalDay = dayOf(festival as string);
    for (let i = 0; i < month.days; i++) {
      const day = month.startDay + i;
      const weekday = new Date(day * DAY_MS).getUTCDay();
      const weekend = weekday === 0 || weekday === 6;
      let w = 1;
      if (profile === "business" || profile === "sell_in") w = weekend ? 0.15 : 1;
      else if (profile === "offline") w = weekend ? 1.4 : 0.9;
      const dom = i + 1;
      if (profile === "online") {
        if (month.month === 11 && dom <= 11) w *= dom === 11 ? 6 : 1.8;
        if (month.month === 6 && dom <= 18) w *= dom === 18 ? 4 : 1.5;
        if (month.month === 12 && dom === 12) w *= 2.5;
      }
      const rel = day - festivalDay;
      if (rel >= -6 && rel <= 9) w *= profile === "business" || profile === "sell_in" ? 0.08 : 0.35;
      else if (rel >= -25 && rel < -6 && profile === "offline") w *= 1.3;
      weights[i] = w;
    }
    let mean = 0;
    for (const w of weights) mean += w;
    mean /= month.days;
    let base = 1;
    if (profile === "business" || profile === "sell_in") base = 5 / 7 + (2 / 7) * 0.15;
    else if (profile === "offline") base = (5 * 0.9 + 2 * 1.4) / 7;
    this.level = (MONTH_LEVEL[profile][month.month - 1] as number) * (mean / base);
    this.dayWeights = weights;
    this.dayCum = cumulative(Array.from(weights));
  }

  /** A timestamp (ms, whole seconds) in the month, within [fromMs, toMs) when given. */
  sample(rng: Rng, fromMs = this.month.startMs, toMs = this.month.endMs): number {
    const lo = Math.max(fromMs, this.month.startMs);
    const hi = Math.min(toMs, this.month.endMs);
    if (hi <= lo) throw new Error(`empty sampling window in ${this.month.key}`);
    if (lo === this.month.startMs && hi === this.month.endMs) {
      const day = sampleCumulative(rng, this.dayCum);
      const hour = sampleCumulative(rng, HOUR_CUM_UTC[this.profile]);
      const second = rng.int(0, 3599);
      return this.month.startMs + day * DAY_MS + hour * 3_600_000 + second * 1000;
    }
    // A partial window (a customer created mid-month, a partner signed mid-month): sample the
    // allowed days by their weights, then a time inside the allowed part of the day.
    const firstDay = Math.floor((lo - this.month.startMs) / DAY_MS);
    const lastDay = Math.floor((hi - 1 - this.month.startMs) / DAY_MS);
    const weights: number[] = [];
    for (let d = firstDay; d <= lastDay; d++) weights.push(Math.max(this.dayWeights[d] as number, 1e-6));
    const day = firstDay + rng.weightedIndex(weights);
    const dayStart = this.month.startMs + day * DAY_MS;
    const from = Math.max(lo, dayStart);
    const to = Math.min(hi, dayStart + DAY_MS);
    const seconds = Math.max(1, Math.floor((to - from) / 1000));
    return Math.ceil(from / 1000) * 1000 + rng.int(0, seconds - 1) * 1000;
  }
}
