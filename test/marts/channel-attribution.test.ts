// Channel attribution on journeys written by hand: the web shop's orders (helpers/web-shop-company.ts) with marketing
// touches in the shapes tracking exports have (a visitor named as a customer on some touches only, an ad network
// that sells nothing, touches after the first purchase and before the lookback window, repeated touches on one
// channel, people who never buy), and two paths files in the ChannelAttribution format loaded by the real file loader
// (one with periods, one without, one broken line). Every expected figure is worked out in the comments from the rows.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { touchPathsStream } from "../../pipelines/orchestrate/connect-sources.js";
import { loadFileStream } from "../../pipelines/load/file-loader.js";
import { buildWarehouse } from "../../pipelines/transform/build-warehouse.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import type { FileLoadResult } from "../../pipelines/load/file-loader.js";
import { tempDir } from "../helpers/temp-dir.js";
import { createRawDatabase, queryFile, type RawRow } from "../transform/helpers/raw-database.js";
import { projectRoot } from "./helpers/build-fixture.js";
import { webShopCompany } from "./helpers/web-shop-company.js";

function touch(
  touch_id: string,
  visitor_id: string,
  customer_id: string | null,
  channel_id: string,
  touch_type: string,
  occurred_at: string,
): RawRow {
  return { touch_id, visitor_id, customer_id, channel_id, touch_type, occurred_at };
}

// First purchases in the web shop: C-1 W-1001 2024-01-05 10:12 on CH-WEB (77.00); C-2 W-1004 2024-02-03 13:30 on
// CH-WEB (239.80 + 12.88 - 119.90 = 132.78); C-3 T-3002 2024-03-02 11:11 on CH-TMALL (129.90 - 12.50 = 117.40).
// C-4 never orders. AD-DOUYIN is an ad network the shop buys views on: a touch channel, not a sales channel.
const TOUCHES: RawRow[] = [
  // C-1, first seen as an anonymous visitor: two Douyin ads (one step, at the later one, exactly 7 days before the
  // order), then a WeChat visit where they log in (1 day before): journey AD-DOUYIN > CH-WX > CH-WEB (the order)
  touch("T-01", "V-1", null, "AD-DOUYIN", "impression", "2023-12-20 20:00:00"),
  touch("T-02", "V-1", null, "AD-DOUYIN", "click", "2023-12-29 10:12:00"),
  touch("T-03", "V-1", "C-1", "CH-WX", "visit", "2024-01-04 10:12:00"),
  // more than 90 days before the order (the default lookback): not part of the journey
  touch("T-04", "V-1", null, "CH-TMALL", "impression", "2023-08-01 09:00:00"),
  // after the first purchase: no acquisition
  touch("T-05", "V-1", "C-1", "CH-TMALL", "click", "2024-02-01 12:00:00"),
  // C-2 visits the web shop the morning of the order: the same channel as the order, one step: journey CH-WEB
  touch("T-06", "V-2", "C-2", "CH-WEB", "visit", "2024-02-03 09:00:00"),
  // C-3: a Douyin ad, then the web shop, then buys on Tmall: AD-DOUYIN > CH-WEB > CH-TMALL
  touch("T-07", "V-3", null, "AD-DOUYIN", "click", "2024-02-20 08:00:00"),
  touch("T-08", "V-3", "C-3", "CH-WEB", "visit", "2024-02-25 08:00:00"),
  // C-4 has an account and never buys: a journey to nothing, AD-DOUYIN, in March
  touch("T-09", "V-4", "C-4", "AD-DOUYIN", "impression", "2024-03-10 12:00:00"),
  // an anonymous visitor who never buys: CH-WX > AD-DOUYIN, in March
  touch("T-10", "V-9", null, "CH-WX", "visit", "2024-03-01 12:00:00"),
  touch("T-11", "V-9", null, "AD-DOUYIN", "impression", "2024-03-03 12:00:00"),
];

interface Credit {
  journey_source: string;
  period: string;
  channel_id: string;
  model: string;
  attributed_conversions: number;
  attributed_revenue: number;
  removal_effect: number | null;
  conversion_probability: number | null;
}

const dir = tempDir("channel-attribution-");
const rawPath = join(dir, "raw.duckdb");
const warehousePath = join(dir, "warehouse.duckdb");
let loaded: FileLoadResult;
let credits: Credit[];

const credit = (source: string, period: string, model: string) =>
  Object.fromEntries(
    credits
      .filter((c) => c.journey_source === source && c.period === period && c.model === model)
      .map((c) => [c.channel_id, c.attributed_conversions]),
  );
const revenue = (source: string, period: string, model: string) =>
  Object.fromEntries(
    credits
      .filter((c) => c.journey_source === source && c.period === period && c.model === model)
      .map((c) => [c.channel_id, c.attributed_revenue]),
  );

/** Numbers of a record rounded to 9 decimals (the engine solves linear systems in floating point). */
const rounded = (record: Record<string, number>) =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, Math.round(value * 1e9) / 1e9]));

