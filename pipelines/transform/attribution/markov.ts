/**
 * Markov-chain attribution with removal effects (Anderl, Becker, von Wangenheim & Schumann 2016, "Mapping the
 * customer journey"; the model of the ChannelAttribution package by Altomare & Loris), solved exactly.
 *
 * The chain. Transient states are (start) and one state per distinct tuple of the last k channels (k = order;
 * the first k − 1 states of a journey are its shorter prefixes); (conversion) and (null) absorb. A journey row
 * c1 > … > cm with `conversions` and `nulls` adds conversions + nulls to every transition (start) → s1 → … → sm,
 * then `conversions` to sm → (conversion) and `nulls` to sm → (null); its value rides on the conversions (a row's
 * value without conversions is ignored, as everywhere in this engine). Consecutive repeats of a channel are collapsed
 * first (self-transitions are dropped; after that no two consecutive states can be equal). Journeys with neither
 * conversions nor nulls add nothing.
 *
 * Removal effect of channel c: every transition into a state containing c goes to (null) instead;
 * RE_c = 1 − P(conversion | c removed) / P(conversion) = P(the journey visits c | it converts), and the observed
 * conversions are shared in proportion to RE. ChannelAttribution estimates exactly this last quantity by
 * simulating journeys from the chain and counting the channels visited by the converting ones; here it is solved.
 *
 * Value. ChannelAttribution draws each simulated conversion's value from the per-conversion values observed on
 * the transition into (conversion) it was absorbed through, and takes the value removal effect of c as the share
 * of simulated value whose journey visited c. Its expectation is what is computed here: the transition
 * probabilities stay those of the counts, but absorption through s → (conversion) pays the mean value of the
 * conversions observed on that transition, so x_value(start) is the expected value of a journey and
 * RE_value_c = 1 − x_value(start | c removed) / x_value(start). (Re-weighting the transition probabilities by value
 * instead would mix revenue with journey counts in one row, so we do not.) Observed value is shared in proportion.
 *
 * Two exact routes to the removal effects:
 * - when every channel lives in a single state (always so at order 1), one factorisation suffices:
 *   P(conversion | c removed) = P − h_c · x_c, with x_c the conversion probability from c and h_c = N_start,c / N_c,c
 *   the probability of ever visiting c (N = (I − Q)⁻¹, read off from solves with the same factors), so
 *   RE_c = h_c · x_c / P, computed without cancellation;
 * - otherwise (orders 2 and 3) the chain without c is rebuilt and solved for each channel.
 */
import { ChainFactorization, EliminationTooLargeError, type TransientSystem } from "./linear-solve.js";
import { compareChannels, validateJourneys, validateOrder, type ChannelCredit, type Journey } from "./journeys.js";

export interface MarkovResult {
  /** Probability that a journey starting at (start) is absorbed in (conversion), from the fitted chain. */
  readonly conversionProbability: number;
  /** Removal effect per channel: 1 - P(conversion | channel removed) / P(conversion), in [0, 1]. */
  readonly removalEffects: ReadonlyMap<string, number>;
  /** Removal effects computed on the value-weighted chain (see the module comment). */
  readonly valueRemovalEffects: ReadonlyMap<string, number>;
  readonly credits: readonly ChannelCredit[]; // model "markov"
}

/**
 * Multiply-adds allowed for one attribution, all factorisations and solves together: some seconds, not hours. For
 * scale, the order-3 chain of 12 channels and 20,000 uniformly random journeys of up to 6 touches (1,600 states,
 * about the worst a real order-3 chain of that many channels can be) needs 1.6e9, a few seconds.
 */
export const MAX_TOTAL_WORK = 4e9;

export interface MarkovChain {
  readonly order: 1 | 2 | 3;
  /** Channel names, indexed by channel number. */
  readonly channels: readonly string[];
  /** For each transient state (0 is (start)), the distinct channel numbers in its tuple. */
  readonly stateChannels: readonly (readonly number[])[];
  /** For each transient state, weights of transitions to other transient states. */
  readonly edges: readonly Map<number, number>[];
  /** For each transient state, weight into (conversion), weight into (null), and value into (conversion). */
  readonly conversions: Float64Array;
  readonly nulls: Float64Array;
  readonly value: Float64Array;
}

