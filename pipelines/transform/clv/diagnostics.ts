/**
 * Whether a fit says anything: boundary checks for the BG/NBD and Gamma-Gamma parameters, and the spread of P(alive)
 * the BG/NBD fit gives the customers it was fitted on.
 *
 * Why: maximum likelihood does not stop at a sensible point when the data hold no evidence for a part of the story.
 * A shop whose repeat buyers show no sign of leaving (none goes quiet for longer than their own rhythm) drives the
 * dropout distribution Beta(a, b) to a → 0 or b → ∞: the mean chance of dropping out after a purchase, a / (a + b),
 * goes to zero, P(alive) is 1.00 for everyone, and the churn signal carries nothing - while the optimiser reports
 * convergence, because the likelihood is flat out there. The parameters are searched in log space without bounds, so
 * "at a boundary" means: run off to where the likelihood no longer depends on them, by the thresholds below.
 */
import { probabilityAlive, type BgNbdParams, type CustomerSummary } from "./bg-nbd.js";
import type { GammaGammaParams } from "./gamma-gamma.js";

/** Thresholds of the checks (exported so that reports and tests state the same numbers). */
export const FIT_CHECKS = {
  /**
   * Mean dropout probability per purchase, a / (a + b), below which the BG/NBD says nobody leaves (fewer than 1
   * purchase in 10,000 followed by dropping out). The demo company's fit has 0.033, CDNOW's 0.25.
   */
  noDropoutMean: 1e-4,
  /**
   * A shape parameter below this has run to 0: the mixing distribution piles onto one end. (Fits of real data sit
   * between about 0.01 and 100.)
   */
  minShape: 1e-4,
  /**
   * A shape (or the dropout concentration a + b) above this has run to infinity: the mixing distribution is a point
   * mass, every customer alike (same dropout probability, purchase rate or spend).
   */
  maxShape: 1e5,
  /** P(alive) above which a customer counts as certainly alive. */
  aliveCertain: 0.99,
  /**
   * Share of repeat buyers certainly alive at or above which the churn signal carries nothing. Customers without a
   * repeat purchase are left out of it: the BG/NBD gives them P(alive) = 1 whatever the fit (they have had no chance
   * to drop out), so their share says how many one-time buyers there are, not how good the fit is.
   */
  uninformativeShare: 0.95,
  /** The Gamma-Gamma population mean p v / (q − 1) is unbounded as q → 1: q below 1 + this is at that boundary. */
  minQAboveOne: 1e-3,
} as const;

export type FitVerdict = "informative" | "uninformative";

export interface BgNbdDiagnostics {
  /** Whether any parameter (or a / (a + b), a + b) is at a boundary; `boundaryReasons` says which. */
  atBoundary: boolean;
  boundaryReasons: string[];
  /** a / (a + b): mean probability of dropping out right after a purchase. */
  meanDropout: number;
  /** Customers the diagnostics were computed on (sum of weights), and those with a repeat purchase. */
  customers: number;
  repeatCustomers: number;
  /** Share of all customers, and of repeat buyers, with P(alive) > FIT_CHECKS.aliveCertain. */
  shareAliveCertain: number;
  repeatShareAliveCertain: number | null;
  /** P(alive) of the repeat buyers: 10th percentile, median, 90th percentile (null without repeat buyers). */
  repeatAliveP10: number | null;
  repeatAliveMedian: number | null;
  repeatAliveP90: number | null;
  /**
   * "uninformative" when nobody drops out (a / (a + b) below FIT_CHECKS.noDropoutMean), there is no repeat buyer to
   * judge by, or at least FIT_CHECKS.uninformativeShare of the repeat buyers are certainly alive.
   */
  verdict: FitVerdict;
}

export interface GammaGammaDiagnostics {
  atBoundary: boolean;
  boundaryReasons: string[];
  /** "uninformative" at a boundary: every customer then gets (nearly) the same expected spend per purchase. */
  verdict: FitVerdict;
}

const format = (value: number) => value.toPrecision(3);

function shapeReasons(shapes: Record<string, number>): string[] {
  const reasons: string[] = [];
  for (const [name, value] of Object.entries(shapes)) {
    if (value < FIT_CHECKS.minShape) reasons.push(`${name} = ${format(value)} < ${FIT_CHECKS.minShape} (run to 0)`);
    if (value > FIT_CHECKS.maxShape) {
      reasons.push(`${name} = ${format(value)} > ${FIT_CHECKS.maxShape} (run to infinity: every customer alike)`);
    }
  }
  return reasons;
}

