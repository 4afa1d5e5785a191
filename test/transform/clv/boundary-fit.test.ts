/* eslint-disable no-loss-of-precision -- reference values are quoted to 20+ digits as mpmath gives them; the comparison tolerance accounts for doubles */
// Fits at the edge of the parameter space: the BG/NBD expectation stays exact and fast where the fit puts b (or a and
// b) in the hundreds of thousands, and the diagnostics say when a fit carries no churn signal. A real web shop's
// export (~4,400 customers) fitted a ≈ 0.0002, b ≈ 514,000: P(alive) = 1.00 for everyone, and the 2F1 series behind
// E[Y(t)] summed about a million terms per customer before it tested convergence (190-260 s for the model).
import { describe, expect, it } from "vitest";
import {
  diagnoseBgNbd,
  diagnoseGammaGamma,
  expectedTransactions,
  expectedTransactionsNew,
  fitBgNbd,
  FIT_CHECKS,
  hyp2f1,
  probabilityAlive,
  type CustomerSummary,
} from "../../../pipelines/transform/clv/index.js";
import { loadCdnowSummary } from "./cdnow-data.js";

/** The predicted-value model's horizon: 12 months in weeks. */
const HORIZON = 365.25 / 7;

const relClose = (actual: number, expected: number, relative: number) =>
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(relative * Math.abs(expected));

/**
 * 5,000 customers shaped to force the boundary: each buys on a regular rhythm of 2-12 weeks from a first purchase in
 * weeks 0-99 until week 104 and never stops, so no one is ever silent for longer than their own rhythm and the data
 * hold no evidence of anyone dropping out. Summaries at week `end` (the histories a month-end prediction sees).
 */
function regularBuyers(end: number): CustomerSummary[] {
  const summaries: CustomerSummary[] = [];
  for (let k = 0; k < 5_000; k++) {
    const first = (k * 37) % 100;
    if (first > end) continue;
    const gap = 2 + (k % 11);
    const x = Math.floor((end - first) / gap);
    summaries.push({ frequency: x, recency: x * gap, T: end - first });
  }
  return summaries;
}

describe("E[Y(t)] where the fit makes a + b + x − 1 large (the moment series)", () => {
  it("matches mpmath (50 digits) at the web shop's boundary fit, a = 0.0002, b = 514,000", () => {
    // mpmath: c/(a − 1) · [1 − ((α+T)/(α+T+t))^(r+x) · hyp2f1(r+x, b+x; c; t/(α+T+t))] · P(alive), c = a + b + x − 1,
    // with the same double inputs. The closed form in doubles is off from the sixth digit here (a + b − 1 cannot
    // hold a's digits); the moment series is exact.
    const params = { r: 0.99, alpha: 12.4, a: 0.0002, b: 514_000 };
    const references: [number, number, number, number][] = [
      [0, 0, 30, 1.2183204172092914117],
      [1, 5, 40, 1.9815907771051566399],
      [5, 30, 52, 4.8532552954324115817],
      [20, 50, 52, 17.00664921837242355],
    ];
    for (const [x, tx, T, reference] of references)
      relClose(expectedTransactions(params, HORIZON, x, tx, T), reference, 1e-14);
  });

  it("matches mpmath where everyone drops out with the same probability (a and b in the millions)", () => {
    // mpmath.quad over p ~ Beta(a, b + x) of (1 − ((α+T)/(α+T+pt))^(r+x)) / p, times P(alive)
    const params = { r: 1.602, alpha: 8.98941, a: 3_049_329.007, b: 21_689_025.152 };
    relClose(expectedTransactions(params, HORIZON, 4, 10, 15), 3.9246952773229888542, 1e-14);
    relClose(expectedTransactions(params, HORIZON, 0, 0, 20), 2.2275908750976154401, 1e-14);
    // the Online Retail II fit (2009-2010 sheet, weekly): a = 1171, b = 2.83 million
    const retail = { r: 0.9905954766117848, alpha: 12.387958787905003, a: 1171.2377890359614, b: 2831884.8982868157 };
    relClose(expectedTransactions(retail, HORIZON, 0, 0, 10), 2.306522718162354512, 1e-14);
    relClose(expectedTransactions(retail, HORIZON, 3, 20, 40), 3.9594060844923648061, 1e-14);
  });

  it("tends to the purchase rate (r + x) t / (α + T) when nobody drops out, for a new customer too", () => {
    const params = { r: 0.99, alpha: 12.4, a: 1e-9, b: 1e9 };
    relClose(expectedTransactions(params, HORIZON, 3, 20, 40), ((0.99 + 3) * HORIZON) / (12.4 + 40), 1e-8);
    relClose(expectedTransactionsNew(params, HORIZON), (0.99 * HORIZON) / 12.4, 1e-8);
  });
});

