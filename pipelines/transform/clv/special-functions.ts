/**
 * Special functions the CLV models need, written here because the repository takes no numeric dependency:
 *
 * - `lgamma`: ln|Γ(x)| by the Lanczos approximation. Every likelihood in this folder is a ratio of gamma
 *   functions (Γ(r + x), Γ(a + b + x), Γ(px + q), ...) whose arguments reach the hundreds; Γ itself overflows
 *   at x ≈ 171, so the models work with ln Γ throughout.
 * - `hyp2f1` / `logHyp2f1`: the Gauss hypergeometric function ₂F₁(a, b; c; z) for real |z| < 1, which the
 *   BG/NBD expectations (Fader, Hardie & Lee 2005, eqs. 9 and 10) need.
 */

const LANCZOS_G = 7;
// Lanczos coefficients for g = 7, n = 9 (the set popularised by Numerical Recipes / Godfrey); relative error of
// Γ about 1e-15 over the positive reals, which is ~1e-15 absolute on ln Γ near its zeros at 1 and 2.
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln|Γ(x)| for real x. Poles (x = 0, -1, -2, ...) give +Infinity.
 * For x < 1/2 the reflection formula Γ(x)Γ(1 − x) = π / sin(πx) moves the argument to where Lanczos is accurate.
 */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (x <= 0 && Number.isInteger(x)) return Number.POSITIVE_INFINITY;
  if (x === 1 || x === 2) return 0; // Γ(1) = Γ(2) = 1 exactly; Lanczos would leave ~1e-16 of rounding
  if (x < 0.5) {
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  }
  const y = x - 1;
  let series = LANCZOS_COEFFICIENTS[0]!;
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) series += LANCZOS_COEFFICIENTS[i]! / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (y + 0.5) * Math.log(t) - t + Math.log(series);
}

export interface Hyp2f1Options {
  /** Stop when the bound on the remaining tail is below `tolerance` × |partial sum|. Default 1e-15. */
  tolerance?: number;
  /** Convergence guard: throw instead of summing more than this many terms past where their signs are fixed. Default 1,000,000. */
  maxTerms?: number;
  /**
   * "auto" (default) applies Euler's transformation when 0 ≤ z < 1 and c − a − b < 0 (see `hyp2f1`);
   * "none" always sums the Gauss series as given; "euler" always transforms.
   */
  transform?: "auto" | "none" | "euler";
}

/** ₂F₁(a, b; c; z) for real |z| < 1. */
export function hyp2f1(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): number {
  const { logPrefactor, sum } = hyp2f1Parts(a, b, c, z, options);
  return Math.exp(logPrefactor) * sum;
}

/**
 * ln ₂F₁(a, b; c; z) for real |z| < 1 where the function is positive (always so for a, b, c > 0 and 0 ≤ z < 1, the
 * BG/NBD case). Working in logs keeps (1 − z)^(c − a − b), which is huge for customers with many purchases,
 * from overflowing.
 */
export function logHyp2f1(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): number {
  const { logPrefactor, sum } = hyp2f1Parts(a, b, c, z, options);
  if (!(sum > 0)) throw new RangeError(`logHyp2f1: 2F1(${a}, ${b}; ${c}; ${z}) is not positive`);
  return logPrefactor + Math.log(sum);
}

/**
 * ₂F₁ as sign × e^log, for real |z| < 1 whatever its sign: with c < 0 (the BG/NBD's a + b − 1 when a + b < 1, a
 * U-shaped dropout distribution) the function can be negative, and its logarithm then does not exist.
 */
export function signedLogHyp2f1(
  a: number,
  b: number,
  c: number,
  z: number,
  options: Hyp2f1Options = {},
): { sign: -1 | 0 | 1; log: number } {
  const { logPrefactor, sum } = hyp2f1Parts(a, b, c, z, options);
  if (sum === 0) return { sign: 0, log: Number.NEGATIVE_INFINITY };
  return { sign: sum > 0 ? 1 : -1, log: logPrefactor + Math.log(Math.abs(sum)) };
}

