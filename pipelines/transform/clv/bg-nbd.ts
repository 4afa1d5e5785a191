/**
 * BG/NBD ("beta-geometric / negative binomial distribution") model of repeat purchasing:
 * Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the Easy Way: An Alternative to the
 * Pareto/NBD Model", Marketing Science 24(2), 275–284. Equation numbers below refer to that paper; the Excel note
 * Fader & Hardie, "Implementing the BG/NBD Model for Customer Base Analysis in Excel" (brucehardie.com note 004)
 * gives the same likelihood split into the A1..A4 terms used here.
 *
 * Story: while alive, a customer buys as a Poisson process with rate λ; after every purchase they die with
 * probability p. Across customers λ ~ Gamma(r, α) (shape r, rate α) and p ~ Beta(a, b).
 *
 * Data per customer (any time unit, as long as it is the same for everyone; the paper uses weeks):
 * - x   = frequency: number of repeat purchases (purchases after the first),
 * - t_x = recency: time of the last purchase, measured from the first purchase (0 if x = 0),
 * - T   = age: time from the first purchase to the end of the observation period.
 */
import { minimise, type NelderMeadOptions } from "./nelder-mead.js";
import { lgamma, signedLogHyp2f1 } from "./special-functions.js";

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface CustomerSummary {
  /** x: repeat purchases (a non-negative integer). */
  frequency: number;
  /** t_x: time of the last purchase since the first one; 0 when frequency is 0. */
  recency: number;
  /** T: time from the first purchase to the end of observation. */
  T: number;
  /** Number of identical customers this row stands for (default 1). */
  weight?: number;
}

export interface BgNbdFit extends BgNbdParams {
  /** Maximised total log-likelihood, Σ weight × ln L_i, L_i from paper eq. (6). */
  logLikelihood: number;
  /** Nelder–Mead iterations summed over starts and restarts. */
  iterations: number;
  evaluations: number;
  converged: boolean;
  /** Number of customers fitted (sum of weights). */
  subjects: number;
}

export interface FitBgNbdOptions extends NelderMeadOptions {
  /** Starting parameter sets (natural scale). Default: three starts, see `defaultStarts`. */
  starts?: BgNbdParams[];
}

/** Validates one summary the way lifetimes' `_check_inputs` does; throws with the offending row. */
export function checkSummary(s: CustomerSummary, index = 0): void {
  const where = `customer summary #${index}`;
  if (!Number.isInteger(s.frequency) || s.frequency < 0) throw new Error(`${where}: frequency must be an integer ≥ 0`);
  if (!(Number.isFinite(s.recency) && Number.isFinite(s.T)) || s.recency < 0 || s.T < 0) {
    throw new Error(`${where}: recency and T must be finite and ≥ 0`);
  }
  if (s.recency > s.T) throw new Error(`${where}: recency (${s.recency}) exceeds T (${s.T})`);
  if (s.frequency === 0 && s.recency !== 0) throw new Error(`${where}: recency must be 0 when frequency is 0`);
  if (s.weight !== undefined && !(Number.isFinite(s.weight) && s.weight >= 0)) {
    throw new Error(`${where}: weight must be finite and ≥ 0`);
  }
}

/**
 * ln L(r, α, a, b | x, t_x, T) for one customer, paper eq. (6):
 *
 *   L = A1 · A2 · (A3 + δ_{x>0} A4)
 *   A1 = Γ(r + x) α^r / Γ(r)                       (NBD part: purchases while alive)
 *   A2 = Γ(a + b) Γ(b + x) / (Γ(b) Γ(a + b + x))   (= B(a, b + x) / B(a, b): survived x purchases)
 *   A3 = (α + T)^−(r+x)                            (still alive at T)
 *   A4 = a / (b + x − 1) · (α + t_x)^−(r+x)        (died right after the last purchase at t_x; only if x > 0)
 *
 * Everything is in logs (lgamma, and ln(A3 + A4) by log-sum-exp), because (α + T)^(r+x) under- or overflows for
 * heavy buyers and Γ overflows beyond 171.
 */
export function bgNbdLogLikelihoodOne(params: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = params;
  const lnA1 = lgamma(r + x) - lgamma(r) + r * Math.log(alpha);
  const lnA2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  return lnA1 + lnA2 + logA3PlusA4(params, x, tx, T);
}

function logA3PlusA4(params: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = params;
  const lnA3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return lnA3;
  const lnA4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  // ln(e^lnA3 + e^lnA4) without overflow or underflow
  return Math.max(lnA3, lnA4) + Math.log1p(Math.exp(-Math.abs(lnA3 - lnA4)));
}