/**
 * Quantile q of weighted values, as DuckDB's quantile_cont over the values repeated by their (whole) weights:
 * linear interpolation between the values at ranks ⌊(W − 1) q⌋ and the next, W the total weight.
 */
function weightedQuantile(values: readonly { alive: number; weight: number }[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x.alive - y.alive);
  const total = sorted.reduce((sum, v) => sum + v.weight, 0);
  const atRank = (rank: number): number => {
    let seen = 0;
    for (const v of sorted) {
      seen += v.weight;
      if (rank < seen) return v.alive;
    }
    return sorted[sorted.length - 1]!.alive;
  };
  const position = Math.max(0, (total - 1) * q);
  const lower = Math.floor(position);
  return atRank(lower) + (position - lower) * (atRank(lower + 1) - atRank(lower));
}

/** Boundary checks and the P(alive) spread of a BG/NBD fit over the customers it was fitted on. */
export function diagnoseBgNbd(params: BgNbdParams, summaries: readonly CustomerSummary[]): BgNbdDiagnostics {
  const { r, a, b } = params;
  const meanDropout = a / (a + b);
  const boundaryReasons: string[] = [];
  if (meanDropout < FIT_CHECKS.noDropoutMean) {
    boundaryReasons.push(`a / (a + b) = ${format(meanDropout)} < ${FIT_CHECKS.noDropoutMean} (nobody drops out)`);
  }
  // (reported only when neither a nor b is past the bound itself, which says the same)
  if (a + b > FIT_CHECKS.maxShape && Math.max(a, b) <= FIT_CHECKS.maxShape) {
    boundaryReasons.push(
      `a + b = ${format(a + b)} > ${FIT_CHECKS.maxShape} (every customer has the same dropout probability)`,
    );
  }
  boundaryReasons.push(...shapeReasons({ r, a, b }));

  let customers = 0;
  let certain = 0;
  const repeatAlive: { alive: number; weight: number }[] = [];
  for (const s of summaries) {
    const weight = s.weight ?? 1;
    const alive = probabilityAlive(params, s.frequency, s.recency, s.T);
    customers += weight;
    if (alive > FIT_CHECKS.aliveCertain) certain += weight;
    if (s.frequency > 0 && weight > 0) repeatAlive.push({ alive, weight });
  }
  const repeatCustomers = repeatAlive.reduce((sum, p) => sum + p.weight, 0);
  const repeatCertain = repeatAlive.reduce((sum, p) => sum + (p.alive > FIT_CHECKS.aliveCertain ? p.weight : 0), 0);
  const repeatShareAliveCertain = repeatCustomers > 0 ? repeatCertain / repeatCustomers : null;
  const informative =
    meanDropout >= FIT_CHECKS.noDropoutMean &&
    repeatShareAliveCertain !== null &&
    repeatShareAliveCertain < FIT_CHECKS.uninformativeShare;
  return {
    atBoundary: boundaryReasons.length > 0,
    boundaryReasons,
    meanDropout,
    customers,
    repeatCustomers,
    shareAliveCertain: customers > 0 ? certain / customers : 0,
    repeatShareAliveCertain,
    repeatAliveP10: weightedQuantile(repeatAlive, 0.1),
    repeatAliveMedian: weightedQuantile(repeatAlive, 0.5),
    repeatAliveP90: weightedQuantile(repeatAlive, 0.9),
    verdict: informative ? "informative" : "uninformative",
  };
}

/** Boundary checks of a Gamma-Gamma fit (p and q are shapes; v is a scale in money and may be any size). */
export function diagnoseGammaGamma(params: GammaGammaParams): GammaGammaDiagnostics {
  const boundaryReasons = shapeReasons({ p: params.p, q: params.q });
  if (params.q < 1 + FIT_CHECKS.minQAboveOne) {
    boundaryReasons.push(
      `q = ${format(params.q)} ≤ 1 + ${FIT_CHECKS.minQAboveOne} (the mean spend p v / (q − 1) is unbounded)`,
    );
  }
  return {
    atBoundary: boundaryReasons.length > 0,
    boundaryReasons,
    verdict: boundaryReasons.length > 0 ? "uninformative" : "informative",
  };
}
