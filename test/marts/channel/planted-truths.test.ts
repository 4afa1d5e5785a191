// The channel marts against the demo company's manifest: every planted channel truth is found exactly (partner,
// region, channel, product, months, amounts), nothing unplanted is flagged, and the clean company has no finding at
// all. The demo warehouses are built once per test run by the real pipeline (test/support/demo-warehouse.ts).
import { beforeAll, describe, expect, it } from "vitest";
import type { DemoManifest } from "../../../pipelines/demo-company/index.js";
import { queryRows, withDatabase } from "../../../pipelines/shared/warehouse/duckdb.js";
import { type DemoWarehouse, demoWarehouse, readManifest } from "../../support/demo-warehouse.js";

interface Company {
  readonly warehouse: DemoWarehouse;
  readonly manifest: DemoManifest;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
}

async function company(variant: "planted" | "clean"): Promise<Company> {
  const warehouse = await demoWarehouse(variant);
  return {
    warehouse,
    manifest: readManifest(warehouse),
    query: (sql) => withDatabase(warehouse.warehousePath, (c) => queryRows(c, sql), { readOnly: true }),
  };
}

/** The findings of every channel truth mart, in a comparable shape. */
async function findings(c: Company) {
  return {
    crossTerritory: await c.query<{
      partner_id: string;
      region_id: string;
      channel_id: string;
      month: string;
      lines: number;
    }>(
      `select partner_id, region_id, channel_id, strftime(month, '%Y-%m') as month, lines
       from marts.cross_territory_sales order by month`,
    ),
    crossTerritoryLines: await c.query<{ partner_id: string; region_id: string; lines: number }>(
      `select partner_id, region_id, count(*) as lines from marts.cross_territory_sales_lines group by all`,
    ),
    negativeChannels: await c.query<{ channel_id: string; contribution: string; revenue: string }>(
      `select channel_id, contribution::varchar as contribution, revenue::varchar as revenue
       from marts.channel_economics where is_negative_contribution`,
    ),
    blindSpots: await c.query<{ region_id: string; customers: number; leads: number; online_orders: number }>(
      `select region_id, customers, leads_last_12_months as leads, online_orders_last_12_months as online_orders
       from marts.region_coverage where is_blind_spot`,
    ),
    blindSpotRegionsEver: await c.query<{ region_id: string }>(
      `select distinct region_id from marts.region_coverage_monthly where is_blind_spot`,
    ),
    belowFloor: await c.query<{
      sale_source: string;
      partner_id: string;
      product_id: string;
      sku: string;
      month: string;
      lines: number;
    }>(
      `select sale_source, partner_id, product_id, sku, strftime(month, '%Y-%m') as month, lines
       from marts.below_floor_price_sales`,
    ),
    partnersWithIncidents: await c.query<{
      partner_id: string;
      cross_territory_lines: number;
      below_floor_lines: number;
    }>(
      `select partner_id, cross_territory_lines, below_floor_lines from marts.partner_scorecard
       where has_conflict_incidents order by partner_id`,
    ),
  };
}

/** Contribution per channel from the mart, in CNY to the cent (as strings, to compare exactly). */
async function contributions(c: Company): Promise<Record<string, string>> {
  const rows = await c.query<{ channel_id: string; contribution: string }>(
    `select channel_id, contribution::varchar as contribution from marts.channel_economics`,
  );
  return Object.fromEntries(rows.map((r) => [r.channel_id, r.contribution]));
}

const cents = (amount: number) => amount.toFixed(2);

// both companies are built (once per test run) side by side
let companies: Promise<[Company, Company]>;
beforeAll(() => {
  companies = Promise.all([company("planted"), company("clean")]);
  return companies.then(() => undefined);
});