/** Sample log-likelihood Σ_i weight_i · ln L_i, L_i from paper eq. (6). */
export function bgNbdLogLikelihood(params: BgNbdParams, summaries: readonly CustomerSummary[]): number {
  return makeLogLikelihood(compress(summaries))(params);
}

interface Pattern {
  x: number;
  tx: number;
  T: number;
  weight: number;
}

/** Customers with the same (x, t_x, T) contribute identical terms: fit on the distinct patterns with weights. */
function compress(summaries: readonly CustomerSummary[]): Pattern[] {
  const patterns = new Map<string, Pattern>();
  summaries.forEach((s, i) => {
    checkSummary(s, i);
    const weight = s.weight ?? 1;
    const key = `${s.frequency}|${s.recency}|${s.T}`;
    const existing = patterns.get(key);
    if (existing) existing.weight += weight;
    else patterns.set(key, { x: s.frequency, tx: s.recency, T: s.T, weight });
  });
  return [...patterns.values()].filter((p) => p.weight > 0);
}

function makeLogLikelihood(patterns: readonly Pattern[]): (params: BgNbdParams) => number {
  // The likelihood is evaluated thousands of times during a fit, so everything that depends on a single data
  // column is computed once per distinct value: the gamma-function terms per x, ln(α + T) per T, ln(α + t_x) per t_x.
  const distinct = (values: number[]) => [...new Set(values)];
  const xs = distinct(patterns.map((p) => p.x));
  const Ts = distinct(patterns.map((p) => p.T));
  const txs = distinct(patterns.map((p) => p.tx));
  const index = (values: number[]) => new Map(values.map((v, i) => [v, i]));
  const [xIndex, TIndex, txIndex] = [index(xs), index(Ts), index(txs)];
  // (A plain literal, not {...p}: spread-built objects made this loop several times slower in V8.)
  const rows = patterns.map((p) => ({
    x: p.x,
    weight: p.weight,
    xi: xIndex.get(p.x)!,
    Ti: TIndex.get(p.T)!,
    txi: txIndex.get(p.tx)!,
  }));
  const lnA1A2 = new Float64Array(xs.length);
  const lnA4Factor = new Float64Array(xs.length);
  const lnAlphaT = new Float64Array(Ts.length);
  const lnAlphaTx = new Float64Array(txs.length);
  return (params) => {
    const { r, alpha, a, b } = params;
    const base = lgamma(a + b) - lgamma(b) - lgamma(r) + r * Math.log(alpha);
    const lnA = Math.log(a);
    xs.forEach((x, i) => {
      lnA1A2[i] = base + lgamma(r + x) + lgamma(b + x) - lgamma(a + b + x);
      lnA4Factor[i] = x > 0 ? lnA - Math.log(b + x - 1) : 0;
    });
    Ts.forEach((T, i) => (lnAlphaT[i] = Math.log(alpha + T)));
    txs.forEach((tx, i) => (lnAlphaTx[i] = Math.log(alpha + tx)));
    let total = 0;
    for (const p of rows) {
      // Same terms as bgNbdLogLikelihoodOne / logA3PlusA4, from the cached logs.
      const lnA3 = -(r + p.x) * lnAlphaT[p.Ti]!;
      let lnA3PlusA4 = lnA3;
      if (p.x > 0) {
        const lnA4 = lnA4Factor[p.xi]! - (r + p.x) * lnAlphaTx[p.txi]!;
        const top = Math.max(lnA3, lnA4);
        lnA3PlusA4 = top + Math.log1p(Math.exp(-Math.abs(lnA3 - lnA4)));
      }
      total += p.weight * (lnA1A2[p.xi]! + lnA3PlusA4);
    }
    return total;
  };
}

/** Starting points: all ones (lifetimes' default) and two points scaled to the data's time unit. */
function defaultStarts(patterns: readonly Pattern[]): BgNbdParams[] {
  const totalWeight = patterns.reduce((s, p) => s + p.weight, 0);
  const meanT = patterns.reduce((s, p) => s + p.weight * p.T, 0) / totalWeight;
  const scale = meanT > 0 ? meanT / 8 : 1;
  return [
    { r: 1, alpha: 1, a: 1, b: 1 },
    { r: 0.5, alpha: scale, a: 0.5, b: 2 },
    { r: 2, alpha: 4 * scale, a: 2, b: 6 },
  ];
}

/**
 * Maximum-likelihood fit of (r, α, a, b), maximising the sum over customers of ln eq. (6), by Nelder–Mead over
 * (ln r, ln α, ln a, ln b) so that positivity needs no constraints, from several starting points with restarts.
 */
