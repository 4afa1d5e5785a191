import { describe, expect, it } from "vitest";
import {
  ATTRIBUTION_MODELS,
  attribute,
  heuristicCredits,
  markovAttribution,
  parsePath,
  touchShares,
  type AttributionModel,
  type ChannelCredit,
  type Journey,
} from "../../../pipelines/transform/attribution/index.js";
import { close, randomJourneys } from "./support.js";

const row = (path: string, conversions: number, nulls: number, value = conversions): Journey => ({
  channels: parsePath(path),
  conversions,
  nulls,
  value,
});

const creditOf = (credits: readonly ChannelCredit[], channel: string, model: AttributionModel) =>
  credits.find((credit) => credit.channel === channel && credit.model === model);

const totals = (credits: readonly ChannelCredit[], model: AttributionModel) =>
  credits
    .filter((credit) => credit.model === model)
    .reduce((sum, credit) => ({ conversions: sum.conversions + credit.conversions, value: sum.value + credit.value }), {
      conversions: 0,
      value: 0,
    });

describe("attribute: every model credits exactly what was observed", () => {
  const cases = [
    { seed: 101, order: 1, rows: false, days: false },
    { seed: 102, order: 1, rows: true, days: true },
    { seed: 103, order: 2, rows: true, days: false },
    { seed: 104, order: 3, rows: false, days: true },
    { seed: 105, order: 2, rows: false, days: true },
  ] as const;
  for (const { seed, order, rows, days } of cases) {
    it(`seed ${seed}: order ${order}, ${rows ? "path rows" : "single journeys"}${days ? ", with daysBefore" : ""}`, () => {
      const journeys = randomJourneys(seed, { journeys: 250, channels: 7, maxTouches: 7, rows, days, repeat: 0.25 });
      const observed = journeys.reduce(
        (sum, journey) => ({
          conversions: sum.conversions + journey.conversions,
          value: sum.value + (journey.conversions > 0 ? journey.value : 0),
        }),
        { conversions: 0, value: 0 },
      );
      expect(observed.conversions).toBeGreaterThan(0);
      const { credits, markov } = attribute(journeys, { halfLifeDays: 3.5, markovOrder: order });
      for (const model of ATTRIBUTION_MODELS) {
        const credited = totals(credits, model);
        close(credited.conversions, observed.conversions);
        close(credited.value, observed.value);
      }
      expect(credits.filter((credit) => credit.model === "markov")).toEqual(markov.credits);
      for (const credit of credits) {
        expect(credit.conversions).toBeGreaterThanOrEqual(0);
        expect(credit.value).toBeGreaterThanOrEqual(0);
        expect(credit.conversions > 0 || credit.value > 0).toBe(true);
      }
      // Every channel of a converting journey is credited by every model that gives a share to all touches.
      const converting = new Set(journeys.filter((journey) => journey.conversions > 0).flatMap((j) => j.channels));
      for (const model of ["linear", "position_based", "time_decay", "markov"] as const) {
        for (const channel of converting) expect(creditOf(credits, channel, model)?.conversions).toBeGreaterThan(0);
      }
      // Credits come model by model, channels in code-unit order.
      const models = credits.map((credit) => ATTRIBUTION_MODELS.indexOf(credit.model));
      expect(models).toEqual([...models].sort((a, b) => a - b));
      for (const model of ATTRIBUTION_MODELS) {
        const channels = credits.filter((credit) => credit.model === model).map((credit) => credit.channel);
        expect(channels).toEqual([...channels].sort());
      }
    });
  }

  it("gives a channel seen only in non-converting journeys no heuristic credit", () => {
    const journeys = [
      ...randomJourneys(106, { journeys: 80, channels: 5, maxTouches: 5 }),
      row("ch1 > Lurker > ch0", 0, 5),
    ];
    const credits = heuristicCredits(journeys, { halfLifeDays: 7 });
    expect(credits.filter((credit) => credit.channel === "Lurker")).toEqual([]);
  });

  it("gives a single-channel world's everything to its channel under every model", () => {
    const journeys = [row("Only", 3, 2, 90), row("Only > Only > Only", 1, 0, 15.5), row("Only", 0, 4)];
    const { credits, markov } = attribute(journeys, { halfLifeDays: 1, markovOrder: 2 });
    expect(credits.map((credit) => credit.model)).toEqual([...ATTRIBUTION_MODELS]);
    for (const credit of credits) {
      expect(credit.channel).toBe("Only");
      close(credit.conversions, 4);
      close(credit.value, 105.5);
    }
    close(markov.conversionProbability, 0.4);
    close(markov.removalEffects.get("Only"), 1);
  });

  it("ignores the value of a row without conversions, under every model", () => {
    const base = [row("A > B", 2, 1, 40), row("B", 1, 3, 10)];
    const withStray = [...base, { ...row("A", 0, 2), value: 99 }];
    const { credits } = attribute(withStray, { halfLifeDays: 7 });
    for (const model of ATTRIBUTION_MODELS) close(totals(credits, model).value, 50);
    expect(markovAttribution(withStray).valueRemovalEffects).toEqual(
      markovAttribution([...base, row("A", 0, 2)]).valueRemovalEffects,
    );
  });

  it("returns empty credits for no journeys", () => {
    expect(attribute([], { halfLifeDays: 7 })).toEqual({
      credits: [],
      markov: { conversionProbability: 0, removalEffects: new Map(), valueRemovalEffects: new Map(), credits: [] },
    });
  });
});

