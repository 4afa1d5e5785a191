/**
 * The planted truths are in the data exactly as the manifest says — the manifest's own rules,
 * evaluated in DuckDB on the generated rows, find those identifiers and nothing else — and a
 * clean company (plants: false) triggers none of the rules. Control totals and channel
 * contributions in the manifest equal what the rows add up to.
 */
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCompany } from "../../pipelines/demo-company/generator/company.js";
import { type DemoManifest, buildManifest } from "../../pipelines/demo-company/generator/manifest.js";
import { contributionSql, ruleSql, type TruthName } from "../../pipelines/demo-company/generator/planted-truths.js";
import { ASSISTING_CHANNEL_ID, CLOSING_CHANNEL_ID } from "../../pipelines/demo-company/generator/reference-data.js";
import { crmTables } from "../../pipelines/shared/contracts/crm.js";
import { orderSystemTables } from "../../pipelines/shared/contracts/order-system.js";
import { type TableSpec, duckdbTypeOf } from "../../pipelines/shared/contracts/column-spec.js";
import { tempDir } from "../helpers/temp-dir.js";
import { loadDemoIntoDuckDB, query } from "./helpers.js";

const root = tempDir("demo-truths-");

interface Company {
  manifest: DemoManifest;
  db: DuckDBConnection;
  close(): void;
}

async function company(name: string, plants: boolean, scale: number): Promise<Company> {
  const dir = join(root, name);
  const dirs = {
    orderSystemCsvDir: join(dir, "os"),
    crmDir: join(dir, "crm"),
    partnerDropsDir: join(dir, "drops"),
    scratchDir: dir,
  };
  const result = await generateCompany(
    { seed: 42, scale, plants },
    { orderSystemDir: dirs.orderSystemCsvDir, crmDir: dirs.crmDir, partnerDropsDir: dirs.partnerDropsDir },
  );
  const manifest = buildManifest(result);
  const { connection, close } = await loadDemoIntoDuckDB(dirs);
  return { manifest, db: connection, close };
}

const TRUTHS: TruthName[] = [
  "cross_territory_sales",
  "negative_contribution_channel",
  "demand_without_outlet",
  "high_value_customers_gone_quiet",
  "below_price_floor",
  "assisting_channel",
  "closing_channel",
];

const rule = (c: Company, name: TruthName) => query(c.db, c.manifest.planted_truths.truths[name].sql);