describe("the planted company", () => {
  let planted: Company;
  let found: Awaited<ReturnType<typeof findings>>;
  beforeAll(async () => {
    [planted] = await companies;
    found = await findings(planted);
  });

  it("finds the cross-territory selling exactly: partner, region, channel and months", () => {
    const truth = planted.manifest.planted_truths.truths.cross_territory_sales.expected as {
      partner_id: string;
      channel_id: string;
      region_id: string;
      months: string[];
      lines: number;
      lines_by_month: Record<string, number>;
    };
    expect(found.crossTerritory).toEqual(
      truth.months.map((month) => ({
        partner_id: truth.partner_id,
        region_id: truth.region_id,
        channel_id: truth.channel_id,
        month,
        lines: truth.lines_by_month[month],
      })),
    );
    // the evidence lines: all of them, and only them
    expect(found.crossTerritoryLines).toEqual([
      { partner_id: truth.partner_id, region_id: truth.region_id, lines: truth.lines },
    ]);
  });

  it("finds the one channel with negative contribution, to the cent of the manifest", () => {
    const truth = planted.manifest.planted_truths.truths.negative_contribution_channel.expected as {
      channel_id: string;
      contribution: number;
      revenue: number;
    };
    expect(found.negativeChannels).toEqual([
      { channel_id: truth.channel_id, contribution: cents(truth.contribution), revenue: cents(truth.revenue) },
    ]);
  });

  it("computes every channel's contribution exactly as the manifest's formula", async () => {
    const expected = Object.fromEntries(
      Object.entries(planted.manifest.channel_contribution.by_channel).map(([id, e]) => [id, cents(e.contribution)]),
    );
    expect(await contributions(planted)).toEqual(expected);
  });

  it("reconciles channel revenue to the manifest's control totals to the cent", async () => {
    const rows = await planted.query<{ channel_id: string; revenue: string }>(
      `select channel_id, sum(revenue)::varchar as revenue from marts.channel_performance_monthly group by all`,
    );
    const expected = Object.fromEntries(
      Object.entries(planted.manifest.control_totals.revenue.by_channel).map(([id, revenue]) => [id, cents(revenue)]),
    );
    expect(Object.fromEntries(rows.map((r) => [r.channel_id, r.revenue]))).toEqual(expected);
  });

  it("finds the region with demand and no outlet, with the manifest's demand counts, and no other", () => {
    const truth = planted.manifest.planted_truths.truths.demand_without_outlet.expected as {
      region_id: string;
      customers: number;
      leads: number;
      online_orders: number;
    };
    expect(found.blindSpots).toEqual([
      {
        region_id: truth.region_id,
        customers: truth.customers,
        leads: truth.leads,
        online_orders: truth.online_orders,
      },
    ]);
    expect(found.blindSpotRegionsEver).toEqual([{ region_id: truth.region_id }]);
  });

  it("finds the partner, product and month sold below the floor price, and nothing else", () => {
    const truth = planted.manifest.planted_truths.truths.below_price_floor.expected as {
      partner_id: string;
      product_id: string;
      sku: string;
      month: string;
      lines: number;
    };
    expect(found.belowFloor).toEqual([
      {
        sale_source: "sell_through",
        partner_id: truth.partner_id,
        product_id: truth.product_id,
        sku: truth.sku,
        month: truth.month,
        lines: truth.lines,
      },
    ]);
  });

  it("puts the conflict incidents on exactly the two partners that misbehaved", () => {
    const truths = planted.manifest.planted_truths.truths;
    const cross = truths.cross_territory_sales.expected as { partner_id: string; lines: number };
    const below = truths.below_price_floor.expected as { partner_id: string; lines: number };
    expect(found.partnersWithIncidents).toEqual(
      [
        { partner_id: cross.partner_id, cross_territory_lines: cross.lines, below_floor_lines: 0 },
        { partner_id: below.partner_id, cross_territory_lines: 0, below_floor_lines: below.lines },
      ].sort((a, b) => a.partner_id.localeCompare(b.partner_id)),
    );
  });
});

describe("the clean company", () => {
  let clean: Company;
  let found: Awaited<ReturnType<typeof findings>>;
  beforeAll(async () => {
    [, clean] = await companies;
    found = await findings(clean);
  });

  it("has nothing planted", () => {
    expect(clean.manifest.plants).toBe(false);
  });

  it("flags nothing: no cross-territory sale, loss-making channel, blind spot, below-floor sale or incident", () => {
    expect(found).toEqual({
      crossTerritory: [],
      crossTerritoryLines: [],
      negativeChannels: [],
      blindSpots: [],
      blindSpotRegionsEver: [],
      belowFloor: [],
      partnersWithIncidents: [],
    });
  });

  it("still computes every channel's contribution exactly as the manifest's formula", async () => {
    const expected = Object.fromEntries(
      Object.entries(clean.manifest.channel_contribution.by_channel).map(([id, e]) => [id, cents(e.contribution)]),
    );
    expect(await contributions(clean)).toEqual(expected);
  });
});