describe("hyp2f1's stopping rule", () => {
  it("tests convergence as soon as the terms' signs are fixed, so a huge parameter costs nothing", () => {
    // the Euler-transformed series of eq. (10) at the boundary fit: 2F1(c − r − x, a − 1; c; z) with c ≈ 514,000.
    // mpmath: 0.2000659444856620866539259
    relClose(hyp2f1(514_000, -0.9998, 514_001, 0.8), 0.2000659444856620866539259, 1e-14);
    // ... and a series whose ratios exceed 1 for a long while still runs until they settle (mpmath: 0.01^−0.7)
    relClose(hyp2f1(0.7, 6e5, 6e5, 0.99, { transform: "none" }), 25.11886431509580111085032, 1e-9);
  });
});

describe("fit diagnostics", () => {
  it("call the CDNOW fit informative and at no boundary", () => {
    const summaries = loadCdnowSummary();
    const fit = fitBgNbd(summaries);
    const diagnostics = diagnoseBgNbd(fit, summaries);
    expect(diagnostics.atBoundary).toBe(false);
    expect(diagnostics.boundaryReasons).toEqual([]);
    expect(diagnostics.verdict).toBe("informative");
    expect(diagnostics.customers).toBe(2357);
    expect(diagnostics.repeatCustomers).toBe(946);
    // no repeat buyer is certainly alive; the one-time buyers (P(alive) = 1 by the model) make up the share of all
    expect(diagnostics.repeatShareAliveCertain).toBe(0);
    expect(diagnostics.shareAliveCertain).toBe(1411 / 2357);
    expect(diagnostics.repeatAliveP10!).toBeLessThan(diagnostics.repeatAliveMedian!);
    expect(diagnostics.meanDropout).toBeCloseTo(0.793 / (0.793 + 2.426), 3);
  });

  it("flag Gamma-Gamma shapes that ran off, and a mean spend that is unbounded", () => {
    expect(diagnoseGammaGamma({ p: 6.25, q: 3.74, v: 15.44 })).toEqual({
      atBoundary: false,
      boundaryReasons: [],
      verdict: "informative",
    });
    const homogeneous = diagnoseGammaGamma({ p: 2, q: 3e6, v: 5e7 });
    expect(homogeneous.verdict).toBe("uninformative");
    expect(homogeneous.boundaryReasons).toEqual([expect.stringMatching(/^q = 3\.00e\+6 > 100000/)]);
    expect(diagnoseGammaGamma({ p: 2, q: 1.0002, v: 10 }).boundaryReasons).toEqual([
      expect.stringMatching(/unbounded/),
    ]);
  });

  it("say boundary and uninformative for 5,000 customers who never stop buying, and every prediction is finite", () => {
    const summaries = regularBuyers(104);
    expect(summaries).toHaveLength(5_000);
    let started = performance.now();
    // the predicted-value model's optimiser settings for 5,000 customers (fitOptions)
    const fit = fitBgNbd(summaries, { fTolerance: 5e-6, xTolerance: 1e-6, maxIterations: 2_000, maxRestarts: 2 });
    const fitMs = performance.now() - started;
    expect(fit.subjects).toBe(5_000);
    // the fit runs to where nobody drops out: a / (a + b) of order 1e-11
    expect(fit.a / (fit.a + fit.b)).toBeLessThan(FIT_CHECKS.noDropoutMean);

    const diagnostics = diagnoseBgNbd(fit, summaries);
    expect(diagnostics.atBoundary).toBe(true);
    expect(diagnostics.boundaryReasons[0]).toMatch(/^a \/ \(a \+ b\) = .* < 0\.0001 \(nobody drops out\)$/);
    expect(diagnostics.verdict).toBe("uninformative");
    expect(diagnostics.shareAliveCertain).toBe(1);
    expect(diagnostics.repeatShareAliveCertain).toBe(1);

    // as the model predicts: every customer's history at 13 month ends (about every 4.35 weeks back from the end)
    const histories = Array.from({ length: 13 }, (_, month) => regularBuyers(104 - Math.round(month * 4.348))).flat();
    started = performance.now();
    const predicted = histories.map((s) => ({
      alive: probabilityAlive(fit, s.frequency, s.recency, s.T),
      purchases: expectedTransactions(fit, HORIZON, s.frequency, s.recency, s.T),
    }));
    const predictMs = performance.now() - started;
    const predictions = predicted.length;
    expect(predicted.every((p) => Number.isFinite(p.purchases) && p.purchases > 0)).toBe(true);
    expect(predicted.every((p) => p.alive > FIT_CHECKS.aliveCertain)).toBe(true);
    // with nobody dropping out, the expectation is the customer's purchase rate over the horizon
    const furthest = Math.max(
      ...histories.map((s, i) =>
        Math.abs(predicted[i]!.purchases / (((fit.r + s.frequency) * HORIZON) / (fit.alpha + s.T)) - 1),
      ),
    );
    expect(furthest).toBeLessThan(1e-6);
    // benchmark output only (shared machines are noisy: no timed assertion)
    console.log(
      `[bench] boundary fit on 5,000 customers: fit ${fitMs.toFixed(0)} ms (a=${fit.a.toPrecision(3)}, ` +
        `b=${fit.b.toPrecision(3)}); ${predictions} predictions in ${predictMs.toFixed(0)} ms`,
    );
  });
});