describe("heuristic models", () => {
  const shares = (path: string, model: AttributionModel) => {
    const credits = heuristicCredits([row(path, 10, 0, 1000)], { halfLifeDays: 7 });
    return parsePath(path).map((channel) => (creditOf(credits, channel, model)?.conversions ?? 0) / 10);
  };

  it("position-based: 100%; 50/50; 40/20/40; 40% first, 40% last, 20% shared by the middle", () => {
    expect(shares("A", "position_based")).toEqual([1]);
    expect(shares("A > B", "position_based")).toEqual([0.5, 0.5]);
    const three = shares("A > B > C", "position_based");
    [0.4, 0.2, 0.4].forEach((share, position) => close(three[position], share, 1e-12));
    const five = shares("A > B > C > D > E", "position_based");
    [0.4, 0.2 / 3, 0.2 / 3, 0.2 / 3, 0.4].forEach((share, position) => close(five[position], share, 1e-12));
    expect(touchShares("position_based", 4, 7)).toEqual([0.4, 0.1, 0.1, 0.4]);
  });

  it("first, last and linear touch", () => {
    expect(shares("A > B > C", "first_touch")).toEqual([1, 0, 0]);
    expect(shares("A > B > C", "last_touch")).toEqual([0, 0, 1]);
    const linear = shares("A > B > C > D", "linear");
    linear.forEach((share) => close(share, 0.25, 1e-12));
  });

  it("counts a channel touched twice twice", () => {
    const credits = heuristicCredits([row("A > B > A", 3, 0, 30)], { halfLifeDays: 7 });
    close(creditOf(credits, "A", "linear")?.conversions, 2);
    close(creditOf(credits, "A", "linear")?.value, 20);
    close(creditOf(credits, "A", "position_based")?.conversions, 2.4);
    close(creditOf(credits, "B", "position_based")?.value, 6);
    close(creditOf(credits, "A", "first_touch")?.conversions, 3);
    close(creditOf(credits, "A", "last_touch")?.conversions, 3);
  });

  it("time decay: a touch halfLifeDays earlier gets exactly half the weight", () => {
    for (const halfLife of [1, 7, 2.5, 30]) {
      const [earlier, later] = touchShares("time_decay", 2, halfLife, [halfLife + 4, 4]);
      close(earlier! / later!, 0.5, 1e-12);
      close(earlier! + later!, 1, 1e-12);
    }
    // Three half-lives apart: 1/8 of the weight.
    const [old, recent] = touchShares("time_decay", 2, 7, [21, 0]);
    close(old! / recent!, 1 / 8, 1e-12);
    // Without daysBefore the touches are a day apart, the last at 0: weights ¼, ½, 1 with a one-day half-life.
    const defaults = touchShares("time_decay", 3, 1);
    [0.25 / 1.75, 0.5 / 1.75, 1 / 1.75].forEach((share, position) => close(defaults[position], share, 1e-12));
    // Journeys thousands of half-lives old still split sensibly.
    const ancient = touchShares("time_decay", 2, 1, [5001, 5000]);
    close(ancient[0], 1 / 3, 1e-12);
  });

  it("time decay through heuristicCredits uses daysBefore and credits value with the same shares", () => {
    const journey: Journey = { channels: ["Old", "New"], daysBefore: [14, 0], conversions: 2, value: 50, nulls: 0 };
    const credits = heuristicCredits([journey], { halfLifeDays: 14 });
    close(creditOf(credits, "Old", "time_decay")?.conversions, 2 / 3);
    close(creditOf(credits, "New", "time_decay")?.value, 100 / 3);
  });

  it("ignores non-converting journeys", () => {
    const credits = heuristicCredits([row("A > B", 0, 10), row("B", 1, 0, 4)], { halfLifeDays: 7 });
    expect(credits.map((credit) => credit.channel)).toEqual(["B", "B", "B", "B", "B"]);
  });
});

