/**
 * Gamma-Gamma model of average transaction value, from Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005),
 * "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", Journal of Marketing Research 42(4), 415–430,
 * written up with its likelihood and conditional expectation in Fader & Hardie (2013), "The Gamma-Gamma Model of
 * Monetary Value" (brucehardie.com note 025). This is the model of lifetimes' GammaGammaFitter.
 *
 * Story: a customer's transaction values z_1..z_x are i.i.d. Gamma(p, ν) (shape p, rate ν), so their mean is p/ν;
 * across customers ν ~ Gamma(q, v) (shape q, rate v; the papers call v "γ"). Spend is assumed independent of the
 * purchase process, which is what allows CLV = E[transactions] × E[value] below.
 *
 * Only customers with at least one repeat purchase (x > 0) carry information: the values used are those of the
 * repeat transactions, m_x = their mean (lifetimes' `monetary_value`), exactly as in the CDNOW analysis where the
 * 946 repeat buyers of the 2,357-customer cohort were used.
 */
import { expectedTransactions, type BgNbdParams } from "./bg-nbd.js";
import { minimise, type NelderMeadOptions } from "./nelder-mead.js";
import { lgamma } from "./special-functions.js";

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export interface SpendSummary {
  /** x: repeat purchases. Rows with x = 0 are ignored by the fit (they carry no spend information). */
  frequency: number;
  /** m_x: mean value of the repeat transactions. Must be > 0 when frequency > 0. */
  monetaryValue: number;
  /** Number of identical customers this row stands for (default 1). */
  weight?: number;
}

export interface GammaGammaFit extends GammaGammaParams {
  /** Maximised Σ weight × ln f(m_x | p, q, v; x). */
  logLikelihood: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  /** Number of repeat customers fitted (sum of weights of rows with frequency > 0). */
  subjects: number;
}

export interface FitGammaGammaOptions extends NelderMeadOptions {
  /** Starting parameter sets (natural scale). Default: (1, 1, 1) as in lifetimes, plus two data-scaled points. */
  starts?: GammaGammaParams[];
}

/**
 * ln f(m_x | p, q, v; x), the density of a customer's observed mean value (the mean of x i.i.d. Gamma(p, ν) values
 * is Gamma(px, xν); integrating ν over Gamma(q, v) gives):
 *
 *   f(m_x) = Γ(px + q) / (Γ(px) Γ(q)) · v^q · m_x^(px − 1) · x^(px) / (v + x m_x)^(px + q)
 *
 * This is the likelihood of FHL (2005b) / note 025 and lifetimes' `_negative_log_likelihood`.
 */
export function gammaGammaLogLikelihoodOne(params: GammaGammaParams, x: number, m: number): number {
  const { p, q, v } = params;
  const px = p * x;
  return (
    lgamma(px + q) -
    lgamma(px) -
    lgamma(q) +
    q * Math.log(v) +
    (px - 1) * Math.log(m) +
    px * Math.log(x) -
    (px + q) * Math.log(v + x * m)
  );
}

interface Row {
  x: number;
  m: number;
  weight: number;
}

function repeatRows(rows: readonly SpendSummary[]): Row[] {
  const out: Row[] = [];
  rows.forEach((row, i) => {
    if (!Number.isInteger(row.frequency) || row.frequency < 0) {
      throw new Error(`spend summary #${i}: frequency must be an integer ≥ 0`);
    }
    if (row.frequency === 0) return;
    if (!(Number.isFinite(row.monetaryValue) && row.monetaryValue > 0)) {
      throw new Error(`spend summary #${i}: monetaryValue must be > 0 for a repeat customer, got ${row.monetaryValue}`);
    }
    const weight = row.weight ?? 1;
    if (!(Number.isFinite(weight) && weight >= 0)) throw new Error(`spend summary #${i}: weight must be ≥ 0`);
    if (weight > 0) out.push({ x: row.frequency, m: row.monetaryValue, weight });
  });
  return out;
}

/** Σ weight × ln f(m_x | p, q, v; x) over the repeat customers (frequency > 0) of `rows`. */
export function gammaGammaLogLikelihood(params: GammaGammaParams, rows: readonly SpendSummary[]): number {
  return makeLogLikelihood(repeatRows(rows))(params);
}

function makeLogLikelihood(rows: readonly Row[]): (params: GammaGammaParams) => number {
  // Parameter-free parts are computed once (ln m, x, weights as flat arrays); the gamma-function terms once per
  // distinct x per evaluation.
  const distinctX = [...new Set(rows.map((r) => r.x))];
  const xIndexOf = new Map(distinctX.map((x, i) => [x, i]));
  const xs = Float64Array.from(rows, (r) => r.x);
  const ms = Float64Array.from(rows, (r) => r.m);
  const logMs = Float64Array.from(rows, (r) => Math.log(r.m));
  const weights = Float64Array.from(rows, (r) => r.weight);
  const xIndex = Int32Array.from(rows, (r) => xIndexOf.get(r.x)!);
  const gammaTerms = new Float64Array(distinctX.length);
  return ({ p, q, v }) => {
    distinctX.forEach((x, i) => (gammaTerms[i] = lgamma(p * x + q) - lgamma(p * x) + p * x * Math.log(x)));
    const base = q * Math.log(v) - lgamma(q);
    let total = 0;
    for (let i = 0; i < xs.length; i++) {
      const px = p * xs[i]!;
      const ll = gammaTerms[xIndex[i]!]! + base + (px - 1) * logMs[i]! - (px + q) * Math.log(v + xs[i]! * ms[i]!);
      total += weights[i]! * ll;
    }
    return total;
  };
}

