/**
 * Rule-based attribution: each converting journey's conversions and value are split among its touches by fixed
 * shares that sum to 1, so every model credits exactly the observed totals. Touches are taken as given, repeats
 * included: a channel touched twice gets two shares (linear, position-based, time-decay), as ChannelAttribution's
 * linear touch does. Non-converting journeys are not credited, so they play no part here.
 */
import {
  HEURISTIC_MODELS,
  compareChannels,
  validateJourneys,
  validateOptions,
  type AttributionOptions,
  type ChannelCredit,
  type HeuristicModel,
  type Journey,
} from "./journeys.js";

/**
 * The share of each touch of an n-touch journey under a model; they sum to 1.
 *
 * - first_touch / last_touch: everything to the first / last touch.
 * - linear: 1/n each.
 * - position_based (Google Analytics' 40/20/40): one touch 1; two touches ½ each; three or more 0.4 to the first,
 *   0.4 to the last and 0.2 split equally among the n − 2 in between.
 * - time_decay: 2^(−daysBefore/halfLifeDays), normalised. daysBefore defaults to n − 1, …, 1, 0 (a day apart).
 */
export function touchShares(
  model: HeuristicModel,
  touches: number,
  halfLifeDays: number,
  daysBefore?: readonly number[],
): number[] {
  const shares = new Array<number>(touches).fill(0);
  if (touches === 0) return shares;
  switch (model) {
    case "first_touch":
      shares[0] = 1;
      break;
    case "last_touch":
      shares[touches - 1] = 1;
      break;
    case "linear":
      shares.fill(1 / touches);
      break;
    case "position_based":
      if (touches === 1) shares[0] = 1;
      else if (touches === 2) shares.fill(0.5);
      else {
        shares.fill(0.2 / (touches - 2));
        shares[0] = 0.4;
        shares[touches - 1] = 0.4;
      }
      break;
    case "time_decay": {
      const days = daysBefore ?? shares.map((_, position) => touches - 1 - position);
      // Measured from the most recent touch: the same ratios, but no underflow to 0/0 for a journey that ended
      // thousands of half-lives before its conversion.
      const nearest = days.reduce((least, day) => Math.min(least, day), Infinity);
      let total = 0;
      for (let position = 0; position < touches; position++) {
        shares[position] = 2 ** (-(days[position]! - nearest) / halfLifeDays);
        total += shares[position]!;
      }
      for (let position = 0; position < touches; position++) shares[position] = shares[position]! / total;
      break;
    }
  }
  return shares;
}

/** first_touch, last_touch, linear, position_based and time_decay credits (only non-zero ones). */
export function heuristicCredits(journeys: readonly Journey[], options: AttributionOptions): ChannelCredit[] {
  validateJourneys(journeys);
  validateOptions(options);
  return heuristicCreditsUnchecked(journeys, options.halfLifeDays);
}

export function heuristicCreditsUnchecked(journeys: readonly Journey[], halfLifeDays: number): ChannelCredit[] {
  const totals = new Map(
    HEURISTIC_MODELS.map((model) => [model, new Map<string, { conversions: number; value: number }>()]),
  );
  for (const journey of journeys) {
    if (journey.conversions === 0) continue;
    for (const model of HEURISTIC_MODELS) {
      const byChannel = totals.get(model)!;
      const shares = touchShares(model, journey.channels.length, halfLifeDays, journey.daysBefore);
      journey.channels.forEach((channel, position) => {
        const share = shares[position]!;
        if (share === 0) return;
        const credit = byChannel.get(channel) ?? { conversions: 0, value: 0 };
        credit.conversions += share * journey.conversions;
        credit.value += share * journey.value;
        byChannel.set(channel, credit);
      });
    }
  }
  const credits: ChannelCredit[] = [];
  for (const model of HEURISTIC_MODELS) {
    const byChannel = totals.get(model)!;
    for (const channel of [...byChannel.keys()].sort(compareChannels)) {
      const { conversions, value } = byChannel.get(channel)!;
      if (conversions > 0 || value > 0) credits.push({ channel, model, conversions, value });
    }
  }
  return credits;
}