describe("a channel that creates demand", () => {
  // X opens most converting journeys and never closes one; Y closes most of them.
  const journeys = [
    row("X > Y", 30, 10, 3000),
    row("X > Z > Y", 20, 10, 2500),
    row("Z > Y", 5, 25, 400),
    row("Y", 5, 45, 350),
    row("Z", 5, 15, 300),
  ];
  const { credits } = attribute(journeys, { halfLifeDays: 7 });

  it("first touch credits X, last touch credits Y", () => {
    close(creditOf(credits, "X", "first_touch")?.conversions, 50);
    close(creditOf(credits, "Y", "last_touch")?.conversions, 60);
    expect(creditOf(credits, "X", "last_touch")).toBeUndefined();
  });

  it("Markov gives X clearly more than last touch does, and Y less", () => {
    const x = creditOf(credits, "X", "markov")!;
    expect(x.conversions).toBeGreaterThan(0.2 * 65);
    expect(x.value).toBeGreaterThan(0.2 * 6550);
    expect(creditOf(credits, "Y", "markov")!.conversions).toBeLessThan(60);
    // By hand: from Y 60/150 convert, so x_Y = 0.4; x_Z = 60/80 · 0.4 + 5/80 = 0.3625;
    // x_X = 40/70 · 0.4 + 30/70 · 0.3625. X is entered only from (start) (70 of 170), so
    // RE_X = (70/170 · x_X) / P = 26.875/65 with P = 65/170; without Y only Z → (conversion) is left,
    // 80/170 · 5/80, so RE_Y = 60/65; without Z, 70/170 · 40/70 · 0.4 + 50/170 · 0.4 = 36/170, so RE_Z = 29/65.
    const sum = 26.875 + 60 + 29;
    close(x.conversions, (65 * 26.875) / sum);
    close(creditOf(credits, "Y", "markov")?.conversions, (65 * 60) / sum);
    close(creditOf(credits, "Z", "markov")?.conversions, (65 * 29) / sum);
  });
});

describe("input validation", () => {
  const good = row("A > B", 1, 0, 10);
  const cases: [string, Journey, RegExp][] = [
    ["negative conversions", { ...good, conversions: -1 }, /journey 1: conversions must not be negative/],
    ["negative nulls", { ...good, nulls: -2 }, /journey 1: nulls must not be negative/],
    ["negative value", { ...good, value: -5 }, /journey 1: value must not be negative/],
    ["NaN conversions", { ...good, conversions: NaN }, /journey 1: conversions must be a finite number/],
    ["infinite value", { ...good, value: Infinity }, /journey 1: value must be a finite number/],
    ["no channels", { ...good, channels: [] }, /journey 1: has no channels/],
    ["empty channel name", { ...good, channels: ["A", ""] }, /journey 1: channel 1 has an empty name/],
    ["blank channel name", { ...good, channels: ["  ", "B"] }, /journey 1: channel 0 has an empty name/],
    [
      "daysBefore of the wrong length",
      { ...good, daysBefore: [3] },
      /journey 1: daysBefore has 1 entries but channels has 2/,
    ],
    ["negative daysBefore", { ...good, daysBefore: [3, -1] }, /journey 1: daysBefore\[1\] must not be negative/],
    ["NaN daysBefore", { ...good, daysBefore: [NaN, 0] }, /journey 1: daysBefore\[0\] must be a finite number/],
  ];
  for (const [name, bad, message] of cases) {
    it(`rejects ${name}, naming the journey`, () => {
      const journeys = [good, bad];
      expect(() => attribute(journeys, { halfLifeDays: 7 })).toThrow(message);
      expect(() => heuristicCredits(journeys, { halfLifeDays: 7 })).toThrow(message);
      expect(() => markovAttribution(journeys)).toThrow(message);
    });
  }

  it("rejects a non-string channel and a journey that is not an object", () => {
    const numeric = { ...good, channels: ["A", 7] } as unknown as Journey;
    expect(() => markovAttribution([numeric])).toThrow(/journey 0: channel 1 is not a string/);
    expect(() => markovAttribution([good, null as unknown as Journey])).toThrow(/journey 1: is not an object/);
  });

  it("rejects bad options", () => {
    expect(() => attribute([good], { halfLifeDays: 0 })).toThrow(/halfLifeDays must be a positive finite number/);
    expect(() => heuristicCredits([good], { halfLifeDays: NaN })).toThrow(/halfLifeDays/);
    const order = 4 as unknown as 1;
    expect(() => attribute([good], { halfLifeDays: 7, markovOrder: order })).toThrow(/order must be 1, 2 or 3, got 4/);
    expect(() => markovAttribution([good], { order })).toThrow(/order must be 1, 2 or 3/);
  });
});

describe("parsePath", () => {
  it("splits ChannelAttribution paths, ignoring spaces around >", () => {
    expect(parsePath("A > B > C")).toEqual(["A", "B", "C"]);
    expect(parsePath(" Paid search>Email >  Direct ")).toEqual(["Paid search", "Email", "Direct"]);
    expect(parsePath("solo")).toEqual(["solo"]);
  });

  it("rejects empty parts", () => {
    expect(() => parsePath("A > > B")).toThrow(/"A > > B" has an empty channel at position 2/);
    expect(() => parsePath("A >")).toThrow(/empty channel at position 2/);
    expect(() => parsePath("")).toThrow(/empty channel at position 1/);
    expect(() => parsePath("  ")).toThrow(/empty channel/);
  });
});