export function buildChain(journeys: readonly Journey[], order: 1 | 2 | 3): MarkovChain {
  const channels: string[] = [];
  const channelNumbers = new Map<string, number>();
  const stateNumbers = new Map<string, number>();
  const stateChannels: number[][] = [[]];
  const edges: Map<number, number>[] = [new Map()];
  const conversions: number[] = [0];
  const nulls: number[] = [0];
  const value: number[] = [0];

  for (const journey of journeys) {
    const weight = journey.conversions + journey.nulls;
    if (weight === 0) continue;
    const path: number[] = [];
    for (const channel of journey.channels) {
      let number = channelNumbers.get(channel);
      if (number === undefined) {
        number = channels.length;
        channels.push(channel);
        channelNumbers.set(channel, number);
      }
      if (path[path.length - 1] !== number) path.push(number);
    }
    let previous = 0;
    for (let position = 0; position < path.length; position++) {
      const tuple = path.slice(Math.max(0, position - order + 1), position + 1);
      const key = tuple.join(",");
      let state = stateNumbers.get(key);
      if (state === undefined) {
        state = stateChannels.length;
        stateNumbers.set(key, state);
        stateChannels.push([...new Set(tuple)]);
        edges.push(new Map());
        conversions.push(0);
        nulls.push(0);
        value.push(0);
      }
      const row = edges[previous]!;
      row.set(state, (row.get(state) ?? 0) + weight);
      previous = state;
    }
    conversions[previous]! += journey.conversions;
    nulls[previous]! += journey.nulls;
    if (journey.conversions > 0) value[previous]! += journey.value;
  }
  return {
    order,
    channels,
    stateChannels,
    edges,
    conversions: Float64Array.from(conversions),
    nulls: Float64Array.from(nulls),
    value: Float64Array.from(value),
  };
}

export interface RemovalEffects {
  /** Conversion probability from (start) and expected value of a journey, on the full chain. */
  readonly conversionProbability: number;
  readonly expectedValue: number;
  /** Per channel number. */
  readonly conversion: Float64Array;
  readonly value: Float64Array;
}

/** Removal effects by whichever exact route fits the chain (see the module comment). */
export function removalEffects(chain: MarkovChain, maxWork = MAX_TOTAL_WORK): RemovalEffects {
  const oneStatePerChannel =
    chain.stateChannels.length - 1 === chain.channels.length &&
    chain.stateChannels.every((channels, state) => state === 0 || channels.length === 1);
  return oneStatePerChannel
    ? removalEffectsByFundamentalMatrix(chain, maxWork)
    : removalEffectsByRemoval(chain, maxWork);
}

/** RE_c = h_c x_c / P: exact when each channel is exactly one state (order 1). */
export function removalEffectsByFundamentalMatrix(chain: MarkovChain, maxWork = MAX_TOTAL_WORK): RemovalEffects {
  const states = chain.stateChannels.length;
  if (states - 1 !== chain.channels.length || chain.stateChannels.some((c, state) => state > 0 && c.length !== 1)) {
    throw new Error("markov: the fundamental-matrix route needs exactly one state per channel");
  }
  const budget = new Budget(chain, maxWork);
  const factors = budget.factor(fullSystem(chain));
  const x = factors.solve(chain.conversions);
  const xValue = factors.solve(chain.value);
  const conversionProbability = x[0]!;
  const expectedValue = xValue[0]!;
  const conversion = new Float64Array(chain.channels.length);
  const value = new Float64Array(chain.channels.length);
  budget.spend(states * factors.entries);
  const unit = new Float64Array(states);
  unit[0] = 1;
  // The factors are of D − W = D (I − Q), so these are entries of N D⁻¹: column c of N over D_c, which cancels in h.
  const fromStart = factors.solveTransposed(unit); // N_start,c / D_c for every c
  unit[0] = 0;
  for (let state = 1; state < states; state++) {
    unit[state] = 1;
    const visitsBack = factors.solve(unit)[state]!; // N_c,c / D_c
    unit[state] = 0;
    const hit = Math.min(1, fromStart[state]! / visitsBack);
    const channel = chain.stateChannels[state]![0]!;
    if (conversionProbability > 0) conversion[channel] = clamp((hit * x[state]!) / conversionProbability);
    if (expectedValue > 0) value[channel] = clamp((hit * xValue[state]!) / expectedValue);
  }
  return { conversionProbability, expectedValue, conversion, value };
}