/**
 * Returns ₂F₁ as exp(logPrefactor) × sum.
 *
 * Why Euler's transformation, ₂F₁(a, b; c; z) = (1 − z)^(c−a−b) ₂F₁(c − a, c − b; c; z): the Gauss series' terms
 * behave like n^(a+b−c−1) zⁿ, so when c − a − b < 0 they decay slowly and the sum grows like (1 − z)^(c−a−b) as z → 1.
 * In the BG/NBD conditional expectation (eq. 10) a = r + x, b = b + x, c = a + b + x − 1, so c − a − b = a − 1 − r − x
 * is very negative for frequent buyers. After the transformation the exponent is a + b − c > 0: the new series
 * converges faster and stays of moderate size, and the large factor is carried exactly in logs.
 */
function hyp2f1Parts(
  a: number,
  b: number,
  c: number,
  z: number,
  options: Hyp2f1Options,
): { logPrefactor: number; sum: number } {
  if (![a, b, c, z].every(Number.isFinite)) throw new RangeError("hyp2f1: arguments must be finite numbers");
  if (!(Math.abs(z) < 1)) throw new RangeError(`hyp2f1: the series needs |z| < 1, got z = ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1: c = ${c} is a pole (non-positive integer)`);
  const mode = options.transform ?? "auto";
  const useEuler = mode === "euler" || (mode === "auto" && z >= 0 && c - a - b < 0);
  if (useEuler) {
    return { logPrefactor: (c - a - b) * Math.log1p(-z), sum: gaussSeries(c - a, c - b, c, z, options) };
  }
  return { logPrefactor: 0, sum: gaussSeries(a, b, c, z, options) };
}

/** Σₙ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ with a tail bound as the stopping rule and a hard cap on the number of terms. */
function gaussSeries(a: number, b: number, c: number, z: number, options: Hyp2f1Options): number {
  const tolerance = options.tolerance ?? 1e-15;
  // The term ratio is ρₘ = z · (a+m)(b+m) / ((c+m)(m+1)). Once m is past −a, −b and −c (every factor positive from
  // there on), each of the fractions (a+m)/(c+m) and (b+m)/(m+1) is monotone in m and tends to 1, so its largest value
  // over all later m is either 1 or its value at the next m; so is that of the other pairing, (a+m)/(m+1) and
  // (b+m)/(c+m). The smaller of the two products bounds every later ratio, ρ*, and when ρ* < 1 the tail after term n
  // is at most |termₙ| ρ* / (1 − ρ*): a bound, so a term that is small by accident (a ≈ 0) cannot stop the sum early.
  // Waiting only until the signs are fixed matters: with a large fitted b (a BG/NBD fit at its boundary,
  // b ≈ 500,000) the ratios are below z from the first terms, and a rule that waited until n ≈ 2b, as this one once
  // did, summed a million terms per customer.
  const nSigns = Math.max(0, Math.ceil(-Math.min(a, b, c))) + 1;
  // The guard counts terms after nSigns, so a series with large negative parameters is not refused before it settles.
  const maxTerms = nSigns + (options.maxTerms ?? 1_000_000);
  const sup = (top: number, bottom: number, m: number) => Math.max(1, (top + m) / (bottom + m));
  let term = 1;
  let sum = 1;
  for (let n = 0; n < maxTerms; n++) {
    const ratio = ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    term *= ratio;
    sum += term;
    if (term === 0) return sum; // a or b is a non-positive integer: the series is a polynomial
    if (!Number.isFinite(sum)) throw new RangeError(`hyp2f1: series overflowed (a=${a}, b=${b}, c=${c}, z=${z})`);
    if (n + 1 >= nSigns) {
      // `term` is now term n + 1: the ratios still to come are ρₘ for m ≥ n + 1
      const m = n + 1;
      const rho = Math.abs(z) * Math.min(sup(a, c, m) * sup(b, 1, m), sup(a, 1, m) * sup(b, c, m));
      if (rho < 1 && (Math.abs(term) * rho) / (1 - rho) <= tolerance * Math.abs(sum)) return sum;
    }
  }
  throw new RangeError(
    `hyp2f1: series did not converge in ${maxTerms} terms (a=${a}, b=${b}, c=${c}, z=${z}); z is too close to 1`,
  );
}
