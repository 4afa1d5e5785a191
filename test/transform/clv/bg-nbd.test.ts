import { beforeAll, describe, expect, it } from "vitest";
import {
  bgNbdLogLikelihood,
  bgNbdLogLikelihoodOne,
  expectedTransactions,
  expectedTransactionsNew,
  fitBgNbd,
  probabilityAlive,
  type BgNbdFit,
  type BgNbdParams,
} from "../../../pipelines/transform/clv/bg-nbd.js";
import { lgamma } from "../../../pipelines/transform/clv/special-functions.js";
import { loadCdnowSummary, type CdnowSummaryRow } from "./cdnow-data.js";

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const relClose = (actual: number, expected: number, relative: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));

/**
 * E[X(t)] by direct integration of the model: a customer with (λ, p) makes (1/p)(1 − e^(−λpt)) purchases in
 * expectation, and averaging e^(−λpt) over λ ~ Gamma(r, α) gives (α/(α + pt))^r, leaving one integral over
 * p ~ Beta(a, b). The Beta density may be singular at 0 (a < 1) or 1 (b < 1) or have unbounded derivatives there,
 * so the integral uses tanh-sinh quadrature, p = 1 / (1 + e^(−π sinh τ)), which is insensitive to endpoint
 * singularities; 1 − p is computed separately to keep its precision near p = 1.
 */
function expectedTransactionsByIntegration({ r, alpha, a, b }: BgNbdParams, t: number): number {
  const logBeta = lgamma(a) + lgamma(b) - lgamma(a + b);
  const step = 1 / 64;
  let sum = 0;
  for (let tau = -4.5; tau <= 4.5; tau += step) {
    const s = Math.PI * Math.sinh(tau);
    const p = 1 / (1 + Math.exp(-s));
    const q = 1 / (1 + Math.exp(s));
    const perCustomer = -Math.expm1(-r * Math.log1p((p * t) / alpha)) / p;
    const density = Math.exp((a - 1) * Math.log(p) + (b - 1) * Math.log(q) - logBeta);
    sum += perCustomer * density * Math.PI * Math.cosh(tau) * p * q; // dp/dτ = π cosh τ · p (1 − p)
  }
  return sum * step;
}

