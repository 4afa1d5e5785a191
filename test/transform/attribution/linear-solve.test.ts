import { describe, expect, it } from "vitest";
import {
  ChainFactorization,
  EliminationTooLargeError,
  type TransientSystem,
} from "../../../pipelines/transform/attribution/linear-solve.js";
import { close, mulberry32 } from "./support.js";

/** A = D − W as a dense matrix. */
function dense(system: TransientSystem): number[][] {
  const n = system.edges.length;
  return system.edges.map((row, i) => {
    const line = new Array<number>(n).fill(0);
    line[i] = system.exits[i]!;
    for (const [j, weight] of row) {
      line[i] += weight;
      line[j] -= weight;
    }
    return line;
  });
}

/** Dense Gaussian elimination with partial pivoting. */
function denseSolve(matrix: number[][], b: readonly number[]): number[] {
  const n = b.length;
  const a = matrix.map((line, i) => [...line, b[i]!]);
  for (let column = 0; column < n; column++) {
    let pivot = column;
    for (let r = column + 1; r < n; r++) if (Math.abs(a[r]![column]!) > Math.abs(a[pivot]![column]!)) pivot = r;
    [a[column], a[pivot]] = [a[pivot]!, a[column]!];
    for (let r = column + 1; r < n; r++) {
      const factor = a[r]![column]! / a[column]![column]!;
      for (let k = column; k <= n; k++) a[r]![k]! -= factor * a[column]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = a[r]![n]!;
    for (let k = r + 1; k < n; k++) sum -= a[r]![k]! * x[k]!;
    x[r] = sum / a[r]![r]!;
  }
  return x;
}

const transpose = (matrix: number[][]) => matrix[0]!.map((_, j) => matrix.map((line) => line[j]!));

/** A random chain: sparse edges with positive weights, some states without exits but every state able to exit. */
function randomSystem(seed: number, n: number, degree: number): TransientSystem {
  const random = mulberry32(seed);
  const edges = Array.from({ length: n }, () => new Map<number, number>());
  const exits = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < degree; k++) {
      const j = Math.floor(random() * n);
      if (j !== i) edges[i]!.set(j, 1 + Math.floor(random() * 50));
    }
    exits[i] = random() < 0.4 ? 0 : Math.floor(random() * 10);
  }
  exits[n - 1] = 3; // and a path i → i + 1 to it, so that every state reaches an exit
  for (let i = 0; i < n - 1; i++) if (!edges[i]!.has(i + 1)) edges[i]!.set(i + 1, 1);
  return { edges, exits };
}

describe("ChainFactorization", () => {
  for (const [seed, n, degree] of [
    [1, 5, 2],
    [2, 40, 3],
    [3, 120, 6],
    [4, 60, 40],
  ] as const) {
    it(`solves A x = b and Aᵀ z = c like dense elimination (seed ${seed}, ${n} states)`, () => {
      const system = randomSystem(seed, n, degree);
      const factors = ChainFactorization.factor(system);
      const matrix = dense(system);
      const random = mulberry32(seed + 1000);
      const b = Array.from({ length: n }, () => (random() < 0.5 ? 0 : random() * 10));
      const x = factors.solve(b);
      denseSolve(matrix, b).forEach((expected, i) => close(x[i], expected, 1e-11));
      const z = factors.solveTransposed(b);
      denseSolve(transpose(matrix), b).forEach((expected, i) => close(z[i], expected, 1e-11));
      expect(factors.entries).toBeGreaterThanOrEqual(n);
    });
  }

  it("keeps full relative accuracy when journeys bounce between two states a trillion times before leaving", () => {
    // 0 ⇄ 1 with weight w each way, weight 1 leaving each; b = exit of state 0 only.
    // x0 = (w + 1) / (2w + 1): a naive elimination would lose about 12 of the 16 digits on the diagonal.
    const w = 1e12;
    const system = { edges: [new Map([[1, w]]), new Map([[0, w]])], exits: [1, 1] };
    const x = ChainFactorization.factor(system).solve([1, 0]);
    close(x[0], (w + 1) / (2 * w + 1), 1e-14);
    close(x[1], w / (2 * w + 1), 1e-14);
  });

  it("refuses a system with a closed class (no way out)", () => {
    const system = { edges: [new Map([[1, 1]]), new Map([[0, 2]]), new Map([[0, 1]])], exits: [0, 0, 5] };
    expect(() => ChainFactorization.factor(system)).toThrow(/cannot reach an absorbing state/);
  });

  it("refuses self-loops and non-positive weights", () => {
    expect(() => ChainFactorization.factor({ edges: [new Map([[0, 1]])], exits: [1] })).toThrow(/bad edge 0 → 0/);
    expect(() => ChainFactorization.factor({ edges: [new Map([[1, 0]]), new Map()], exits: [1, 1] })).toThrow(
      /bad edge 0 → 1/,
    );
  });

  it("stops with EliminationTooLargeError past its work cap", () => {
    const system = randomSystem(5, 80, 30);
    expect(() => ChainFactorization.factor(system, 1000)).toThrow(EliminationTooLargeError);
  });
});