export function fitBgNbd(summaries: readonly CustomerSummary[], options: FitBgNbdOptions = {}): BgNbdFit {
  const patterns = compress(summaries);
  if (patterns.length === 0) throw new Error("fitBgNbd: no customers to fit");
  const logLikelihood = makeLogLikelihood(patterns);
  const fromLog = (v: readonly number[]): BgNbdParams => ({
    r: Math.exp(v[0]!),
    alpha: Math.exp(v[1]!),
    a: Math.exp(v[2]!),
    b: Math.exp(v[3]!),
  });
  const objective = (v: readonly number[]): number => {
    const ll = logLikelihood(fromLog(v));
    return Number.isFinite(ll) ? -ll : Number.POSITIVE_INFINITY;
  };
  const starts = (options.starts ?? defaultStarts(patterns)).map((s) => [s.r, s.alpha, s.a, s.b].map(Math.log));
  const result = minimise(objective, starts, options);
  return {
    ...fromLog(result.x),
    logLikelihood: -result.fx,
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
    subjects: patterns.reduce((s, p) => s + p.weight, 0),
  };
}

/**
 * P(alive | x, t_x, T): the probability the customer has not yet died at T. From Bayes on eq. (6)
 * (Fader, Hardie & Lee, "Computing P(alive) Using the BG/NBD Model", brucehardie.com note 021):
 *
 *   P(alive) = 1 / (1 + δ_{x>0} · a / (b + x − 1) · ((α + T) / (α + t_x))^(r+x))  =  A3 / (A3 + δ A4)
 *
 * A customer with no repeat purchase cannot have died (in the BG/NBD, death happens only right after a purchase,
 * and the first purchase is not a death opportunity), so P(alive) = 1 when x = 0.
 */
export function probabilityAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logOdds = Math.log(a / (b + x - 1)) + (r + x) * Math.log((alpha + T) / (alpha + tx));
  return 1 / (1 + Math.exp(logOdds));
}

/**
 * E[X(t)]: expected repeat purchases in (0, t] for a new customer (unconditional), paper eq. (9):
 *
 *   E[X(t)] = (a + b − 1)/(a − 1) · [1 − (α/(α + t))^r · ₂F₁(r, b; a + b − 1; t/(α + t))]
 *
 * The formula has a removable singularity at a = 1 (numerator and denominator both vanish): see `nearAOne`.
 */
