/**
 * The attribution engine's input and output types, their validation, and the ChannelAttribution path format.
 * Kept apart from index.ts so that the model modules can share them without importing the public entry point.
 */

export interface Journey {
  /** Channels touched, oldest first (the caller has already collapsed consecutive repeats, but the engine must not rely on it). */
  readonly channels: readonly string[];
  /** Days from each touch to the conversion (to the journey's last touch when it did not convert); same length as channels. Absent: touches are taken as one day apart, the last at 0. */
  readonly daysBefore?: readonly number[];
  /** How many journeys along this path converted: 1 or 0 for one person's journey, any non-negative number for a row of a paths file. */
  readonly conversions: number;
  /** Their total conversion value (revenue). */
  readonly value: number;
  /** How many journeys along this path did not convert. */
  readonly nulls: number;
}

export type AttributionModel = "first_touch" | "last_touch" | "linear" | "position_based" | "time_decay" | "markov";

export const ATTRIBUTION_MODELS: readonly AttributionModel[] = Object.freeze([
  "first_touch",
  "last_touch",
  "linear",
  "position_based",
  "time_decay",
  "markov",
] as const);

export type HeuristicModel = Exclude<AttributionModel, "markov">;

export const HEURISTIC_MODELS: readonly HeuristicModel[] = Object.freeze([
  "first_touch",
  "last_touch",
  "linear",
  "position_based",
  "time_decay",
] as const);

export interface ChannelCredit {
  readonly channel: string;
  readonly model: AttributionModel;
  /** Conversions credited to the channel under the model. */
  readonly conversions: number;
  /** Conversion value credited to the channel under the model. */
  readonly value: number;
}

export interface AttributionOptions {
  /** Half-life of the time-decay model, in days (a touch halfLifeDays before the conversion gets half the weight of one at the conversion). */
  readonly halfLifeDays: number;
  /** Order of the Markov chain: 1 (default), 2 or 3 (states are the last k channels). */
  readonly markovOrder?: 1 | 2 | 3;
}

/**
 * Throws, naming the journey and the problem, unless every journey is usable: at least one channel, every channel
 * a non-blank string, finite non-negative conversions, value and nulls, and daysBefore, when given, one finite
 * non-negative number per channel.
 */
export function validateJourneys(journeys: readonly Journey[]): void {
  if (!Array.isArray(journeys)) throw new TypeError("attribution: journeys must be an array");
  journeys.forEach((journey: unknown, index) => {
    const fail = (problem: string): never => {
      throw new RangeError(`attribution: journey ${index}: ${problem}`);
    };
    if (journey === null || typeof journey !== "object") return fail("is not an object");
    const { channels, daysBefore, conversions, value, nulls } = journey as Record<keyof Journey, unknown>;
    const count = (name: string, number: unknown) => {
      if (typeof number !== "number" || !Number.isFinite(number))
        fail(`${name} must be a finite number, got ${number}`);
      if ((number as number) < 0) fail(`${name} must not be negative, got ${number}`);
    };
    if (!Array.isArray(channels)) return fail("channels must be an array of channel names");
    if (channels.length === 0) fail("has no channels (a conversion without a touch cannot be attributed)");
    channels.forEach((channel: unknown, position) => {
      if (typeof channel !== "string") fail(`channel ${position} is not a string`);
      else if (channel.trim() === "") fail(`channel ${position} has an empty name`);
    });
    count("conversions", conversions);
    count("value", value);
    count("nulls", nulls);
    if (daysBefore !== undefined) {
      if (!Array.isArray(daysBefore)) return fail("daysBefore must be an array of numbers");
      if (daysBefore.length !== channels.length) {
        fail(`daysBefore has ${daysBefore.length} entries but channels has ${channels.length}`);
      }
      daysBefore.forEach((days: unknown, position) => count(`daysBefore[${position}]`, days));
    }
  });
}

/** Throws unless halfLifeDays is a positive finite number and markovOrder, when given, is 1, 2 or 3. */
export function validateOptions(options: AttributionOptions): void {
  if (options === null || typeof options !== "object") throw new TypeError("attribution: options are required");
  const { halfLifeDays, markovOrder } = options;
  if (typeof halfLifeDays !== "number" || !Number.isFinite(halfLifeDays) || halfLifeDays <= 0) {
    throw new RangeError(`attribution: halfLifeDays must be a positive finite number, got ${halfLifeDays}`);
  }
  validateOrder(markovOrder);
}

export function validateOrder(order: unknown): asserts order is 1 | 2 | 3 | undefined {
  if (order !== undefined && order !== 1 && order !== 2 && order !== 3) {
    throw new RangeError(`attribution: the Markov order must be 1, 2 or 3, got ${String(order)}`);
  }
}

/** "A > B > C" (ChannelAttribution's path format; spaces around > ignored, empty parts rejected) -> ["A","B","C"]. */
export function parsePath(path: string): string[] {
  if (typeof path !== "string") throw new TypeError(`parsePath: expected a string, got ${typeof path}`);
  const parts = path.split(">").map((part) => part.trim());
  parts.forEach((part, index) => {
    if (part === "") throw new RangeError(`parsePath: "${path}" has an empty channel at position ${index + 1}`);
  });
  return parts;
}

/** Code-unit order: the same on every machine and locale. */
export function compareChannels(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
