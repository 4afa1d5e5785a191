/**
 * Per-customer RFM summaries from a transaction log, defined exactly as lifetimes'
 * `summary_data_from_transaction_data` (lifetimes/utils.py, with include_first_transaction=False) defines them:
 *
 * 1. Periods. Every date is mapped to the period that contains it: a calendar day for periodDays = 1 (pandas freq
 *    "D"), a calendar week Monday–Sunday for periodDays = 7 (pandas freq "W", i.e. "W-SUN" weeks). Times of day are
 *    irrelevant. All transactions of a customer in the same period collapse into ONE period-transaction whose
 *    value is the SUM of their amounts.
 * 2. Observation end. `observationEnd` is also mapped to its period; period-transactions in later periods are
 *    dropped. (So, as in lifetimes, a purchase later in the same week as observationEnd still counts.)
 * 3. frequency = number of period-transactions − 1: the repeat periods (periods with a purchase after the first).
 * 4. recency  = (start of the last purchase period − start of the first purchase period), in periods;
 *    0 for a customer without repeat purchases.
 * 5. T        = (start of the observationEnd period − start of the first purchase period), in periods.
 * 6. monetaryValue = mean value of the repeat period-transactions (the first one excluded, since the BG/NBD and
 *    Gamma-Gamma models describe repeat behaviour); 0 when frequency = 0.
 *
 * recency and T are divided by `freqMultiplier` (lifetimes' freq_multiplier). The BG/NBD paper's CDNOW data use
 * days divided by 7 ("weeks" with decimals, e.g. 213 days → 30.43): that is periodDays = 1 with freqMultiplier = 7,
 * not periodDays = 7, which measures whole calendar weeks as lifetimes' freq "W" does.
 */

export interface Transaction {
  customerId: string | number;
  /** A Date (its UTC calendar date is used) or a string "YYYY-MM-DD" / "YYYYMMDD" (anything after is ignored). */
  date: Date | string;
  amount: number;
}

export interface SummariseOptions {
  /** End of the observation (calibration) period, inclusive, same formats as Transaction.date. */
  observationEnd: Date | string;
  /** Period length: 7 = calendar weeks starting Monday (default, lifetimes freq "W"), 1 = days (freq "D"). */
  periodDays?: 1 | 7;
  /** recency and T are divided by this (lifetimes' freq_multiplier). Default 1. */
  freqMultiplier?: number;
  /** Count the first purchase in frequency and monetaryValue (lifetimes' include_first_transaction). Default false. */
  includeFirstTransaction?: boolean;
}

export interface CustomerRfm {
  customerId: string | number;
  frequency: number;
  recency: number;
  T: number;
  monetaryValue: number;
}

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of the calendar date of `value`. */
export function dayNumber(value: Date | string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new Error("invalid Date");
    return Math.floor(ms / MS_PER_DAY);
  }
  const match = /^\s*(\d{4})-?(\d{2})-?(\d{2})/.exec(value);
  if (!match) throw new Error(`unrecognised date "${value}" (expected YYYY-MM-DD or YYYYMMDD)`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new Error(`invalid calendar date "${value}"`);
  }
  return ms / MS_PER_DAY;
}

/** First day (as a day number) of the period containing `day`. */
function periodStart(day: number, periodDays: 1 | 7): number {
  if (periodDays === 1) return day;
  // 1970-01-01 was a Thursday, so Mondays are the day numbers ≡ −3 (mod 7).
  return Math.floor((day + 3) / 7) * 7 - 3;
}

function compareIds(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** One summary per customer with a purchase on or before the observation end, in ascending customerId order. */
export function summariseTransactions(rows: readonly Transaction[], options: SummariseOptions): CustomerRfm[] {
  const periodDays = options.periodDays ?? 7;
  if (periodDays !== 1 && periodDays !== 7) throw new Error("summariseTransactions: periodDays must be 1 or 7");
  const multiplier = options.freqMultiplier ?? 1;
  if (!(multiplier > 0)) throw new Error("summariseTransactions: freqMultiplier must be > 0");
  const includeFirst = options.includeFirstTransaction ?? false;
  const endPeriod = periodStart(dayNumber(options.observationEnd), periodDays);

  // customer -> period start -> summed amount
  const byCustomer = new Map<string | number, Map<number, number>>();
  rows.forEach((row, i) => {
    if (!Number.isFinite(row.amount)) throw new Error(`transaction #${i}: amount must be a finite number`);
    let day: number;
    try {
      day = dayNumber(row.date);
    } catch (error) {
      throw new Error(`transaction #${i}: ${(error as Error).message}`);
    }
    const period = periodStart(day, periodDays);
    if (period > endPeriod) return;
    let periods = byCustomer.get(row.customerId);
    if (!periods) byCustomer.set(row.customerId, (periods = new Map()));
    periods.set(period, (periods.get(period) ?? 0) + row.amount);
  });

  const out: CustomerRfm[] = [];
  for (const [customerId, periods] of byCustomer) {
    const starts = [...periods.keys()].sort((a, b) => a - b);
    const first = starts[0]!;
    const last = starts[starts.length - 1]!;
    const counted = includeFirst ? starts : starts.slice(1);
    const monetaryValue = counted.length === 0 ? 0 : counted.reduce((s, p) => s + periods.get(p)!, 0) / counted.length;
    out.push({
      customerId,
      frequency: counted.length,
      recency: (last - first) / periodDays / multiplier,
      T: (endPeriod - first) / periodDays / multiplier,
      monetaryValue,
    });
  }
  return out.sort((a, b) => compareIds(a.customerId, b.customerId));
}
