import { describe, expect, it } from "vitest";
import {
  attribute,
  markovAttribution,
  parsePath,
  type ChannelCredit,
  type Journey,
} from "../../../pipelines/transform/attribution/index.js";
import {
  buildChain,
  removalEffects,
  removalEffectsByFundamentalMatrix,
  removalEffectsByRemoval,
} from "../../../pipelines/transform/attribution/markov.js";
import { close, randomJourneys, referenceMarkov } from "./support.js";

const row = (path: string, conversions: number, nulls: number, value = conversions): Journey => ({
  channels: parsePath(path),
  conversions,
  nulls,
  value,
});

const creditOf = (credits: readonly ChannelCredit[], channel: string, model = "markov") =>
  credits.find((credit) => credit.channel === channel && credit.model === model);

describe("Markov attribution: published examples", () => {
  it("reproduces the analyzecore (2016) toy example exactly", () => {
    // Sergey Bryl', "Marketing Multi-Channel Attribution model with R (part 1: Markov chains concept)",
    // analyzecore.com, 2016-08-03: three journeys, one converting.
    const journeys = [row("C1 > C2 > C3", 1, 0), row("C1", 0, 1), row("C2 > C3", 0, 1)];
    const result = markovAttribution(journeys);
    close(result.conversionProbability, 1 / 3);
    close(result.removalEffects.get("C1"), 0.5);
    close(result.removalEffects.get("C2"), 1);
    close(result.removalEffects.get("C3"), 1);
    expect([...result.removalEffects.keys()]).toEqual(["C1", "C2", "C3"]);
    close(creditOf(result.credits, "C1")?.conversions, 0.2);
    close(creditOf(result.credits, "C2")?.conversions, 0.4);
    close(creditOf(result.credits, "C3")?.conversions, 0.4);
    // Value 1 on the one conversion: the value chain is the conversion chain.
    close(creditOf(result.credits, "C1")?.value, 0.2);
    expect(result.credits.every((credit) => credit.model === "markov")).toBe(true);
  });

  it("reproduces the worked example of ChannelAttribution's white paper (A = 2, B = 1)", () => {
    // Davide Altomare and David Loris, "ChannelAttribution: Markov model for online marketing attribution
    // problem" (first release 2015-09-01, current release 2020-07-07), section "First-order Markov Model":
    // website/static/pdf/ChannelAttributionWhitePaper.pdf in github.com/DavideAltomare/ChannelAttribution
    // (commit 88d4252). Three converting paths with self-loops; removal effects A 1, B 0.5; A = 3 × 1/1.5 = 2,
    // B = 3 × 0.5/1.5 = 1. First and last touch give everything to A, as the paper points out.
    const journeys = [row("A > B > A > B > B > A", 1, 0), row("A > B > B > A > A", 1, 0), row("A > A", 1, 0)];
    const { markov, credits } = attribute(journeys, { halfLifeDays: 7 });
    close(markov.conversionProbability, 1);
    close(markov.removalEffects.get("A"), 1);
    close(markov.removalEffects.get("B"), 0.5);
    close(creditOf(credits, "A")?.conversions, 2);
    close(creditOf(credits, "B")?.conversions, 1);
    close(creditOf(credits, "A", "first_touch")?.conversions, 3);
    close(creditOf(credits, "A", "last_touch")?.conversions, 3);
    expect(creditOf(credits, "B", "first_touch")).toBeUndefined();
    expect(creditOf(credits, "B", "last_touch")).toBeUndefined();
    // Linear counts every touch, repeats included: A 3/6 + 3/5 + 2/2 = 2.1, B 0.9.
    close(creditOf(credits, "A", "linear")?.conversions, 2.1);
    close(creditOf(credits, "B", "linear")?.conversions, 0.9);
  });
});

