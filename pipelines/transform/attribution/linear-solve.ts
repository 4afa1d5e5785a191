/**
 * Exact absorption computations for an absorbing Markov chain: a sparse LU factorisation of A = D − W, where W holds
 * the weights (transition counts) between transient states and D the total weight leaving each of them. With b the
 * weight each state sends into (conversion), A x = b gives x, the probability of ending in (conversion) from each
 * state: the system is written in counts rather than probabilities because scaling a row of A and b together
 * leaves x unchanged, so no division is needed to build it.
 *
 * Why not a dense Gaussian elimination with partial pivoting: a Markov chain of order 2 or 3 has thousands of states
 * but few transitions out of each, and dense O(n³) work (n³ memory traffic in JavaScript) would take minutes. Here:
 *
 * - Pivots are taken on the diagonal, in a greedy Markowitz order (fewest (row entries × column entries) first) to
 *   keep fill-in low. Diagonal pivoting needs no row exchanges because A is a non-singular M-matrix with
 *   non-negative row sums (row diagonally dominant), and eliminating a state keeps that property.
 * - The diagonal is never updated by subtraction. Each row's sum (the weight that leaves the remaining states
 *   for an absorbing one) is carried instead and only ever increases; the pivot is that sum plus the row's
 *   off-diagonal weights (Grassmann, Taksar & Heyman 1985). Every operation then adds non-negative numbers, so
 *   there is no cancellation even when a pair of channels passes a journey back and forth hundreds of times.
 * - The work (multiply-adds) is counted and capped, so a pathological chain fails with a clear error rather than
 *   running for hours.
 */

/** Transient part of an absorbing chain. Index 0 is not special here. */
export interface TransientSystem {
  /** Row i maps j to the weight of transitions i → j between transient states (i ≠ j, weights > 0). */
  readonly edges: readonly ReadonlyMap<number, number>[];
  /** Weight of the transitions from each transient state into absorbing states (≥ 0). */
  readonly exits: ArrayLike<number>;
}

export class EliminationTooLargeError extends Error {
  constructor(
    readonly states: number,
    readonly maxWork: number,
  ) {
    super(`eliminating ${states} transient states needs more than ${maxWork.toExponential(1)} multiply-adds`);
    this.name = "EliminationTooLargeError";
  }
}

/** Default cap on multiply-adds per factorisation: at a few nanoseconds each, several seconds. */
export const DEFAULT_MAX_WORK = 1e9;

export class ChainFactorization {
  private constructor(
    readonly size: number,
    /** Pivot order. */
    private readonly order: Int32Array,
    /** Pivot of each state. */
    private readonly diagonal: Float64Array,
    /** Upper factor: weights from the pivot to states eliminated after it (A_pj = −weight). */
    private readonly upperCols: number[][],
    private readonly upperWeights: number[][],
    /** Lower factor: for each pivot p, the later rows i and f = w_ip / pivot (L_ip = −f). */
    private readonly lowerRows: number[][],
    private readonly lowerFactors: number[][],
    /** Multiply-adds spent factorising. */
    readonly work: number,
    /** Entries in the two factors, i.e. the cost of one solve. */
    readonly entries: number,
  ) {}

  static factor(system: TransientSystem, maxWork = DEFAULT_MAX_WORK): ChainFactorization {
    const n = system.edges.length;
    if (system.exits.length !== n) throw new Error("ChainFactorization: edges and exits differ in length");
    // Rows as parallel arrays (column, weight) of the off-diagonal entries among the states not yet eliminated;
    // columns as append-only lists of rows (an entry, once non-zero, stays non-zero until its row or column is
    // eliminated, because every update adds a non-negative amount), skipping eliminated rows when read.
    const rowCols: number[][] = [];
    const rowWeights: number[][] = [];
    const colRows: number[][] = Array.from({ length: n }, () => []);
    const colCount = new Int32Array(n);
    system.edges.forEach((row, i) => {
      const cols: number[] = [];
      const weights: number[] = [];
      for (const [j, weight] of row) {
        if (j === i || !(weight > 0) || !Number.isInteger(j) || j < 0 || j >= n) {
          throw new Error(`ChainFactorization: bad edge ${i} → ${j} (weight ${weight})`);
        }
        cols.push(j);
        weights.push(weight);
        colRows[j]!.push(i);
        colCount[j]!++;
      }
      rowCols.push(cols);
      rowWeights.push(weights);
    });
    const exits = Float64Array.from(system.exits);
    const eliminated = new Uint8Array(n);
    const position = new Int32Array(n).fill(-1); // scatter workspace: where column j sits in the row being updated
    const heap = new PivotHeap();
    const cost = (i: number) => rowCols[i]!.length * colCount[i]!;
    for (let i = 0; i < n; i++) heap.push(cost(i), i);

    const order = new Int32Array(n);
    const diagonal = new Float64Array(n);
    const lowerRows: number[][] = Array.from({ length: n }, () => []);
    const lowerFactors: number[][] = Array.from({ length: n }, () => []);
    let work = 0;
    let entries = 0;

    for (let step = 0; step < n; step++) {
      const p = heap.pop(cost, eliminated);
      if (p < 0) throw new Error("ChainFactorization: pivot queue ran dry"); // cannot happen: every state is queued
      order[step] = p;
      eliminated[p] = 1;
      const colsP = rowCols[p]!;
      const weightsP = rowWeights[p]!;
      let pivot = exits[p]!;
      for (let k = 0; k < colsP.length; k++) {
        pivot += weightsP[k]!;
        colCount[colsP[k]!]!--;
      }
      if (!(pivot > 0)) {
        throw new Error(`ChainFactorization: state ${p} cannot reach an absorbing state (singular system)`);
      }
      diagonal[p] = pivot;
      const exitP = exits[p]!;
      const touched = lowerRows[p]!;
      const factors = lowerFactors[p]!;
      for (const i of colRows[p]!) {
        if (eliminated[i]) continue;
        const colsI = rowCols[i]!;
        const weightsI = rowWeights[i]!;
        for (let k = 0; k < colsI.length; k++) position[colsI[k]!] = k;
        // Take out entry p (swap with the last), turning it into the multiplier.
        const at = position[p]!;
        const f = weightsI[at]! / pivot;
        const last = colsI.length - 1;
        colsI[at] = colsI[last]!;
        weightsI[at] = weightsI[last]!;
        position[colsI[at]!] = at;
        colsI.pop();
        weightsI.pop();
        position[p] = -1;
        touched.push(i);
        factors.push(f);
        exits[i] = exits[i]! + f * exitP;
        for (let k = 0; k < colsP.length; k++) {
          const j = colsP[k]!;
          if (j === i) continue; // lands on the diagonal, which is rebuilt from the row sum
          const there = position[j]!;
          if (there >= 0) weightsI[there] = weightsI[there]! + f * weightsP[k]!;
          else {
            colsI.push(j);
            weightsI.push(f * weightsP[k]!);
            colRows[j]!.push(i);
            colCount[j]!++;
          }
        }
        for (let k = 0; k < colsI.length; k++) position[colsI[k]!] = -1;
        work += colsI.length + colsP.length + 1;
      }
      if (work > maxWork) throw new EliminationTooLargeError(n, maxWork);
      entries += colsP.length + touched.length + 1;
      colRows[p] = [];
      for (const i of touched) heap.push(cost(i), i);
      for (const j of colsP) heap.push(cost(j), j);
    }
    // What is left of each row once it is pivoted is its row of the upper factor.
    return new ChainFactorization(n, order, diagonal, rowCols, rowWeights, lowerRows, lowerFactors, work, entries);
  }