/** RE_c = 1 − P(without c)/P with the chain rebuilt without the states containing c: exact at any order. */
export function removalEffectsByRemoval(chain: MarkovChain, maxWork = MAX_TOTAL_WORK): RemovalEffects {
  const budget = new Budget(chain, maxWork);
  const full = budget.factor(fullSystem(chain));
  const conversionProbability = full.solve(chain.conversions)[0]!;
  const expectedValue = full.solve(chain.value)[0]!;
  const conversion = new Float64Array(chain.channels.length);
  const value = new Float64Array(chain.channels.length);
  const statesOf: number[][] = chain.channels.map(() => []);
  chain.stateChannels.forEach((channels, state) => channels.forEach((channel) => statesOf[channel]!.push(state)));
  if (!(conversionProbability > 0)) return { conversionProbability, expectedValue, conversion, value };

  chain.channels.forEach((_, channel) => {
    const removed = new Set(statesOf[channel]);
    const kept: number[] = [];
    const renumbered = new Int32Array(chain.stateChannels.length).fill(-1);
    chain.stateChannels.forEach((_, state) => {
      if (!removed.has(state)) {
        renumbered[state] = kept.length;
        kept.push(state);
      }
    });
    const edges = kept.map(() => new Map<number, number>());
    const exits = new Float64Array(kept.length);
    const conversions = new Float64Array(kept.length);
    const values = new Float64Array(kept.length);
    kept.forEach((state, index) => {
      exits[index] = chain.conversions[state]! + chain.nulls[state]!;
      conversions[index] = chain.conversions[state]!;
      values[index] = chain.value[state]!;
      for (const [target, weight] of chain.edges[state]!) {
        const to = renumbered[target]!;
        if (to >= 0) edges[index]!.set(to, weight);
        else exits[index] += weight; // into a removed state, so to (null)
      }
    });
    const factors = budget.factor({ edges, exits });
    const without = factors.solve(conversions)[0]!;
    conversion[channel] = clamp((conversionProbability - without) / conversionProbability);
    if (expectedValue > 0) {
      value[channel] = clamp((expectedValue - factors.solve(values)[0]!) / expectedValue);
    }
  });
  return { conversionProbability, expectedValue, conversion, value };
}

/** Removal effects and credits of the order-k chain (k = options.order, default 1). */
export function markovAttribution(journeys: readonly Journey[], options?: { order?: 1 | 2 | 3 }): MarkovResult {
  validateJourneys(journeys);
  validateOrder(options?.order);
  return markovAttributionUnchecked(journeys, options?.order ?? 1);
}

export function markovAttributionUnchecked(journeys: readonly Journey[], order: 1 | 2 | 3): MarkovResult {
  const chain = buildChain(journeys, order);
  let totalConversions = 0;
  let totalValue = 0;
  for (const journey of journeys) {
    totalConversions += journey.conversions;
    if (journey.conversions > 0) totalValue += journey.value; // value without a conversion is not credited
  }
  const names = chain.channels
    .map((name, channel) => ({ name, channel }))
    .sort((a, b) => compareChannels(a.name, b.name));
  const zeros = new Map(names.map(({ name }) => [name, 0]));
  // Nothing converted: P = 0 and every removal effect 0/0; credit nothing.
  if (totalConversions === 0) {
    return { conversionProbability: 0, removalEffects: zeros, valueRemovalEffects: new Map(zeros), credits: [] };
  }
  const effects = removalEffects(chain);
  const removal = new Map(names.map(({ name, channel }) => [name, effects.conversion[channel]!]));
  const valueRemoval = new Map(names.map(({ name, channel }) => [name, effects.value[channel]!]));
  const sum = (values: Float64Array) => values.reduce((total, value) => total + value, 0);
  const removalSum = sum(effects.conversion);
  const valueRemovalSum = sum(effects.value);
  const credits: ChannelCredit[] = [];
  for (const { name, channel } of names) {
    const conversions = removalSum > 0 ? (totalConversions * effects.conversion[channel]!) / removalSum : 0;
    const value = valueRemovalSum > 0 ? (totalValue * effects.value[channel]!) / valueRemovalSum : 0;
    if (conversions > 0 || value > 0) credits.push({ channel: name, model: "markov", conversions, value });
  }
  return {
    conversionProbability: effects.conversionProbability,
    removalEffects: removal,
    valueRemovalEffects: valueRemoval,
    credits,
  };
}

function fullSystem(chain: MarkovChain): TransientSystem {
  return {
    edges: chain.edges,
    exits: chain.conversions.map((conversions, state) => conversions + chain.nulls[state]!),
  };
}

function clamp(effect: number): number {
  return Math.min(1, Math.max(0, effect));
}

/** Work shared by every factorisation and solve of one attribution, with an error that says what to change. */
class Budget {
  private spent = 0;

  constructor(
    private readonly chain: MarkovChain,
    private readonly maxWork: number,
  ) {}

  factor(system: TransientSystem): ChainFactorization {
    try {
      const factors = ChainFactorization.factor(system, this.maxWork - this.spent);
      this.spend(factors.work);
      return factors;
    } catch (error) {
      if (error instanceof EliminationTooLargeError) this.tooLarge();
      throw error;
    }
  }

  spend(work: number): void {
    this.spent += work;
    if (this.spent > this.maxWork) this.tooLarge();
  }

  private tooLarge(): never {
    const { order, channels, stateChannels } = this.chain;
    throw new Error(
      `markov: the order-${order} chain of ${channels.length} channels has ${stateChannels.length} states, too many ` +
        `transitions between them to solve exactly within ${this.maxWork.toExponential(0)} multiply-adds; ` +
        "use a lower order or fewer channels",
    );
  }
}
