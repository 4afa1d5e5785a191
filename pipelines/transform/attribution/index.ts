/**
 * Multi-touch attribution: how much of the observed conversions and their value each channel earns, under five
 * rule-based models (first touch, last touch, linear, position-based, time decay) and the Markov-chain removal-effect
 * model, computed exactly in pure TypeScript. Every model credits exactly the observed totals. Definitions and
 * assumptions: README.md beside this file.
 */
import { heuristicCreditsUnchecked } from "./heuristics.js";
import {
  validateJourneys,
  validateOptions,
  type AttributionOptions,
  type ChannelCredit,
  type Journey,
} from "./journeys.js";
import { markovAttributionUnchecked, type MarkovResult } from "./markov.js";

export { heuristicCredits, touchShares } from "./heuristics.js";
export {
  ATTRIBUTION_MODELS,
  parsePath,
  type AttributionModel,
  type AttributionOptions,
  type ChannelCredit,
  type Journey,
} from "./journeys.js";
export { markovAttribution, type MarkovResult } from "./markov.js";

/** All six models: heuristicCredits + markovAttribution(...).credits. */
export function attribute(
  journeys: readonly Journey[],
  options: AttributionOptions,
): { credits: ChannelCredit[]; markov: MarkovResult } {
  validateJourneys(journeys);
  validateOptions(options);
  const markov = markovAttributionUnchecked(journeys, options.markovOrder ?? 1);
  return { credits: [...heuristicCreditsUnchecked(journeys, options.halfLifeDays), ...markov.credits], markov };
}
