/* eslint-disable no-loss-of-precision -- reference values are quoted to 30 digits as published; the comparison tolerance accounts for doubles */
import { describe, expect, it } from "vitest";
import { hyp2f1, lgamma, logHyp2f1 } from "../../../pipelines/transform/clv/special-functions.js";
import { minimise } from "../../../pipelines/transform/clv/nelder-mead.js";

const close = (actual: number, expected: number, relative = 1e-13) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));

describe("lgamma (Lanczos)", () => {
  it("matches exact values", () => {
    expect(lgamma(1)).toBe(0);
    expect(lgamma(2)).toBe(0);
    close(lgamma(3), Math.log(2));
    close(lgamma(10), Math.log(362880));
    close(lgamma(0.5), 0.5 * Math.log(Math.PI)); // Γ(1/2) = √π
    close(lgamma(1.5), Math.log(Math.sqrt(Math.PI) / 2)); // Γ(3/2) = √π / 2
    close(lgamma(-0.5), Math.log(2 * Math.sqrt(Math.PI))); // Γ(−1/2) = −2√π (reflection branch)
    let logFactorial = 0;
    for (let n = 2; n < 100; n++) logFactorial += Math.log(n);
    close(lgamma(100), logFactorial); // ln 99!
  });

  it("matches high-precision reference values (mpmath.loggamma, 30 digits)", () => {
    close(lgamma(0.1), 2.2527126517342059599);
    close(lgamma(0.001), 6.9071788853838536825);
    close(lgamma(1e-8), 18.420680738180208905);
    close(lgamma(7.25), 7.0521854507385394449);
    close(lgamma(1e5), 1051287.7089736568949);
  });

  it("returns +Infinity at the poles", () => {
    expect(lgamma(0)).toBe(Number.POSITIVE_INFINITY);
    expect(lgamma(-3)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("hyp2f1 (Gauss series with Euler transformation and convergence guard)", () => {
  it("matches closed forms", () => {
    for (const z of [-0.5, 0.1, 0.5, 0.9, 0.99]) close(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z, 1e-13); // −ln(1−z)/z
    const z = 0.9;
    close(hyp2f1(0.5, 0.5, 1.5, z * z), Math.asin(z) / z, 1e-13); // arcsin(z)/z
    // ₂F₁(a, b; b; z) = (1 − z)^−a; c − a − b < 0 so "auto" takes the Euler branch, check both branches
    close(hyp2f1(0.7, 2.3, 2.3, 0.8), Math.pow(0.2, -0.7), 1e-13);
    close(hyp2f1(0.7, 2.3, 2.3, 0.8, { transform: "none" }), Math.pow(0.2, -0.7), 1e-13);
    // a = −2: the series terminates, 1 − 2·3·0.5/4 + (−2)(−1)·3·4·0.25/(4·5·2) = 0.4
    close(hyp2f1(-2, 3, 4, 0.5), 0.4, 1e-15);
  });

  it("matches mpmath.hyp2f1 (30 digits) for BG/NBD-like arguments, directly and in logs", () => {
    close(hyp2f1(0.3, 2.5, 1.7, 0.95), 7.4303043131570333035, 1e-13);
    close(hyp2f1(0.3, 2.5, 1.7, 0.95, { transform: "none" }), 7.4303043131570333035, 1e-12);
    // a heavy buyer in eq. (10): r + x, b + x, a + b + x − 1 with x = 26
    close(logHyp2f1(26.24, 28.4, 28.2, 0.9), Math.log(2.7184148026720070259e26), 1e-13);
    close(hyp2f1(2.243, 4.426, 4.219, 1 / 44.274), 1.0552400247432681824, 1e-14);
  });

  it("sums series whose terms only settle after more than a million terms' worth of parameter", () => {
    // ₂F₁(a, b; b; z) = (1 − z)^−a again, with b = 600,000 (a large fitted b, or a very heavy buyer)
    close(hyp2f1(0.7, 6e5, 6e5, 0.99, { transform: "none" }), Math.pow(0.01, -0.7), 1e-9);
  });

  it("refuses what it cannot sum", () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(/\|z\| < 1/);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(/pole/);
    // z within 1e-7 of 1 needs ~10^8 terms: the guard stops it
    expect(() => hyp2f1(1, 1, 2, 1 - 1e-7)).toThrow(/did not converge/);
  });
});

describe("Nelder–Mead", () => {
  it("finds the minimum of the Rosenbrock function", () => {
    const rosenbrock = ([x, y]: readonly number[]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2;
    const result = minimise(rosenbrock, [[-1.2, 1]], { fTolerance: 1e-14, xTolerance: 1e-10 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
  });
});
