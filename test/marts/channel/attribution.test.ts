// Channel attribution on the demo company (marts.channel_attribution): the planted channel that opens many journeys
// and rarely takes the order is found as creating demand, and gains credit when it is shared along the journeys; the
// planted channel that takes orders others' touches prepared is found as closing demand, and loses credit. On the
// clean company neither has its planted role. Which channels are planted is read from the manifest, not written here.
import { beforeAll, describe, expect, it } from "vitest";
import { queryRows, withDatabase } from "../../../pipelines/shared/warehouse/duckdb.js";
import { demoWarehouse, readManifest, type DemoVariant } from "../../support/demo-warehouse.js";

interface ChannelRow {
  channel_id: string;
  demand_role: string;
  first_touch_conversions: number;
  last_touch_conversions: number;
  markov_conversions: number;
  linear_conversions: number;
  assisted_conversions: number;
  closed_conversions: number;
  cost_per_conversion_last_touch: number | null;
  cost_per_conversion_markov: number | null;
}

async function channels(variant: DemoVariant): Promise<Map<string, ChannelRow>> {
  const warehouse = await demoWarehouse(variant);
  const rows = await withDatabase(
    warehouse.warehousePath,
    (c) =>
      queryRows<ChannelRow>(
        c,
        `select channel_id, demand_role, first_touch_conversions, last_touch_conversions, markov_conversions,
                linear_conversions, assisted_conversions, closed_conversions,
                cost_per_conversion_last_touch::double as cost_per_conversion_last_touch,
                cost_per_conversion_markov::double as cost_per_conversion_markov
         from marts.channel_attribution where journey_source = 'touches'`,
      ),
    { readOnly: true },
  );
  return new Map(rows.map((row) => [row.channel_id, row]));
}

async function plantedChannels(): Promise<{ assisting: string; closing: string }> {
  const truths = readManifest(await demoWarehouse("planted")).planted_truths.truths as unknown as Record<
    string,
    { expected: { channel_id: string } }
  >;
  return {
    assisting: truths["assisting_channel"]!.expected.channel_id,
    closing: truths["closing_channel"]!.expected.channel_id,
  };
}

describe("attribution on the planted company", () => {
  let rows: Map<string, ChannelRow>;
  let planted: { assisting: string; closing: string };
  beforeAll(async () => {
    rows = await channels("planted");
    planted = await plantedChannels();
  });

  it("finds the assisting channel, and only it, as creating demand", () => {
    const creators = [...rows.values()].filter((row) => row.demand_role === "creates_demand").map((r) => r.channel_id);
    expect(creators).toEqual([planted.assisting]);
    const assisting = rows.get(planted.assisting)!;
    // it opens far more journeys than it closes, and sharing credit along the journeys raises it above last touch
    expect(assisting.first_touch_conversions).toBeGreaterThan(3 * assisting.last_touch_conversions);
    expect(assisting.markov_conversions).toBeGreaterThan(1.5 * assisting.last_touch_conversions);
    expect(assisting.assisted_conversions).toBeGreaterThan(5 * assisting.closed_conversions);
    // so a new customer costs it less than last touch says
    expect(assisting.cost_per_conversion_markov!).toBeLessThan(assisting.cost_per_conversion_last_touch!);
  });

  it("finds the closing channel, and only it, as closing demand, with less credit once it is shared", () => {
    const closers = [...rows.values()].filter((row) => row.demand_role === "closes_demand").map((r) => r.channel_id);
    expect(closers).toEqual([planted.closing]);
    const closing = rows.get(planted.closing)!;
    expect(closing.last_touch_conversions).toBeGreaterThan(3 * closing.first_touch_conversions);
    expect(closing.markov_conversions).toBeLessThan(closing.last_touch_conversions);
  });

  it("shares out the same new customers under every model", () => {
    const total = (key: keyof ChannelRow) => [...rows.values()].reduce((sum, row) => sum + Number(row[key]), 0);
    const lastTouch = total("last_touch_conversions");
    expect(lastTouch).toBeGreaterThan(500);
    for (const key of ["first_touch_conversions", "linear_conversions", "markov_conversions"] as const) {
      expect(total(key), key).toBeCloseTo(lastTouch, 6);
    }
  });
});

describe("attribution on the clean company", () => {
  it("gives neither planted channel its planted role", async () => {
    const rows = await channels("clean");
    const planted = await plantedChannels();
    expect(rows.size).toBeGreaterThan(5);
    expect(rows.get(planted.assisting)!.demand_role).not.toBe("creates_demand");
    expect(rows.get(planted.closing)!.demand_role).not.toBe("closes_demand");
  });
});
