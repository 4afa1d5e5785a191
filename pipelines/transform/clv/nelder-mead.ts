/**
 * Derivative-free minimisation for the CLV likelihoods: Nelder–Mead with the dimension-adaptive coefficients of
 * Gao & Han (2012, "Implementing the Nelder–Mead simplex algorithm with adaptive parameters"), restarted from its own
 * optimum until a restart stops improving (a collapsed simplex is the classic Nelder–Mead failure), and run from
 * several starting points with the best result kept.
 *
 * The models optimise over log-parameters, so every point of R^n is a valid parameter vector and the objective
 * only has to return +Infinity for numerically impossible regions.
 */

export interface NelderMeadOptions {
  /** Initial simplex edge per coordinate. Default 0.5 (in log-parameter space: a factor of e^0.5 ≈ 1.65). */
  initialStep?: number;
  /**
   * Converged when the simplex's function values span at most fTolerance × max(1, |f|). Default 1e-10. Relative,
   * because a log-likelihood summed over millions of customers carries rounding noise far above any fixed
   * absolute tolerance: an absolute one would never be met and every fit would run to maxIterations.
   */
  fTolerance?: number;
  /** ... and every vertex is within xTolerance of the best one in every coordinate. Default 1e-9. */
  xTolerance?: number;
  /** Cap on iterations of one Nelder–Mead run. Default 20,000. */
  maxIterations?: number;
  /** Cap on restarts from the previous optimum. Default 20. */
  maxRestarts?: number;
}

export interface MinimiseResult {
  x: number[];
  fx: number;
  /** Nelder–Mead iterations summed over all runs (restarts and starting points). */
  iterations: number;
  /** Objective evaluations summed over all runs. */
  evaluations: number;
  /** Whether the best run met the tolerances (rather than hitting maxIterations). */
  converged: boolean;
}

type Objective = (x: readonly number[]) => number;

interface Vertex {
  x: number[];
  f: number;
}

/** One Nelder–Mead run from x0. */
export function nelderMead(
  objective: Objective,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): MinimiseResult {
  const n = x0.length;
  if (n === 0) throw new Error("nelderMead: need at least one parameter");
  const step = options.initialStep ?? 0.5;
  const fTol = options.fTolerance ?? 1e-10;
  const xTol = options.xTolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? 20_000;
  // Gao & Han adaptive coefficients: reflection, expansion, contraction, shrink.
  const rho = 1;
  const chi = 1 + 2 / n;
  const psi = 0.75 - 1 / (2 * n);
  const sigma = 1 - 1 / n;

  let evaluations = 0;
  const f = (x: number[]): number => {
    evaluations++;
    const value = objective(x);
    return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
  };

  const simplex: Vertex[] = [{ x: [...x0], f: f([...x0]) }];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i] = x[i]! + step;
    simplex.push({ x, f: f(x) });
  }

  const lerp = (from: readonly number[], to: readonly number[], t: number): number[] =>
    from.map((value, i) => value + t * (to[i]! - value));

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    simplex.sort((p, q) => p.f - q.f);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    let fSpread = 0;
    let xSpread = 0;
    for (let i = 1; i <= n; i++) {
      const v = simplex[i]!;
      fSpread = Math.max(fSpread, Math.abs(v.f - best.f));
      for (let j = 0; j < n; j++) xSpread = Math.max(xSpread, Math.abs(v.x[j]! - best.x[j]!));
    }
    if (Number.isFinite(best.f) && fSpread <= fTol * Math.max(1, Math.abs(best.f)) && xSpread <= xTol) {
      converged = true;
      break;
    }
    iterations++;

    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]!.x[j]! / n;

    // Points on the line from the centroid through the worst vertex: centroid + t (centroid − worst).
    const along = (t: number): number[] => lerp(centroid, worst.x, -t);
    const reflected = along(rho);
    const fr = f(reflected);
    const secondWorst = simplex[n - 1]!;
    if (fr < best.f) {
      const expanded = along(rho * chi);
      const fe = f(expanded);
      simplex[n] = fe < fr ? { x: expanded, f: fe } : { x: reflected, f: fr };
      continue;
    }
    if (fr < secondWorst.f) {
      simplex[n] = { x: reflected, f: fr };
      continue;
    }
    if (fr < worst.f) {
      const outside = along(rho * psi);
      const fo = f(outside);
      if (fo <= fr) {
        simplex[n] = { x: outside, f: fo };
        continue;
      }
    } else {
      const inside = along(-psi);
      const fi = f(inside);
      if (fi < worst.f) {
        simplex[n] = { x: inside, f: fi };
        continue;
      }
    }
    // Shrink every vertex towards the best one.
    for (let i = 1; i <= n; i++) {
      const x = lerp(best.x, simplex[i]!.x, sigma);
      simplex[i] = { x, f: f(x) };
    }
  }
  simplex.sort((p, q) => p.f - q.f);
  const best = simplex[0]!;
  return { x: best.x, fx: best.f, iterations, evaluations, converged };
}

/**
 * Minimise from each start; each start is restarted from its own optimum (a fresh, full-size simplex) until a
 * restart improves the objective by no more than fTolerance × max(1, |f|). Returns the best point over all starts.
 */
export function minimise(
  objective: Objective,
  starts: readonly (readonly number[])[],
  options: NelderMeadOptions = {},
): MinimiseResult {
  if (starts.length === 0) throw new Error("minimise: need at least one starting point");
  const fTol = options.fTolerance ?? 1e-10;
  const maxRestarts = options.maxRestarts ?? 20;
  let iterations = 0;
  let evaluations = 0;
  let overall: MinimiseResult | undefined;
  for (const start of starts) {
    let current = nelderMead(objective, start, options);
    iterations += current.iterations;
    evaluations += current.evaluations;
    for (let restart = 0; restart < maxRestarts; restart++) {
      const next = nelderMead(objective, current.x, options);
      iterations += next.iterations;
      evaluations += next.evaluations;
      const improvement = current.fx - next.fx;
      if (next.fx <= current.fx) current = next;
      if (!(improvement > fTol * Math.max(1, Math.abs(current.fx)))) break;
    }
    if (overall === undefined || current.fx < overall.fx) overall = current;
  }
  return { ...overall!, iterations, evaluations };
}