beforeAll(async () => {
  const paths = join(dir, "paths");
  mkdirSync(paths);
  // The three paths of analyzecore (2016), as one period of a file with a period column.
  writeFileSync(
    join(paths, "2016-toy.csv"),
    [
      "period,path,total_conversions,total_conversion_value,total_null",
      "toy,C1 > C2 > C3,1,10,0",
      "toy,C1,0,0,1",
      "toy,C2 > C3,0,0,1",
      "",
    ].join("\n"),
  );
  // ChannelAttribution's own columns only (no period): one period, 'all'; spaces around > are optional; a line
  // whose conversions are no number is quarantined with its file and line.
  writeFileSync(
    join(paths, "export.csv"),
    [
      "path,total_conversions,total_conversion_value,total_null",
      "A>B,2,50,1",
      "B,1,20,3",
      "A > B > C,lots,0,0",
      "",
    ].join("\n"),
  );
  const shop = webShopCompany();
  // A customer on the books since 2019, years before the data begins: their first purchase in the data (February) is
  // no acquisition, and the ad they saw before it is no one's journey.
  shop["crm.customers"]!.push({ ...shop["crm.customers"]![0]!, customer_id: "C-0", created_at: "2019-05-01 10:00:00" });
  shop["order_system.orders"]!.push({
    ...shop["order_system.orders"]![0]!,
    order_id: "W-0999",
    customer_id: "C-0",
    ordered_at: "2024-02-14 10:00:00",
    channel_id: "CH-WX",
  });
  shop["order_system.order_lines"]!.push({
    ...shop["order_system.order_lines"]![0]!,
    order_line_id: "L-99",
    order_id: "W-0999",
  });
  const touches = [...TOUCHES, touch("T-12", "V-0", "C-0", "AD-DOUYIN", "click", "2024-02-10 10:00:00")];
  await createRawDatabase(rawPath, { ...shop, "crm.touches": touches });
  loaded = await withDatabase(rawPath, (connection) => loadFileStream(connection, "run-1", touchPathsStream(paths)));
  await buildWarehouse({ projectRoot, rawPath, buildPath: warehousePath, runId: "attribution-run" });
  credits = await queryFile<Credit>(
    warehousePath,
    `select journey_source, period, channel_id, model, attributed_conversions, attributed_revenue::double as attributed_revenue,
            removal_effect, conversion_probability
     from marts.channel_attribution_monthly`,
  );
}, 180_000);

describe("journeys from touches", () => {
  it("stitch a visitor to the customer it became, keep the lookback window, end on the order's channel", async () => {
    const journeys = await queryFile<{ period: string; channels: string[]; conversions: number; value: number }>(
      warehousePath,
      `select period, channels, conversions, conversion_value::double as value
       from intermediate.int_attribution_journeys where journey_source = 'touches' order by period, conversions desc, channels`,
    );
    expect(journeys).toEqual([
      { period: "2024-01", channels: ["AD-DOUYIN", "CH-WX", "CH-WEB"], conversions: 1, value: 77 },
      { period: "2024-02", channels: ["CH-WEB"], conversions: 1, value: 132.78 },
      { period: "2024-03", channels: ["AD-DOUYIN", "CH-WEB", "CH-TMALL"], conversions: 1, value: 117.4 },
      { period: "2024-03", channels: ["AD-DOUYIN"], conversions: 0, value: 0 },
      { period: "2024-03", channels: ["CH-WX", "AD-DOUYIN"], conversions: 0, value: 0 },
    ]);
  });

  it("credit January's one journey under each model as defined", () => {
    expect(credit("touches", "2024-01", "first_touch")).toEqual({ "AD-DOUYIN": 1 });
    expect(credit("touches", "2024-01", "last_touch")).toEqual({ "CH-WEB": 1 });
    expect(rounded(credit("touches", "2024-01", "linear"))).toEqual(
      rounded({ "AD-DOUYIN": 1 / 3, "CH-WX": 1 / 3, "CH-WEB": 1 / 3 }),
    );
    expect(rounded(credit("touches", "2024-01", "position_based"))).toEqual(
      rounded({ "AD-DOUYIN": 0.4, "CH-WX": 0.2, "CH-WEB": 0.4 }),
    );
    // half-life 7 days: the ad 7 days before weighs 1/2, the visit a day before 2^(-1/7), the order 1
    const weights = { "AD-DOUYIN": 0.5, "CH-WX": 2 ** (-1 / 7), "CH-WEB": 1 };
    const total = weights["AD-DOUYIN"] + weights["CH-WX"] + weights["CH-WEB"];
    expect(rounded(credit("touches", "2024-01", "time_decay"))).toEqual(
      rounded(Object.fromEntries(Object.entries(weights).map(([k, w]) => [k, w / total]))),
    );
    // one converting journey and nothing else: removing any of its channels loses it, so a third each
    expect(rounded(credit("touches", "2024-01", "markov"))).toEqual(
      rounded({ "AD-DOUYIN": 1 / 3, "CH-WX": 1 / 3, "CH-WEB": 1 / 3 }),
    );
    expect(rounded(revenue("touches", "2024-01", "linear"))).toEqual(
      rounded({ "AD-DOUYIN": 77 / 3, "CH-WX": 77 / 3, "CH-WEB": 77 / 3 }),
    );
  });

  it("solve March's chain exactly, people who did not buy included", () => {
    // start -> AD (C-3, C-4), start -> WX (V-9); AD -> WEB once, AD -> null twice; WX -> AD; WEB -> TMALL -> conversion.
    // P(conversion) = 2/3 * 1/3 + 1/3 * 1/3 = 1/3. Without AD, WEB or TMALL nothing converts (removal effect 1);
    // without WX only its third of the starts is lost: 1 - (2/9) / (1/3) = 1/3. Shares: 3/10 each, WX 1/10 - WX
    // never took part in the conversion, yet it brings people to AD, which does.
    expect(rounded(credit("touches", "2024-03", "markov"))).toEqual(
      rounded({ "AD-DOUYIN": 0.3, "CH-WEB": 0.3, "CH-TMALL": 0.3, "CH-WX": 0.1 }),
    );
    const march = credits.filter((c) => c.period === "2024-03" && c.model === "markov");
    for (const row of march) expect(row.conversion_probability).toBeCloseTo(1 / 3, 12);
    expect(march.find((c) => c.channel_id === "CH-WX")!.removal_effect).toBeCloseTo(1 / 3, 12);
    expect(credit("touches", "2024-03", "first_touch")).toEqual({ "AD-DOUYIN": 1 });
    expect(credit("touches", "2024-03", "last_touch")).toEqual({ "CH-TMALL": 1 });
  });

  it("add up, under every model and in every month, to the first purchases and their revenue", () => {
    const models = ["first_touch", "last_touch", "linear", "position_based", "time_decay", "markov"];
    const purchases = { "2024-01": 77, "2024-02": 132.78, "2024-03": 117.4 };
    for (const model of models) {
      for (const [period, value] of Object.entries(purchases)) {
        const rows = credits.filter((c) => c.journey_source === "touches" && c.period === period && c.model === model);
        expect(
          rows.reduce((sum, c) => sum + c.attributed_conversions, 0),
          `${model} ${period}`,
        ).toBeCloseTo(1, 9);
        expect(
          rows.reduce((sum, c) => sum + c.attributed_revenue, 0),
          `${model} ${period}`,
        ).toBeCloseTo(value, 6);
      }
    }
  });
});