describe("BG/NBD building blocks", () => {
  const simple: BgNbdParams = { r: 1, alpha: 1, a: 1, b: 2 };

  it("likelihood (eq. 6) matches a hand computation", () => {
    // x = 1, t_x = 1, T = 2: A1 = Γ(2)/Γ(1) = 1, A2 = Γ(3)Γ(3)/(Γ(2)Γ(4)) = 2/3,
    // A3 = 3^−2 = 1/9, A4 = (1/2)·2^−2 = 1/8  =>  L = 2/3 · (1/9 + 1/8) = 17/108
    expect(bgNbdLogLikelihoodOne(simple, 1, 1, 2)).toBeCloseTo(Math.log(17 / 108), 13);
    // x = 0, T = 2: L = 1 · Γ(3)Γ(2)/(Γ(2)Γ(3)) · 3^−1 = 1/3
    expect(bgNbdLogLikelihoodOne(simple, 0, 0, 2)).toBeCloseTo(Math.log(1 / 3), 13);
    expect(
      bgNbdLogLikelihood(simple, [
        { frequency: 1, recency: 1, T: 2, weight: 2 },
        { frequency: 0, recency: 0, T: 2 },
      ]),
    ).toBeCloseTo(2 * Math.log(17 / 108) + Math.log(1 / 3), 12);
  });

  it("P(alive) is 1 without repeat purchases and A3 / (A3 + A4) otherwise", () => {
    expect(probabilityAlive({ r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }, 0, 0, 38.86)).toBe(1);
    // a/(b + x − 1) = 1/2, ((α + T)/(α + t_x))^(r+x) = (3/2)^2 = 9/4  =>  1 / (1 + 9/8) = 8/17
    expect(probabilityAlive(simple, 1, 1, 2)).toBeCloseTo(8 / 17, 14);
    // bought at the very end (t_x = T): only the chance of dying right after that purchase is left
    expect(probabilityAlive(simple, 3, 5, 5)).toBeCloseTo(1 / (1 + 1 / 4), 14);
  });

  it("E[X(t)] (eq. 9) agrees with numerical integration of the model", () => {
    const cases: [BgNbdParams, number, number][] = [
      [{ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, 39, 1e-12],
      [{ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, 78, 1e-12],
      [{ r: 1.5, alpha: 2, a: 2.5, b: 3 }, 10, 1e-12],
      // a = 1, the removable singularity of eq. (9), evaluated as the average of a = 1 ± 1e-5; and b < 1
      [{ r: 0.7, alpha: 10, a: 1, b: 0.6 }, 25, 1e-9],
    ];
    for (const [params, t, tolerance] of cases) {
      relClose(expectedTransactionsNew(params, t), expectedTransactionsByIntegration(params, t), tolerance);
    }
  });

  it("handles a U-shaped dropout distribution (a + b < 1), where ₂F₁ turns negative, as the model integrates", () => {
    // A customer with no repeat purchase by T is alive for sure and their λ's posterior is Gamma(r, α + T), p's
    // is unchanged: E[Y(t) | x = 0, T] is E[X(t)] with α + T in place of α.
    const params = { r: 0.5, alpha: 3, a: 0.4, b: 0.45 };
    for (const t of [1, 10, 52]) {
      relClose(expectedTransactionsNew(params, t), expectedTransactionsByIntegration(params, t), 1e-9);
      for (const T of [0, 20]) {
        const shifted = { ...params, alpha: params.alpha + T };
        relClose(expectedTransactions(params, t, 0, 0, T), expectedTransactionsByIntegration(shifted, t), 1e-9);
      }
    }
  });

  it("E[X(t)] starts with slope E[λ] = r/α, and E[Y(t) | x=0, t_x=0, T=0] = E[X(t)]", () => {
    const params = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    relClose(expectedTransactionsNew(params, 1e-6) / 1e-6, params.r / params.alpha, 1e-5);
    for (const t of [1, 10, 52])
      relClose(expectedTransactions(params, t, 0, 0, 0), expectedTransactionsNew(params, t), 1e-12);
  });

  it("E[Y(t) | x, t_x, T] (eq. 10) starts with slope P(alive) · (r + x)/(α + T)", () => {
    // For small t only the current purchase rate matters: the posterior mean of λ is (r + x)/(α + T).
    const params = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    for (const [x, tx, T] of [
      [2, 30.43, 38.86],
      [26, 30.86, 31],
      [0, 0, 20],
    ] as const) {
      const slope = (probabilityAlive(params, x, tx, T) * (params.r + x)) / (params.alpha + T);
      relClose(expectedTransactions(params, 1e-6, x, tx, T) / 1e-6, slope, 1e-5);
    }
  });
});

describe("BG/NBD on CDNOW (Fader, Hardie & Lee 2005)", () => {
  let summaries: CdnowSummaryRow[];
  let fit: BgNbdFit;
  beforeAll(() => {
    summaries = loadCdnowSummary();
    fit = fitBgNbd(summaries);
  });

  it("reproduces the published parameters and log-likelihood", () => {
    expect(fit.subjects).toBe(2357);
    expect(fit.converged).toBe(true);
    // Published (paper, section 4): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
    const published = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    for (const key of ["r", "alpha", "a", "b"] as const) {
      expect(round(fit[key], 2)).toBe(round(published[key], 2));
      expect(Math.abs(fit[key] - published[key])).toBeLessThan(0.005);
      expect(round(fit[key], 3)).toBe(published[key]); // in fact all three published decimals agree
    }
    expect(round(fit.logLikelihood, 1)).toBe(-9582.4);
  });

  it("matches lifetimes' BetaGeoFitter on the same data to ~6 digits", () => {
    // lifetimes docs (Quickstart, bgf.summary): r 0.242593, alpha 4.413532, a 0.792886, b 2.425752
    const lifetimes = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 };
    for (const key of ["r", "alpha", "a", "b"] as const) relClose(fit[key], lifetimes[key], 1e-5);
    // and it is at least as good a maximum as lifetimes' point
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(bgNbdLogLikelihood(lifetimes, summaries));
  });

  it("converges on a large sample: the same data weighted ×100,000 gives the same maximum", () => {
    // The log-likelihood is then ~1e9, whose rounding noise no absolute tolerance could get under.
    const heavy = fitBgNbd(summaries.map((s) => ({ ...s, weight: 100_000 })));
    expect(heavy.converged).toBe(true);
    // ... in about as many steps (with an absolute tolerance it took over 100 times as many)
    expect(heavy.evaluations).toBeLessThan(2 * fit.evaluations);
    expect(heavy.subjects).toBe(235_700_000);
    for (const key of ["r", "alpha", "a", "b"] as const) relClose(heavy[key], fit[key], 1e-5);
  });

  it("ranks the customers expected to buy most next week as the lifetimes Quickstart does", () => {
    const predicted = summaries
      .map((s) => ({ id: s.id, value: expectedTransactions(fit, 1, s.frequency, s.recency, s.T) }))
      .sort((p, q) => p.value - q.value)
      .slice(-5);
    // lifetimes Quickstart: data.sort_values(by='predicted_purchases').tail(5)
    const documented = [
      { id: 509, value: 0.424877 },
      { id: 841, value: 0.474738 },
      { id: 1981, value: 0.486526 },
      { id: 157, value: 0.662396 },
      { id: 1516, value: 0.710623 },
    ];
    expect(predicted.map((p) => p.id)).toEqual(documented.map((d) => d.id));
    predicted.forEach((p, i) => expect(Math.abs(p.value - documented[i]!.value)).toBeLessThan(5e-6));
  });
});