describe("planted truths", () => {
  let planted: Company;
  let clean: Company;

  beforeAll(async () => {
    // The default company as the product ships it, and a smaller clean one.
    planted = await company("planted", true, 1);
    clean = await company("clean", false, 0.5);
  });
  afterAll(() => {
    planted?.close();
    clean?.close();
  });

  it("a clean company triggers none of the rules", async () => {
    expect(clean.manifest.planted_truths.enabled).toBe(false);
    for (const name of TRUTHS) {
      expect(clean.manifest.planted_truths.truths[name].expected, name).toBeNull();
      expect(await rule(clean, name), name).toEqual([]);
    }
  });

  it("cross-territory selling (窜货): one partner, one region, the planted months and line count", async () => {
    const expected = planted.manifest.planted_truths.truths.cross_territory_sales.expected as {
      partner_id: string;
      region_id: string;
      months: string[];
      lines: number;
      lines_by_month: Record<string, number>;
    };
    const rows = await rule(planted, "cross_territory_sales");
    expect(rows).toEqual(
      expected.months.map((month) => ({
        partner_id: expected.partner_id,
        region_id: expected.region_id,
        month,
        lines: String(expected.lines_by_month[month]),
      })),
    );
    expect(rows.reduce((s, r) => s + Number(r.lines), 0)).toBe(expected.lines);
    expect(expected.months.length).toBe(3);
  });

  it("negative contribution: exactly the planted channel, with the manifest's contribution", async () => {
    const expected = planted.manifest.planted_truths.truths.negative_contribution_channel.expected as {
      channel_id: string;
      contribution: number;
    };
    const rows = await rule(planted, "negative_contribution_channel");
    expect(rows.map((r) => r.channel_id)).toEqual([expected.channel_id]);
    expect(Number(rows[0]!.contribution)).toBeCloseTo(expected.contribution, 0);
    expect(expected.contribution).toBeLessThan(0);
  });

  it("demand without an outlet: one region, with the manifest's demand counts", async () => {
    const expected = planted.manifest.planted_truths.truths.demand_without_outlet.expected as Record<string, unknown>;
    const rows = await rule(planted, "demand_without_outlet");
    expect(rows).toEqual([
      {
        region_id: expected.region_id,
        customers: String(expected.customers),
        leads: String(expected.leads),
        online_orders: String(expected.online_orders),
      },
    ]);
    expect(Number(expected.customers)).toBeGreaterThan(10);
    expect(Number(expected.leads)).toBeGreaterThan(5);
    expect(Number(expected.online_orders)).toBeGreaterThan(20);
  });

  it("high-value customers gone quiet: exactly the planted customers", async () => {
    const expected = planted.manifest.planted_truths.truths.high_value_customers_gone_quiet.expected as {
      customer_ids: string[];
      quiet_since: string;
    };
    const rows = await rule(planted, "high_value_customers_gone_quiet");
    expect(rows.map((r) => r.customer_id)).toEqual(expected.customer_ids);
    expect(expected.customer_ids.length).toBeGreaterThanOrEqual(10);
    expect(expected.customer_ids.length).toBeLessThanOrEqual(20);
    // They really were regulars, not one-off big tickets.
    for (const r of rows) expect(Number(r.orders)).toBeGreaterThanOrEqual(6);
  });

  it("below the price floor: one partner, one product, one month", async () => {
    const expected = planted.manifest.planted_truths.truths.below_price_floor.expected as Record<string, unknown>;
    const rows = await rule(planted, "below_price_floor");
    expect(rows).toEqual([
      {
        source: "sell_through",
        partner_id: expected.partner_id,
        product_id: expected.product_id,
        sku: expected.sku,
        month: expected.month,
        lines: String(expected.lines),
      },
    ]);
  });

  it("assisting channel (助攻渠道): Douyin short-video opens many journeys, hardly ever closes one", async () => {
    const expected = planted.manifest.planted_truths.truths.assisting_channel.expected as Record<
      string,
      number | string
    >;
    const rows = await rule(planted, "assisting_channel");
    expect(rows).toEqual([
      {
        channel_id: ASSISTING_CHANNEL_ID,
        journeys: String(expected.journeys),
        first_touches: String(expected.first_touches),
        last_touches: String(expected.last_touches),
        first_orders: String(expected.first_orders),
      },
    ]);
    expect(expected.channel_id).toBe(ASSISTING_CHANNEL_ID);
    // Planted with room to spare: 35-50% of journeys opened, ~1% closed, far more assists than first orders of its own.
    expect(Number(expected.first_touch_share)).toBeGreaterThan(0.35);
    expect(Number(expected.first_touch_share)).toBeLessThan(0.55);
    expect(Number(expected.last_touch_share)).toBeLessThan(0.025);
    expect(Number(expected.first_touches)).toBeGreaterThan(2.5 * Number(expected.first_orders));
  });

  it("closing channel (收割渠道): Tmall's first orders came after touches elsewhere; it seldom opens a journey", async () => {
    const expected = planted.manifest.planted_truths.truths.closing_channel.expected as Record<string, number | string>;
    const rows = await rule(planted, "closing_channel");
    expect(rows).toEqual([
      {
        channel_id: CLOSING_CHANNEL_ID,
        first_orders: String(expected.first_orders),
        after_other_channel: String(expected.after_other_channel),
      },
    ]);
    expect(Number(expected.after_other_channel_share)).toBeGreaterThan(0.93);
    expect(Number(expected.first_touch_share)).toBeLessThan(0.05);
    expect(Number(expected.last_touch_share)).toBeGreaterThan(0.2);
  });

  it("in the clean company no channel has a journey role: first and last touches share the same channel mix", async () => {
    const rows = await query(
      clean.db,
      `${clean.manifest.planted_truths.truths.assisting_channel.sql.split("\nmulti as")[0]!.replace(/,\s*$/, "")}
       , multi as (select * from journeys where touches >= 2)
       select channel_id,
         count(*) filter (where step = 1) / (select count(distinct customer_id) from multi) as first_share,
         count(*) filter (where step = touches) / (select count(distinct customer_id) from multi) as last_share
       from multi group by channel_id order by channel_id`,
    );
    expect(rows.length).toBeGreaterThan(5);
    for (const r of rows)
      expect(Math.abs(Number(r.first_share) - Number(r.last_share)), String(r.channel_id)).toBeLessThan(0.08);
  });

  it("control totals and row counts equal what the rows add up to", async () => {
    for (const c of [planted, clean]) {
      const m = c.manifest;
      for (const [table, count] of Object.entries(m.row_counts)) {
        if (table === "partner_drop_files") continue;
        const [row] = await query(c.db, `select count(*)::int as n from ${table}`);
        expect(row?.n, table).toBe(count);
      }
      const byChannel = await query(
        c.db,
        `select o.channel_id, sum(l.line_amount)::double as revenue from orders o join order_lines l using (order_id)
         where o.status = 'completed' group by 1 order by 1`,
      );
      expect(Object.fromEntries(byChannel.map((r) => [r.channel_id, r.revenue]))).toEqual(
        m.control_totals.revenue.by_channel,
      );
      const [total] = await query(
        c.db,
        `select sum(l.line_amount)::double as t from orders o join order_lines l using (order_id) where o.status = 'completed'`,
      );
      expect(total?.t).toBe(m.control_totals.revenue.total);
      const [st] = await query(
        c.db,
        `select sum(amount)::double as t, count(customer_id)::int as with_customer from sell_through`,
      );
      expect(st?.t).toBe(m.control_totals.sell_through.amount_total);
      expect(st?.with_customer).toBe(m.control_totals.sell_through.lines_with_customer);
      const [refunds] = await query(c.db, `select sum(refund_amount)::double as t from returns`);
      expect(refunds?.t).toBe(m.control_totals.refunds_total);
    }
  });

  it("channel contributions in the manifest match the stated formula; every channel but the planted one is clearly positive", async () => {
    for (const c of [planted, clean]) {
      const rows = await query(c.db, contributionSql(c.manifest.planted_truths.dates));
      for (const r of rows) {
        const expected = c.manifest.channel_contribution.by_channel[r.channel_id as string]!;
        expect(Number(r.revenue), String(r.channel_id)).toBeCloseTo(expected.revenue, 1);
        expect(Number(r.rebates), String(r.channel_id)).toBeCloseTo(expected.rebates, 0);
        expect(Number(r.marketing_spend), String(r.channel_id)).toBeCloseTo(expected.marketing_spend, 1);
        expect(Number(r.management_cost), String(r.channel_id)).toBeCloseTo(expected.management_cost, 1);
        expect(Math.abs(Number(r.contribution) - expected.contribution), String(r.channel_id)).toBeLessThan(1);
        const planted = c.manifest.plants && r.channel_id === "LIVE-KS";
        // Margins sit well away from zero, so a mart's rounding or treatment of returns cannot flip them.
        if (planted) expect(expected.contribution_margin!).toBeLessThan(-0.08);
        else expect(expected.contribution_margin!, String(r.channel_id)).toBeGreaterThan(0.08);
        // Even after deducting refunds the sign holds.
        const afterRefunds = expected.contribution - expected.refunds;
        expect(afterRefunds < 0, String(r.channel_id)).toBe(planted);
        // Gross margins 30-60%.
        expect(expected.gross_margin!).toBeGreaterThan(0.3);
        expect(expected.gross_margin!).toBeLessThan(0.62);
      }
    }
  });

  it("the economics are believable: partner price < floor < list, rebates 1-5%, fees and commissions in range, returns a few percent", async () => {
    const c = planted;
    const [prices] = await query(
      c.db,
      `select count(*) filter (where not (partner_price < floor_price and floor_price < list_price))::int as bad from price_list`,
    );
    expect(prices?.bad).toBe(0);
    const [rebates] = await query(c.db, `select min(rebate_rate) as lo, max(rebate_rate) as hi from rebate_policies`);
    expect(Number(rebates?.lo)).toBeGreaterThanOrEqual(0.01);
    expect(Number(rebates?.hi)).toBeLessThanOrEqual(0.05);
    const fees = await query(c.db, `select channel_type, platform_fee_rate, commission_rate from channels`);
    for (const f of fees) {
      if (
        ["ecommerce_platform", "social_commerce", "content_commerce", "live_streaming"].includes(String(f.channel_type))
      ) {
        expect(Number(f.platform_fee_rate)).toBeGreaterThanOrEqual(0.05);
        expect(Number(f.platform_fee_rate)).toBeLessThanOrEqual(0.15);
      }
      if (f.channel_type === "live_streaming") {
        expect(Number(f.commission_rate)).toBeGreaterThanOrEqual(0.15);
        expect(Number(f.commission_rate)).toBeLessThanOrEqual(0.3);
      }
    }
    const [ret] = await query(
      c.db,
      `select (select count(*) from returns)::double / (select count(*) from order_lines l join orders o using (order_id) where o.status = 'completed') as rate`,
    );
    expect(Number(ret?.rate)).toBeGreaterThan(0.01);
    expect(Number(ret?.rate)).toBeLessThan(0.06);
    // Seasonality: November beats the Chinese New Year month; emerging channels grow.
    const monthly = await query(
      c.db,
      `select strftime(ordered_at, '%Y-%m') as month, sum(line_amount)::double as revenue
       from orders o join order_lines l using (order_id) join channels ch using (channel_id)
       where status = 'completed' and ch.is_online group by 1 order by 1`,
    );
    const rev = Object.fromEntries(monthly.map((r) => [r.month, Number(r.revenue)]));
    expect(rev["2025-11"]!).toBeGreaterThan(1.4 * rev["2026-02"]!);
    const [growth] = await query(
      c.db,
      `select sum(line_amount) filter (where ordered_at >= '2026-05-01')::double / sum(line_amount) filter (where ordered_at < '2025-05-01' and ordered_at >= '2024-11-01')::double as g
       from orders o join order_lines l using (order_id) join channels ch using (channel_id)
       where status = 'completed' and ch.channel_type in ('live_streaming', 'content_commerce', 'community_group_buying')`,
    );
    expect(Number(growth?.g)).toBeGreaterThan(1.5);
  });
});