describe("a paths file in the ChannelAttribution format", () => {
  it("loads every line or quarantines it with its file, line and reason", async () => {
    expect(loaded).toMatchObject({ read: 6, loaded: 5, rejected: 1 });
    const quarantined = await withDatabase(
      rawPath,
      (c) => queryRows<{ location: string; reason: string }>(c, "select location, reason from meta.quarantine"),
      { readOnly: true },
    );
    expect(quarantined).toEqual([
      { location: "export.csv line 4", reason: expect.stringMatching(/total_conversions: not a double/) },
    ]);
  });

  it("reproduces analyzecore's published Markov attribution exactly", () => {
    expect(rounded(credit("paths_file", "toy", "markov"))).toEqual(rounded({ C1: 0.2, C2: 0.4, C3: 0.4 }));
    const toy = credits.filter((c) => c.period === "toy" && c.model === "markov");
    expect(Object.fromEntries(toy.map((c) => [c.channel_id, Math.round(c.removal_effect! * 1e9) / 1e9]))).toEqual({
      C1: 0.5,
      C2: 1,
      C3: 1,
    });
    expect(toy[0]!.conversion_probability).toBeCloseTo(1 / 3, 12);
    expect(rounded(revenue("paths_file", "toy", "markov"))).toEqual(rounded({ C1: 2, C2: 4, C3: 4 }));
  });

  it("takes a file without periods as one period, 'all', and attributes it", () => {
    // A>B: 2 conversions (50), B: 1 conversion (20); the quarantined line is in no figure
    expect(credit("paths_file", "all", "first_touch")).toEqual({ A: 2, B: 1 });
    expect(credit("paths_file", "all", "last_touch")).toEqual({ B: 3 });
    expect(revenue("paths_file", "all", "last_touch")).toEqual({ B: 70 });
  });

  it("shows on the summary mart beside the CRM's journeys, never mixed with them", async () => {
    const summary = await queryFile<{ journey_source: string; channel_id: string; markov_conversions: number }>(
      warehousePath,
      "select journey_source, channel_id, markov_conversions from marts.channel_attribution order by all",
    );
    expect(summary.filter((r) => r.journey_source === "paths_file").map((r) => r.channel_id)).toEqual([
      "A",
      "B",
      "C1",
      "C2",
      "C3",
    ]);
    expect(summary.filter((r) => r.journey_source === "touches").map((r) => r.channel_id)).toEqual([
      "AD-DOUYIN",
      "CH-TMALL",
      "CH-WEB",
      "CH-WX",
    ]);
  });
});