describe("Markov attribution: definition", () => {
  it("drops self-transitions itself: repeated touches give the chain of the collapsed journey", () => {
    const repeated = [row("A > A > B > B > B", 2, 1, 30), row("B > A > A", 1, 3, 5), row("C > C", 0, 2)];
    const collapsed = [row("A > B", 2, 1, 30), row("B > A", 1, 3, 5), row("C", 0, 2)];
    for (const order of [1, 2, 3] as const) {
      const a = markovAttribution(repeated, { order });
      const b = markovAttribution(collapsed, { order });
      expect(a).toEqual(b);
    }
  });

  it("credits a channel seen only in non-converting journeys when the chain passes through it to conversions", () => {
    // (start) → N ½ → A; (start) → A ½; A → (conversion) ½. P = ½; without N: ¼, so RE_N = ½; RE_A = 1.
    const result = markovAttribution([row("N > A", 0, 1), row("A", 1, 0, 12)]);
    close(result.conversionProbability, 0.5);
    close(result.removalEffects.get("N"), 0.5);
    close(result.removalEffects.get("A"), 1);
    close(creditOf(result.credits, "N")?.conversions, 1 / 3);
    close(creditOf(result.credits, "A")?.value, 8);
  });

  it("gives nothing to a channel whose journeys never go on to convert", () => {
    const result = markovAttribution([row("A > D", 0, 3), row("A > B", 2, 1), row("B > D", 0, 1)]);
    expect(result.removalEffects.get("D")).toBe(0);
    expect(result.valueRemovalEffects.get("D")).toBe(0);
    expect(creditOf(result.credits, "D")).toBeUndefined();
  });

  it("credits nothing, and says so, when nothing converted", () => {
    const result = markovAttribution([row("A > B", 0, 4), row("B", 0, 1)]);
    expect(result.conversionProbability).toBe(0);
    expect(result.credits).toEqual([]);
    expect([...result.removalEffects]).toEqual([
      ["A", 0],
      ["B", 0],
    ]);
    expect([...result.valueRemovalEffects.values()]).toEqual([0, 0]);
    expect(markovAttribution([]).credits).toEqual([]);
  });

  it("ignores journeys with neither conversions nor nulls", () => {
    const base = [row("A > B", 1, 1), row("B", 0, 2)];
    expect(markovAttribution([...base, row("Z > A", 0, 0)])).toEqual(markovAttribution(base));
  });

  it("shares value by the value removal effects: a conversion pays the mean value observed on its way in", () => {
    // Two channels ending journeys of different worth: value follows the ending channel.
    const split = markovAttribution([row("A", 1, 0, 100), row("B", 1, 0, 10)]);
    close(split.removalEffects.get("A"), 0.5);
    close(split.valueRemovalEffects.get("A"), 100 / 110);
    close(split.valueRemovalEffects.get("B"), 10 / 110);
    close(creditOf(split.credits, "A")?.conversions, 1);
    close(creditOf(split.credits, "A")?.value, 100);
    close(creditOf(split.credits, "B")?.value, 10);

    // At order 1 journeys ending in the same state pool their values (ChannelAttribution draws a conversion's value
    // from those observed on the transition it converts through): A and B are alike. Order 2 tells them apart.
    const journeys = [row("A > C", 1, 0, 100), row("B > C", 1, 0, 10)];
    const first = markovAttribution(journeys);
    close(first.valueRemovalEffects.get("A"), 0.5);
    close(first.valueRemovalEffects.get("C"), 1);
    close(creditOf(first.credits, "A")?.value, 27.5);
    close(creditOf(first.credits, "B")?.value, 27.5);
    close(creditOf(first.credits, "C")?.value, 55);
    const second = markovAttribution(journeys, { order: 2 });
    close(second.valueRemovalEffects.get("A"), 100 / 110);
    close(creditOf(second.credits, "A")?.value, 50);
    close(creditOf(second.credits, "B")?.value, 5);
    close(creditOf(second.credits, "C")?.value, 55);
    close(creditOf(second.credits, "A")?.conversions, 0.5); // conversions do not depend on value
  });
});

