/**
 * Test support for the attribution engine: a seeded journey generator, a tolerance helper, and an independent
 * reference Markov attribution that follows the definition literally (string states, probabilities, every removal
 * redirected into (null) and the chain re-solved by dense Gaussian elimination with partial pivoting), so that the
 * engine's sparse elimination and its order-1 shortcut are checked against something written separately.
 */
import { expect } from "vitest";
import type { Journey } from "../../../pipelines/transform/attribution/index.js";

/** |actual − expected| ≤ tolerance × max(1, |expected|). */
export function close(actual: number | undefined, expected: number, tolerance = 1e-9): void {
  expect(actual).toBeTypeOf("number");
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
}

/** mulberry32: a 32-bit seeded PRNG, uniform on [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomJourneyOptions {
  journeys: number;
  channels: number;
  maxTouches: number;
  /** Path rows (fractional counts, several conversions and nulls, stray value) rather than one person each. */
  rows?: boolean;
  /** Probability that a touch repeats the previous channel. */
  repeat?: number;
  /** Give every journey daysBefore. */
  days?: boolean;
}

/** Journeys with varied lengths, counts, values, nulls and repeated channels; channel names ch0, ch1, … */
export function randomJourneys(seed: number, options: RandomJourneyOptions): Journey[] {
  const random = mulberry32(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const journeys: Journey[] = [];
  for (let index = 0; index < options.journeys; index++) {
    const touches = 1 + pick(options.maxTouches);
    const channels: string[] = [];
    for (let position = 0; position < touches; position++) {
      const previous = channels[position - 1];
      // Skewed towards the first channels, as real channel mixes are.
      const channel =
        previous !== undefined && random() < (options.repeat ?? 0.15)
          ? previous
          : `ch${pick(pick(options.channels) + 1)}`;
      channels.push(channel);
    }
    let conversions: number;
    let nulls: number;
    if (options.rows) {
      conversions = random() < 0.3 ? 0 : Math.round(random() * 40) / 4;
      nulls = random() < 0.3 ? 0 : Math.round(random() * 80) / 4;
    } else {
      conversions = random() < 0.35 ? 1 : 0;
      nulls = 1 - conversions;
    }
    // Rows sometimes carry value without conversions, which every model must ignore.
    const stray = options.rows && random() < 0.2 ? 7 : 0;
    const value = conversions === 0 ? stray : Math.round(conversions * (5 + random() * 200) * 100) / 100;
    const journey: Journey = { channels, conversions, nulls, value };
    if (options.days) {
      let day = Math.round(random() * 3);
      const daysBefore = new Array<number>(touches);
      for (let position = touches - 1; position >= 0; position--) {
        daysBefore[position] = day;
        day += Math.round(random() * 20) / 2;
      }
      journeys.push({ ...journey, daysBefore });
    } else {
      journeys.push(journey);
    }
  }
  return journeys;
}

export interface ReferenceMarkov {
  conversionProbability: number;
  expectedValue: number;
  removalEffects: Map<string, number>;
  valueRemovalEffects: Map<string, number>;
}

const START = "(start)";
const CONVERSION = "(conversion)";
const NULL = "(null)";

/** The Markov model by the book: see the file comment. */
export function referenceMarkov(journeys: readonly Journey[], order: number): ReferenceMarkov {
  const counts = new Map<string, Map<string, number>>();
  const values = new Map<string, number>();
  const channelsOfState = new Map<string, Set<string>>();
  const add = (from: string, to: string, weight: number) => {
    if (weight === 0) return;
    const row = counts.get(from) ?? new Map<string, number>();
    row.set(to, (row.get(to) ?? 0) + weight);
    counts.set(from, row);
  };
  for (const journey of journeys) {
    const weight = journey.conversions + journey.nulls;
    if (weight === 0) continue;
    const path = journey.channels.filter((channel, position) => channel !== journey.channels[position - 1]);
    let previous = START;
    path.forEach((_, position) => {
      const tuple = path.slice(Math.max(0, position - order + 1), position + 1);
      const state = JSON.stringify(tuple);
      channelsOfState.set(state, new Set(tuple));
      add(previous, state, weight);
      previous = state;
    });
    add(previous, CONVERSION, journey.conversions);
    add(previous, NULL, journey.nulls);
    // Value rides on conversions: a row's value without conversions is ignored.
    if (journey.conversions > 0) values.set(previous, (values.get(previous) ?? 0) + journey.value);
  }
  const channels = [...new Set([...channelsOfState.values()].flatMap((set) => [...set]))];

  /** Conversion probability and expected value from (start) with the states containing `removed` sent to (null). */
  const solve = (removed: string | null): [number, number] => {
    const transient = [START, ...channelsOfState.keys()].filter(
      (state) => removed === null || !channelsOfState.get(state)?.has(removed),
    );
    const index = new Map(transient.map((state, i) => [state, i]));
    const n = transient.length;
    // Augmented matrix [I − Q | r_conversion | r_value], probabilities from the counts.
    const matrix = transient.map((state) => {
      const row = new Array<number>(n + 2).fill(0);
      const out = [...(counts.get(state) ?? new Map()).values()].reduce((total, count) => total + count, 0);
      row[index.get(state)!] = 1;
      for (const [to, count] of counts.get(state) ?? []) {
        if (to === CONVERSION) row[n] += count / out;
        else if (index.has(to)) row[index.get(to)!] -= count / out;
      }
      row[n + 1] = out === 0 ? 0 : (values.get(state) ?? 0) / out;
      return row;
    });
    for (let column = 0; column < n; column++) {
      let pivot = column;
      for (let row = column + 1; row < n; row++) {
        if (Math.abs(matrix[row]![column]!) > Math.abs(matrix[pivot]![column]!)) pivot = row;
      }
      [matrix[column], matrix[pivot]] = [matrix[pivot]!, matrix[column]!];
      const pivotRow = matrix[column]!;
      for (let row = 0; row < n; row++) {
        if (row === column) continue;
        const factor = matrix[row]![column]! / pivotRow[column]!;
        if (factor === 0) continue;
        for (let k = column; k < n + 2; k++) matrix[row]![k]! -= factor * pivotRow[k]!;
      }
    }
    const start = index.get(START)!;
    return [matrix[start]![n]! / matrix[start]![start]!, matrix[start]![n + 1]! / matrix[start]![start]!];
  };

  const [conversionProbability, expectedValue] = solve(null);
  const removalEffects = new Map<string, number>();
  const valueRemovalEffects = new Map<string, number>();
  for (const channel of channels) {
    const [without, valueWithout] = solve(channel);
    removalEffects.set(channel, conversionProbability > 0 ? 1 - without / conversionProbability : 0);
    valueRemovalEffects.set(channel, expectedValue > 0 ? 1 - valueWithout / expectedValue : 0);
  }
  return { conversionProbability, expectedValue, removalEffects, valueRemovalEffects };
}