/** Maximum-likelihood fit of (p, q, v) on the repeat customers, Nelder–Mead over (ln p, ln q, ln v). */
export function fitGammaGamma(rows: readonly SpendSummary[], options: FitGammaGammaOptions = {}): GammaGammaFit {
  const repeat = repeatRows(rows);
  if (repeat.length === 0) throw new Error("fitGammaGamma: no customers with frequency > 0");
  const logLikelihood = makeLogLikelihood(repeat);
  const fromLog = (w: readonly number[]): GammaGammaParams => ({
    p: Math.exp(w[0]!),
    q: Math.exp(w[1]!),
    v: Math.exp(w[2]!),
  });
  const objective = (w: readonly number[]): number => {
    const ll = logLikelihood(fromLog(w));
    return Number.isFinite(ll) ? -ll : Number.POSITIVE_INFINITY;
  };
  const totalWeight = repeat.reduce((s, r) => s + r.weight, 0);
  const meanM = repeat.reduce((s, r) => s + r.weight * r.m, 0) / totalWeight;
  const defaultStarts: GammaGammaParams[] = [
    { p: 1, q: 1, v: 1 },
    // E[value] = p v / (q − 1): these two starts put the population mean at the sample mean.
    { p: 2, q: 3, v: meanM },
    { p: 5, q: 5, v: (4 * meanM) / 5 },
  ];
  const starts = (options.starts ?? defaultStarts).map((s) => [s.p, s.q, s.v].map(Math.log));
  const result = minimise(objective, starts, options);
  return {
    ...fromLog(result.x),
    logLikelihood: -result.fx,
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
    subjects: totalWeight,
  };
}

/**
 * E[M | p, q, v, m_x, x]: expected average transaction value of a customer with x repeat purchases of mean m_x
 * (note 025 eq. 5 as lifetimes cites it; FHL 2005b). A credibility-weighted average of the population mean
 * E[M] = p v / (q − 1) and the customer's own mean:
 *
 *   E[M | ...] = (q − 1)/(p x + q − 1) · p v/(q − 1)  +  p x/(p x + q − 1) · m_x
 *
 * With x = 0 this is the population mean (m_x is then ignored). Needs q > 1 (otherwise the mean is infinite).
 */
export function conditionalExpectedAverageProfit(
  params: GammaGammaParams,
  frequency: number,
  monetaryValue: number,
): number {
  const { p, q, v } = params;
  if (!(q > 1)) throw new RangeError(`conditionalExpectedAverageProfit: needs q > 1 for a finite mean, got q = ${q}`);
  const populationMean = (p * v) / (q - 1);
  if (frequency === 0) return populationMean;
  const individualWeight = (p * frequency) / (p * frequency + q - 1);
  return (1 - individualWeight) * populationMean + individualWeight * monetaryValue;
}

export interface ExpectedSpendOptions {
  /** Monthly discount rate d (e.g. 0.01). Default 0: no discounting. */
  monthlyDiscountRate?: number;
  /**
   * Length of a month in the model's time unit, used only when discounting. Default 4.345 (weeks per month, the
   * factor lifetimes uses for freq "W"); use 30 for daily data.
   */
  periodsPerMonth?: number;
}

/**
 * Expected (optionally discounted) spend of a customer over the next t periods:
 *
 *   undiscounted:  E[Y(t) | x, t_x, T] (BG/NBD eq. 10) × E[M | x, m_x] (Gamma-Gamma, see above)
 *   discounted:    Σ_k E[M] · (E[Y(b_k)] − E[Y(b_{k−1})]) / (1 + d)^(b_k / periodsPerMonth),
 *                  b_k = min(k · periodsPerMonth, t), k = 1..⌈t / periodsPerMonth⌉
 *
 * The discounted form is lifetimes' `customer_lifetime_value` (purchases expected in month k discounted at the
 * month's end) extended to a horizon that is not a whole number of months; with d = 0 the sum telescopes to the
 * undiscounted product. The product form relies on the Gamma-Gamma assumption that spend is independent of the
 * purchase process.
 */
export function expectedSpend(
  spend: GammaGammaParams,
  bgnbd: BgNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
  m: number,
  options: ExpectedSpendOptions = {},
): number {
  const value = conditionalExpectedAverageProfit(spend, x, m);
  const d = options.monthlyDiscountRate ?? 0;
  if (!(d > -1)) throw new RangeError("expectedSpend: monthlyDiscountRate must be > −1");
  if (d === 0) return value * expectedTransactions(bgnbd, t, x, tx, T);
  const month = options.periodsPerMonth ?? 4.345;
  if (!(month > 0)) throw new RangeError("expectedSpend: periodsPerMonth must be > 0");
  let total = 0;
  let previousBoundary = 0;
  let previousExpected = 0;
  // Tolerate float noise so that t = 12 × 4.345 is 12 months, not 13 with an empty last one.
  const months = Math.max(1, Math.ceil(t / month - 1e-9));
  for (let k = 1; k <= months; k++) {
    const boundary = Math.min(k * month, t);
    if (boundary <= previousBoundary) break;
    const expected = expectedTransactions(bgnbd, boundary, x, tx, T);
    total += (value * (expected - previousExpected)) / Math.pow(1 + d, boundary / month);
    previousBoundary = boundary;
    previousExpected = expected;
  }
  return total;
}

/** Customer lifetime value over a horizon of t periods: `expectedSpend` under the name used in lifetimes. */
export const customerLifetimeValue = expectedSpend;