describe("Markov attribution: higher orders", () => {
  it("order 2 remembers where a journey came from (worked by hand)", () => {
    // A > C converts, B > C does not. Order 1: C is one state, so A and B look alike (RE ½ each, C 1).
    // Order 2: (A,C) always converts and (B,C) never, so RE_A = 1, RE_B = 0, RE_C = 1.
    const journeys = [row("A > C", 1, 0), row("B > C", 0, 1)];
    const first = markovAttribution(journeys, { order: 1 });
    close(first.conversionProbability, 0.5);
    close(first.removalEffects.get("A"), 0.5);
    close(first.removalEffects.get("B"), 0.5);
    close(creditOf(first.credits, "C")?.conversions, 0.5);
    const second = markovAttribution(journeys, { order: 2 });
    close(second.conversionProbability, 0.5);
    close(second.removalEffects.get("A"), 1);
    expect(second.removalEffects.get("B")).toBe(0);
    close(creditOf(second.credits, "A")?.conversions, 0.5);
    expect(creditOf(second.credits, "B")).toBeUndefined();
  });

  it("builds the states of the last k channels, the first ones being prefixes", () => {
    const chain = buildChain([row("A > B > C > A", 1, 0)], 2);
    const names = chain.stateChannels.map((channels) => channels.map((channel) => chain.channels[channel]).join(""));
    expect(names).toEqual(["", "A", "AB", "BC", "CA"]);
    expect([...chain.edges[0]!]).toEqual([[1, 1]]);
    expect(chain.conversions[4]).toBe(1);
  });

  it("at an order as long as every journey, the chain is the observed paths: P and RE are observed shares", () => {
    const journeys = randomJourneys(7, { journeys: 60, channels: 5, maxTouches: 3, rows: true });
    const result = markovAttribution(journeys, { order: 3 });
    let weight = 0;
    let conversions = 0;
    for (const journey of journeys) {
      weight += journey.conversions + journey.nulls;
      conversions += journey.conversions;
    }
    close(result.conversionProbability, conversions / weight, 1e-12);
    for (const [channel, effect] of result.removalEffects) {
      const containing = journeys
        .filter((journey) => journey.channels.includes(channel))
        .reduce((total, journey) => total + journey.conversions, 0);
      close(effect, containing / conversions, 1e-12);
    }
  });
});

describe("Markov attribution: agrees with the reference solver", () => {
  for (const [seed, order, rows] of [
    [1, 1, false],
    [2, 1, true],
    [3, 2, false],
    [4, 2, true],
    [5, 3, false],
    [6, 3, true],
  ] as const) {
    it(`seed ${seed}, order ${order}, ${rows ? "path rows" : "single journeys"}`, () => {
      const journeys = randomJourneys(seed, { journeys: 150, channels: 6, maxTouches: 6, rows });
      const result = markovAttribution(journeys, { order });
      const reference = referenceMarkov(journeys, order);
      close(result.conversionProbability, reference.conversionProbability);
      expect([...result.removalEffects.keys()].sort()).toEqual([...reference.removalEffects.keys()].sort());
      for (const [channel, effect] of reference.removalEffects) close(result.removalEffects.get(channel), effect);
      for (const [channel, effect] of reference.valueRemovalEffects) {
        close(result.valueRemovalEffects.get(channel), effect);
      }
      for (const effect of result.removalEffects.values()) expect(effect).toBeGreaterThanOrEqual(0);
      for (const effect of result.removalEffects.values()) expect(effect).toBeLessThanOrEqual(1);
    });
  }

  it("the order-1 shortcut (fundamental matrix) and re-solving without each channel agree", () => {
    for (const seed of [11, 12, 13]) {
      const chain = buildChain(randomJourneys(seed, { journeys: 400, channels: 12, maxTouches: 8, rows: true }), 1);
      const shortcut = removalEffectsByFundamentalMatrix(chain);
      const resolved = removalEffectsByRemoval(chain);
      close(shortcut.conversionProbability, resolved.conversionProbability, 1e-13);
      close(shortcut.expectedValue, resolved.expectedValue, 1e-13);
      shortcut.conversion.forEach((effect, channel) => close(effect, resolved.conversion[channel]!, 1e-12));
      shortcut.value.forEach((effect, channel) => close(effect, resolved.value[channel]!, 1e-12));
    }
  });

  it("fails with a clear error when the chain is too large to solve within the work cap", () => {
    const chain = buildChain(randomJourneys(21, { journeys: 300, channels: 8, maxTouches: 6 }), 3);
    expect(() => removalEffects(chain, 100)).toThrow(/order-3 chain of 8 channels has \d+ states.*use a lower order/);
  });
});