describe("planted journey truths on other seeds", () => {
  /** The journey rules on a company generated without partner drops, from orders, customers and touches alone. */
  async function journeyRules(seed: number, plants: boolean): Promise<Record<string, unknown[]>> {
    const dir = join(root, `journeys-${seed}-${plants}`);
    const result = await generateCompany(
      { seed, scale: 0.5, plants },
      { orderSystemDir: join(dir, "os"), crmDir: join(dir, "crm") },
    );
    const instance = await DuckDBInstance.create(":memory:");
    const db = await instance.connect();
    try {
      const columns = (spec: TableSpec) =>
        `{${spec.columns.map((c) => `'${c.name}': '${duckdbTypeOf[c.type]}'`).join(", ")}}`;
      const orders = orderSystemTables.find((t) => t.name === "orders")!;
      await db.run(
        `create table orders as select * from read_csv('${join(dir, "os", "orders.csv")}', header = true, auto_detect = false, columns = ${columns(orders)})`,
      );
      for (const spec of crmTables.filter((t) => t.name === "customers" || t.name === "touches")) {
        await db.run(
          `create table ${spec.name} as select * from read_json('${join(dir, "crm", `${spec.name}.ndjson`)}', format = 'newline_delimited', columns = ${columns(spec)})`,
        );
      }
      const out: Record<string, unknown[]> = {};
      for (const name of ["assisting_channel", "closing_channel"] as const) {
        out[name] = (await query(db, ruleSql(name, result.dates))).map((r) => r.channel_id);
      }
      return out;
    } finally {
      db.closeSync();
      instance.closeSync();
    }
  }

  it("finds exactly the two planted channels on every seed, and nothing without plants", async () => {
    for (const seed of [7, 9173, 6029]) {
      expect(await journeyRules(seed, true), `seed ${seed}`).toEqual({
        assisting_channel: [ASSISTING_CHANNEL_ID],
        closing_channel: [CLOSING_CHANNEL_ID],
      });
    }
    for (const seed of [7, 9173]) {
      expect(await journeyRules(seed, false), `seed ${seed}`).toEqual({ assisting_channel: [], closing_channel: [] });
    }
  });
});