export function expectedTransactionsNew(params: BgNbdParams, t: number): number {
  if (!(t >= 0)) throw new RangeError("expectedTransactionsNew: t must be ≥ 0");
  if (t === 0) return 0;
  // a new customer is one with x = 0 at T = 0: eq. (9) is eq. (10) there, and shares its moment series
  const bySeries = aliveExpectationByMoments(params, t, 0, 0);
  if (bySeries !== undefined) return bySeries;
  return nearAOne(params, (p) => {
    const { r, alpha, a, b } = p;
    const tail = signedLogHyp2f1(r, b, a + b - 1, t / (alpha + t));
    return ((a + b - 1) / (a - 1)) * oneMinusTail(r * Math.log(alpha / (alpha + t)), tail);
  });
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the next t periods, (T, T + t], for a customer with history
 * (x, t_x, T), paper eq. (10):
 *
 *   E[Y(t) | ...] = (a + b + x − 1)/(a − 1) · [1 − ((α + T)/(α + T + t))^(r+x) · ₂F₁(r + x, b + x; a + b + x − 1; t/(α + T + t))]
 *                   ─────────────────────────────────────────────────────────────────────────────────────────────
 *                                  1 + δ_{x>0} · a/(b + x − 1) · ((α + T)/(α + t_x))^(r+x)
 *
 * (The denominator is 1 / P(alive): the numerator is the expectation for a customer known to be alive at T.)
 * Where the fit makes a + b + x − 1 large (see `aliveExpectationByMoments`) the numerator is summed as a series
 * without cancellation instead.
 */
export function expectedTransactions(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (!(t >= 0)) throw new RangeError("expectedTransactions: t must be ≥ 0");
  if (t === 0) return 0;
  const bySeries = aliveExpectationByMoments(params, t, x, T);
  if (bySeries !== undefined) return bySeries * probabilityAlive(params, x, tx, T);
  return nearAOne(params, (p) => {
    const { r, alpha, a, b } = p;
    const z = t / (alpha + T + t);
    const tail = signedLogHyp2f1(r + x, b + x, a + b + x - 1, z);
    const aliveExpectation =
      ((a + b + x - 1) / (a - 1)) * oneMinusTail((r + x) * Math.log((alpha + T) / (alpha + T + t)), tail);
    return aliveExpectation * probabilityAlive(p, x, tx, T);
  });
}

/** Largest number of terms of the moment series before the closed form is used instead. */
const MOMENT_SERIES_MAX_TERMS = 500;

/**
 * The numerator of eq. (10), E[Y(t) | alive at T, x], as a series in the moments of the dropout probability; undefined
 * where it does not reach full precision within MOMENT_SERIES_MAX_TERMS terms (the caller then uses the closed form).
 *
 * Why: when a fit puts b (or a and b) very large - a fit at its boundary, where nobody drops out, or everybody with the
 * same probability - the closed form is c/(a − 1) · [1 − F] with c = a + b + x − 1 in the hundreds of thousands and
 * 1 − F of order 1/c. The bracket then cancels nearly all its digits, and a + b + x − 1 rounded to a double has
 * already lost the digits of a small a that the bracket depends on: at a = 0.0002, b = 514,000 the closed form is off
 * in the sixth digit. The series has neither problem, and there it needs a handful of terms.
 *
 * Derivation. By Pfaff's transformation (1 − z)^s ₂F₁(s, B; c; z) = ₂F₁(a − 1, s; c; −y), with s = r + x, B = b + x,
 * y = t/(α + T); by Euler's integral, for c > s, that is E_q[(1 + q y)^(1−a)] with q ~ Beta(s, c − s). So
 *
 *   E[Y(t) | alive] = c · E_q[h(q)],   h(q) = ((1 + q y)^(1−a) − 1) / (1 − a)   (= ln(1 + q y) at a = 1),
 *
 * and with h's Taylor series and E[q^k] = (s)_k / (c)_k:
 *
 *   E[Y(t) | alive] = Σ_{k≥1} T_k,   T_1 = s y,   T_{k+1} = −T_k · (a + k − 1)/(k + 1) · y · (s + k)/(c + k).
 *
 * T_1 = (r + x) t/(α + T) is the customer's current purchase rate times t: the limit where nobody drops out. The
 * series has no singularity at a = 1. Error bound: h′(q) = y (1 + q y)^(−a) is completely monotone for a > 0, so the
 * Taylor remainder of h after k terms is at most its next term for every q ≥ 0, and the remainder of the sum is at most
 * |T_{k+1}| - the stopping rule below is a bound, not a guess. (For y > 1 the series eventually diverges, as h has a
 * branch point at q = −1/y; while c is large it reaches full precision long before, and otherwise the closed form is
 * used.)
 */
function aliveExpectationByMoments(params: BgNbdParams, t: number, x: number, T: number): number | undefined {
  const { r, alpha, a, b } = params;
  const s = r + x;
  const c = a + b + x - 1;
  if (!(a > 0 && c > s)) return undefined;
  const y = t / (alpha + T);
  let term = s * y;
  let sum = term;
  for (let k = 1; k < MOMENT_SERIES_MAX_TERMS; k++) {
    term *= (-(a + k - 1) / (k + 1)) * y * ((s + k) / (c + k));
    if (Math.abs(term) <= 1e-16 * Math.abs(sum)) return sum;
    if (!Number.isFinite(term)) return undefined;
    sum += term;
  }
  return undefined;
}

/**
 * 1 − e^lnFactor · ₂F₁, the bracket of eqs. (9) and (10). Where ₂F₁ is positive, expm1 keeps
 * precision when the product is ≈ 1 (small t); when a + b + x < 1 its third parameter is negative and so may be
 * ₂F₁ (a U-shaped dropout distribution), which logs cannot carry: the sign is carried separately.
 */
function oneMinusTail(lnFactor: number, hyp: { sign: -1 | 0 | 1; log: number }): number {
  if (hyp.sign === 0) return 1;
  const lnTail = lnFactor + hyp.log;
  return hyp.sign > 0 ? -Math.expm1(lnTail) : 1 + Math.exp(lnTail);
}

/**
 * Eqs. (9) and (10) divide by (a − 1) and are 0/0 at a = 1, though the expectation itself is smooth in a.
 * Within 1e-7 of a = 1 evaluate at a = 1 ± 1e-5 and average: the error of the symmetric average is O(h²) ≈ 1e-10
 * relative, far better than evaluating next to the singularity where the cancellation loses all digits.
 */
function nearAOne(params: BgNbdParams, evaluate: (p: BgNbdParams) => number): number {
  if (Math.abs(params.a - 1) > 1e-7) return evaluate(params);
  const h = 1e-5;
  return 0.5 * (evaluate({ ...params, a: 1 - h }) + evaluate({ ...params, a: 1 + h }));
}