  /** x with A x = b. */
  solve(b: ArrayLike<number>): Float64Array {
    const n = this.size;
    if (b.length !== n) throw new Error("ChainFactorization.solve: wrong length");
    const y = Float64Array.from(b);
    for (let step = 0; step < n; step++) {
      const p = this.order[step]!;
      const yp = y[p]!;
      if (yp === 0) continue;
      const targets = this.lowerRows[p]!;
      const factors = this.lowerFactors[p]!;
      for (let k = 0; k < targets.length; k++) y[targets[k]!] += factors[k]! * yp;
    }
    const x = new Float64Array(n);
    for (let step = n - 1; step >= 0; step--) {
      const p = this.order[step]!;
      const cols = this.upperCols[p]!;
      const weights = this.upperWeights[p]!;
      let sum = y[p]!;
      for (let k = 0; k < cols.length; k++) sum += weights[k]! * x[cols[k]!]!;
      x[p] = sum / this.diagonal[p]!;
    }
    return x;
  }

  /** z with Aᵀ z = c. */
  solveTransposed(c: ArrayLike<number>): Float64Array {
    const n = this.size;
    if (c.length !== n) throw new Error("ChainFactorization.solveTransposed: wrong length");
    const v = Float64Array.from(c);
    for (let step = 0; step < n; step++) {
      const p = this.order[step]!;
      v[p] = v[p]! / this.diagonal[p]!;
      const vp = v[p]!;
      if (vp === 0) continue;
      const cols = this.upperCols[p]!;
      const weights = this.upperWeights[p]!;
      for (let k = 0; k < cols.length; k++) v[cols[k]!] += weights[k]! * vp;
    }
    for (let step = n - 1; step >= 0; step--) {
      const p = this.order[step]!;
      const targets = this.lowerRows[p]!;
      const factors = this.lowerFactors[p]!;
      let sum = v[p]!;
      for (let k = 0; k < targets.length; k++) sum += factors[k]! * v[targets[k]!]!;
      v[p] = sum;
    }
    return v;
  }
}

/**
 * Min-heap of (cost, state) with lazy deletion: a state is pushed again whenever its cost changes, and stale or
 * eliminated entries are skipped when popped. Ties go to the lower index, so the pivot order (and with it every
 * rounding) is a function of the input alone.
 */
class PivotHeap {
  private readonly costs: number[] = [];
  private readonly states: number[] = [];

  push(cost: number, state: number): void {
    const costs = this.costs;
    const states = this.states;
    let k = costs.length;
    costs.push(cost);
    states.push(state);
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.less(cost, state, costs[parent]!, states[parent]!)) break;
      costs[k] = costs[parent]!;
      states[k] = states[parent]!;
      k = parent;
    }
    costs[k] = cost;
    states[k] = state;
  }

  pop(currentCost: (state: number) => number, eliminated: Uint8Array): number {
    while (this.costs.length > 0) {
      const cost = this.costs[0]!;
      const state = this.states[0]!;
      this.removeTop();
      if (!eliminated[state] && currentCost(state) === cost) return state;
    }
    return -1;
  }

  private removeTop(): void {
    const costs = this.costs;
    const states = this.states;
    const lastCost = costs.pop()!;
    const lastState = states.pop()!;
    const n = costs.length;
    if (n === 0) return;
    let k = 0;
    for (;;) {
      const left = 2 * k + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.less(costs[right]!, states[right]!, costs[left]!, states[left]!) ? right : left;
      if (!this.less(costs[child]!, states[child]!, lastCost, lastState)) break;
      costs[k] = costs[child]!;
      states[k] = states[child]!;
      k = child;
    }
    costs[k] = lastCost;
    states[k] = lastState;
  }

  private less(costA: number, stateA: number, costB: number, stateB: number): boolean {
    return costA < costB || (costA === costB && stateA < stateB);
  }
}
