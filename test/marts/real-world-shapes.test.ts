// A real web shop's export (helpers/web-shop-company.ts) through every model and every YAML test: it publishes, each
// way it differs from the demo company is a warning with its count, revenue reconciles to the shop's own lines to the
// cent, guests are in channel figures and in no customer mart, unknown costs leave margins unknown (never 100%), and
// a test of severity error still stops the publish. Every expected number is computed here from the fixture's rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelTestFailedError } from "../../pipelines/transform/build-warehouse.js";
import { discoverModels } from "../../pipelines/transform/model-files.js";
import { compileTests, describeWarnings, type TestOutcome } from "../../pipelines/transform/model-tests.js";
import { runnablePageQuery } from "../helpers/page-query.js";
import type { RawRow } from "../transform/helpers/raw-database.js";
import { buildFixture, projectRoot, type BuiltFixture } from "./helpers/build-fixture.js";
import {
  CHANNEL_REVENUE_BY_MART,
  cents,
  channelRevenueIn,
  shopBooks,
  webShopCompany,
  withTeaHouseDistributor,
  yuan,
} from "./helpers/web-shop-company.js";

let built: BuiltFixture;
const query = <T = Record<string, unknown>>(sql: string) => built.query<T>(sql);

beforeAll(async () => {
  built = await buildFixture("real-world-shapes", webShopCompany());
});

afterAll(() => built?.remove());

describe("a web shop's export publishes", () => {
  it("builds every model with no failing test of severity error", () => {
    expect(built.result.models.length).toBeGreaterThan(50);
    expect(built.result.testsRun).toBeGreaterThan(300);
  });

  it("reports each way the export differs as a warning with its count and sample keys", async () => {
    const books = shopBooks();
    const products = webShopCompany()["order_system.products"]!;
    const skuKeys = new Map<string, number>();
    for (const p of products)
      skuKeys.set(String(p["sku"]).toUpperCase(), (skuKeys.get(String(p["sku"]).toUpperCase()) ?? 0) + 1);
    const expected = {
      "core.orders :: direct orders without an end customer (guest checkouts)": books.guestOrderIds.length,
      "core.orders :: completed orders that are no purchase (fully cancelled, cancellation documents, free samples only)":
        [...books.orderNet.values()].filter((net) => net <= 0).length,
      "core.order_lines :: negative order lines (cancellations, returns, adjustments)": books.lines.filter(
        (l) => Number(l["quantity"]) < 0 || cents(l["line_amount"]) < 0,
      ).length,
      // no price list: no line has a list price
      "core.order_lines :: list_price not_null": books.lines.length,
      // no unit costs
      "core.order_lines :: unit_cost not_null": books.lines.length,
      "core.products :: unit_cost not_null": products.filter((p) => p["unit_cost"] === null).length,
      "core.products :: sku_key unique": [...skuKeys.values()].filter((n) => n > 1).length,
    };
    const warnings = Object.fromEntries(built.result.warnings.map((w) => [`${w.model} :: ${w.test}`, w.failingRows]));
    expect(warnings).toEqual(expected);
    for (const count of Object.values(expected)) expect(count).toBeGreaterThan(0);

    const byTest = (test: string) => built.result.warnings.find((w) => w.test === test)!;
    expect(byTest("sku_key unique").sampleKeys).toEqual(["AB12C"]);
    const guests = byTest("direct orders without an end customer (guest checkouts)");
    expect(guests.sampleKeys).toEqual([...books.guestOrderIds].sort().slice(0, 5));
    for (const w of built.result.warnings) {
      expect(w.severity).toBe("warn");
      expect(w.sampleKeys.length).toBe(Math.min(5, w.failingRows));
      expect(w.description.length).toBeGreaterThan(20);
    }

    // the run output: model, test, count, up to 5 sample keys and what it means
    const printed = describeWarnings(built.result.warnings);
    expect(printed).toContain(
      `warn core.orders — "direct orders without an end customer (guest checkouts)": ${books.guestOrderIds.length} failing row(s), e.g. ${guests.sampleKeys.join(", ")}`,
    );
    expect(printed).toContain(`warn core.products — "sku_key unique": 1 failing row(s), e.g. AB12C`);
    expect(printed.split("\n").filter((l) => l.startsWith("  warn "))).toHaveLength(Object.keys(expected).length);
  });

  it("stores every test's outcome in the published warehouse (ops.test_results), warnings with their sample keys", async () => {
    const rows = await query<{
      model: string;
      test: string;
      failing_rows: number;
      sample_keys: string[];
      description: string;
    }>(
      `select model, test, failing_rows, sample_keys, description from ops.test_results where status = 'warn' order by model, test`,
    );
    expect(rows.map((r) => `${r.model} :: ${r.test} = ${r.failing_rows}`).sort()).toEqual(
      built.result.warnings.map((w) => `${w.model} :: ${w.test} = ${w.failingRows}`).sort(),
    );
    const sku = rows.find((r) => r.test === "sku_key unique")!;
    expect(sku.sample_keys).toEqual(["AB12C"]);
    expect(sku.description).toMatch(/differ only by case/);
    const [counts] = await query<{ tests: number; errors: number; passed: number }>(
      `select count(*) as tests, count(*) filter (where status = 'error') as errors, count(*) filter (where status = 'pass') as passed
       from ops.test_results`,
    );
    expect(counts).toEqual({ tests: built.result.testsRun, errors: 0, passed: built.result.testsRun - rows.length });
  });

  it("publishes each warning's Chinese description from its YAML, and the Chinese data-quality page shows it", async () => {
    const rows = await query<{ model: string; test: string; description: string; description_zh: string | null }>(
      "select model, test, description, description_zh from marts.data_quality_warnings order by model, test",
    );
    expect(rows).toHaveLength(built.result.warnings.length);
    // as written beside the test in the model's YAML
    const written = new Map<string, string | null>();
    for (const model of await discoverModels(projectRoot))
      for (const test of compileTests(model)) written.set(`${model.id} :: ${test.name}`, test.descriptionZh);
    for (const row of rows) {
      expect(row.description_zh, `${row.model} :: ${row.test}`).toBe(written.get(`${row.model} :: ${row.test}`));
      expect(row.description_zh, `${row.model} :: ${row.test}`).toMatch(/\p{Script=Han}/u);
    }
    // the shop's products without a unit cost
    const noCost = rows.find((r) => r.model === "core.products" && r.test === "unit_cost not_null")!;
    expect(noCost.description).toMatch(/^Products without a unit cost/);
    expect(noCost.description_zh).toMatch(/^没有单位成本的产品：.*毛利/);

    // the page's own query, as the Chinese and the English page run it
    for (const [language, column] of [
      ["zh", "description_zh"],
      ["en", "description"],
    ] as const) {
      const shown = await query<{ model: string; test: string; description: string }>(
        runnablePageQuery("data-quality.md", "warnings", language),
      );
      expect(shown.map((r) => `${r.model} :: ${r.test} :: ${r.description}`).sort(), `the ${language} page`).toEqual(
        rows.map((r) => `${r.model} :: ${r.test} :: ${r[column]}`).sort(),
      );
    }
  });
});

describe("revenue reconciles to the shop's own lines to the cent", () => {
  it("per channel, in every channel mart: guests in, cancellations netted, cancelled orders out", async () => {
    const { revenueByChannel } = shopBooks();
    const expected = Object.fromEntries([...revenueByChannel].sort().map(([channel, total]) => [channel, yuan(total)]));
    for (const sql of [
      ...CHANNEL_REVENUE_BY_MART,
      // every line of this shop's channels is a guest's or a customer's: the guests' mart has them all too
      "select channel_id, sum(revenue) as revenue from marts.guest_revenue_monthly group by all",
    ]) {
      expect(await channelRevenueIn(query, sql), sql).toEqual(expected);
    }
  });

  it("counts purchases only: a fully cancelled order, a cancellation document and a samples-only order are no order", async () => {
    const { purchases, orderNet } = shopBooks();
    const expected: Record<string, number> = {};
    for (const o of purchases) expected[String(o["channel_id"])] = (expected[String(o["channel_id"])] ?? 0) + 1;
    const rows = await query<{ channel_id: string; orders: number }>(
      `select channel_id, sum(orders)::integer as orders from marts.channel_revenue_monthly group by all`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.channel_id, r.orders]))).toEqual(expected);
    const [notPurchases] = await query<{ ids: string[] }>(
      `select list(order_id order by order_id) as ids from core.orders where is_completed and not is_purchase`,
    );
    const netNothing = [...orderNet].filter(([, net]) => net <= 0).map(([id]) => id);
    expect(netNothing.length).toBeGreaterThanOrEqual(3);
    expect(notPurchases?.ids).toEqual(netNothing.sort());
  });

  it("keeps 4-decimal and zero unit prices as sent, and flags no line below a floor that does not exist", async () => {
    const lines = await query<{
      order_line_id: string;
      unit_price: string;
      is_zero_priced: boolean;
      has_price_list_entry: boolean;
    }>(
      `select order_line_id, unit_price::varchar as unit_price, is_zero_priced, has_price_list_entry
       from core.order_lines where order_line_id in ('L-02', 'L-03', 'L-10', 'L-13') order by order_line_id`,
    );
    expect(lines).toEqual([
      { order_line_id: "L-02", unit_price: "0.0000", is_zero_priced: true, has_price_list_entry: false },
      { order_line_id: "L-03", unit_price: "0.1288", is_zero_priced: false, has_price_list_entry: false },
      { order_line_id: "L-10", unit_price: "36.6667", is_zero_priced: false, has_price_list_entry: false },
      { order_line_id: "L-13", unit_price: "-12.5000", is_zero_priced: false, has_price_list_entry: false },
    ]);
    expect(await query("select * from marts.below_floor_price_sales_lines")).toEqual([]);
  });
});

describe("guest checkouts", () => {
  it("say how much revenue came from guests per channel and month", async () => {
    const { guestRevenueByChannelMonth } = shopBooks();
    const rows = await query<{ key: string; guest_revenue: string }>(
      `select channel_id || ' ' || strftime(month, '%Y-%m-%d') as key, guest_revenue::varchar as guest_revenue
       from marts.guest_revenue_monthly where guest_revenue <> 0 order by key`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.key, r.guest_revenue]))).toEqual(
      Object.fromEntries(
        [...guestRevenueByChannelMonth]
          .filter(([, v]) => v !== 0)
          .sort()
          .map(([k, v]) => [k, yuan(v)]),
      ),
    );
  });

  it("are in no customer mart: customer revenue is the named customers' own, net of their cancellations", async () => {
    const { customerRevenue, guestOrderIds, guestRevenue, revenueByChannel } = shopBooks();
    const numbered = await query<{ order_id: string }>(
      "select order_id from intermediate.int_customer_orders_numbered",
    );
    for (const { order_id } of numbered) expect(guestOrderIds).not.toContain(order_id);

    const profiles = await query<{ customer_id: string; lifetime_revenue: string }>(
      `select customer_id, lifetime_revenue::varchar as lifetime_revenue from marts.customer_360 where orders > 0 order by customer_id`,
    );
    expect(Object.fromEntries(profiles.map((p) => [p.customer_id, p.lifetime_revenue]))).toEqual(
      Object.fromEntries([...customerRevenue].sort().map(([c, v]) => [c, yuan(v)])),
    );
    const rfm = await query<{ customer_id: string; monetary: string }>(
      `select customer_id, monetary::varchar as monetary from marts.customer_rfm order by customer_id`,
    );
    expect(Object.fromEntries(rfm.map((r) => [r.customer_id, r.monetary]))).toEqual(
      Object.fromEntries([...customerRevenue].sort().map(([c, v]) => [c, yuan(v)])),
    );

    // the customer marts' revenue and the guests' add up to the channels' (no sell-in, no credit note before a purchase)
    const customerTotal = [...customerRevenue.values()].reduce((a, b) => a + b, 0);
    const channelTotal = [...revenueByChannel.values()].reduce((a, b) => a + b, 0);
    expect(customerTotal + guestRevenue).toBe(channelTotal);
    for (const sql of [
      "select sum(revenue) from marts.customer_kpis_monthly",
      "select sum(revenue) from marts.customer_cohort_retention",
      "select sum(lifetime_revenue) from marts.customer_360",
      "select sum(customer_revenue) from marts.guest_revenue_monthly",
    ]) {
      const [row] = await query<{ total: string }>(`select (${sql})::decimal(18, 2)::varchar as total`);
      expect(row?.total, sql).toBe(yuan(customerTotal));
    }
  });

  it("leave RFM frequency to purchases: a customer's cancellation document is no visit", async () => {
    const { purchases } = shopBooks();
    const expected: Record<string, number> = {};
    for (const o of purchases.filter((p) => p["customer_id"] !== null))
      expected[String(o["customer_id"])] = (expected[String(o["customer_id"])] ?? 0) + 1;
    const rows = await query<{ customer_id: string; frequency: number; orders: number }>(
      `select rfm.customer_id, rfm.frequency::integer as frequency, profile.orders::integer as orders
       from marts.customer_rfm as rfm inner join marts.customer_360 as profile using (customer_id)`,
    );
    for (const row of rows) {
      expect(row.frequency, row.customer_id).toBe(expected[row.customer_id]);
      expect(row.orders, row.customer_id).toBe(expected[row.customer_id]);
    }
    expect(rows).toHaveLength(Object.keys(expected).length);
  });
});

describe("unknown unit costs", () => {
  it("leave cost of goods, gross margin and contribution unknown (null) - never a 100% margin - and say how much revenue", async () => {
    const { revenueByChannel } = shopBooks();
    const economics = await query<Record<string, unknown>>(
      `select channel_id, cost_of_goods, gross_margin, gross_margin_rate, contribution, contribution_margin, roi,
              revenue_unknown_cost::varchar as revenue_unknown_cost, unknown_cost_revenue_share
       from marts.channel_economics order by channel_id`,
    );
    expect(economics).toEqual(
      [...revenueByChannel].sort().map(([channel, revenue]) => ({
        channel_id: channel,
        cost_of_goods: null,
        gross_margin: null,
        gross_margin_rate: null,
        contribution: null,
        contribution_margin: null,
        roi: null,
        revenue_unknown_cost: yuan(revenue),
        unknown_cost_revenue_share: 1,
      })),
    );
    for (const sql of [
      "select gross_margin from marts.channel_revenue_monthly",
      "select gross_margin_rate from marts.channel_performance_monthly where orders > 0",
      "select contribution from marts.channel_performance_monthly where orders > 0",
      "select gross_margin from marts.channel_summary_monthly where revenue <> 0",
      "select gross_margin from core.orders where line_count > 0",
      "select gross_margin from intermediate.int_customer_orders_numbered",
      "select lifetime_gross_margin from marts.customer_360 where orders > 0",
      "select gross_margin_last_12_months from marts.customer_value_tiers where orders_last_12_months > 0",
    ]) {
      const values = await query<{ value: unknown }>(`select * from (${sql}) as t(value)`);
      expect(values.length, sql).toBeGreaterThan(0);
      expect(new Set(values.map((v) => v.value)), sql).toEqual(new Set([null]));
    }
  });
});

describe("what still stops the publish", () => {
  it("a test of severity error: an order key delivered twice", async () => {
    const fixture = webShopCompany();
    const orders = fixture["order_system.orders"]!;
    orders.push({ ...orders.find((o) => o["order_id"] === "W-1002")! });
    const outcome = await buildFixture("real-world-duplicate", fixture).then(
      (b) => (b.remove(), undefined),
      (e: unknown) => e,
    );
    expect(outcome).toBeInstanceOf(ModelTestFailedError);
    const error = outcome as ModelTestFailedError;
    expect(error.failures.map((f: TestOutcome) => `${f.model} :: ${f.test}`)).toContain(
      "staging.stg_order_system__orders :: order_id unique",
    );
    for (const failure of error.failures) expect(failure.severity).toBe("error");
    // the warnings are still counted, so a reader sees them with the failure
    expect(error.warnings.length).toBeGreaterThan(0);
    expect(error.message).toMatch(/and \d+ test\(s\) warned/);
  });
});

describe("SKUs that differ only by case", () => {
  it("keeps both products and matches partner sales by exact spelling, leaving a third spelling unresolved", async () => {
    const fixture = withTeaHouseDistributor(webShopCompany());
    const sale = (sale_id: string, sku: string) => ({
      partner_id: "PA-1",
      sale_id,
      sale_date: "2024-03-10",
      sku,
      quantity: 1,
      unit_price: "45.00",
      amount: "45.00",
      ship_to_region_id: "R-SH",
      customer_id: null,
    });
    fixture["partner_files.sell_through"] = [
      sale("S-1", "ab12c"),
      sale("S-2", " AB12C "),
      sale("S-3", "Ab12C"),
      sale("S-4", "lj-loose-g"),
    ];
    const variant = await buildFixture("real-world-skus", fixture);
    try {
      const rows = await variant.query(
        `select sale_id, product_id, is_sku_resolved from core.sell_through order by sale_id`,
      );
      expect(rows).toEqual([
        { sale_id: "S-1", product_id: "P-1", is_sku_resolved: true },
        { sale_id: "S-2", product_id: "P-2", is_sku_resolved: true },
        // neither spelling: never guessed
        { sale_id: "S-3", product_id: null, is_sku_resolved: false },
        // one product has the sku in any case: matched
        { sale_id: "S-4", product_id: "P-3", is_sku_resolved: true },
      ]);
      expect(variant.result.warnings.map((w) => `${w.model} :: ${w.test}`)).toContain(
        "core.products :: sku_key unique",
      );
    } finally {
      variant.remove();
    }
  });
});

describe("prices to 4 decimals", () => {
  // The shop adds a price list and a per-gram product with a cost. Every floor here has 4 decimals and would round to
  // another judgement at 2: 0.1285 to 0.13 (0.1288 a gram would then be below it) and 0.0125 to 0.01 (0.0120 a gram
  // would then be above it).
  let priced: BuiltFixture;
  beforeAll(async () => {
    const fixture = webShopCompany();
    fixture["order_system.products"]!.push({
      product_id: "P-6",
      sku: "GREEN-G",
      product_name: "Green tea, loose leaf (per gram)",
      category: "tea",
      unit_cost: "0.0075",
      launched_on: "2023-06-01",
    });
    const price = (product_id: string, list_price: string, partner_price: string, floor_price: string): RawRow => ({
      product_id,
      valid_from: "2024-01-01",
      valid_to: null,
      list_price,
      partner_price,
      floor_price,
    });
    fixture["order_system.price_list"] = [
      price("P-3", "0.1350", "0.1000", "0.1285"),
      price("P-6", "0.0150", "0.0100", "0.0125"),
    ];
    // a guest order of the per-gram tea alone (its channel, region and month hold no line of unknown cost)
    fixture["order_system.orders"]!.push({
      order_id: "W-1006",
      ordered_at: "2024-03-29 09:15:00",
      channel_id: "CH-WEB",
      partner_id: null,
      customer_id: null,
      ship_to_region_id: "R-BJ",
      status: "completed",
      currency: "CNY",
    });
    const line = (order_line_id: string, quantity: number, unit_price: number, line_amount: string): RawRow => ({
      order_line_id,
      order_id: "W-1006",
      product_id: "P-6",
      quantity,
      unit_price,
      discount_amount: "0.00",
      line_amount,
    });
    fixture["order_system.order_lines"]!.push(
      // 400 g at 0.0120: below the floor of 0.0125 by 0.20
      line("L-20", 400, 0.012, "4.80"),
      // 400 g at 0.0130: above it
      line("L-21", 400, 0.013, "5.20"),
      // 333 g at the floor: 4.1625, charged 4.16 (to the cent), which is the amount at the floor
      line("L-22", 333, 0.0125, "4.16"),
    );
    priced = await buildFixture("real-world-prices", fixture);
  });
  afterAll(() => priced?.remove());

  it("keeps the price list's and the unit cost's 4 decimals", async () => {
    expect(
      await priced.query(
        `select product_id, list_price::varchar as list_price, partner_price::varchar as partner_price,
                floor_price::varchar as floor_price
         from core.price_list order by product_id`,
      ),
    ).toEqual([
      { product_id: "P-3", list_price: "0.1350", partner_price: "0.1000", floor_price: "0.1285" },
      { product_id: "P-6", list_price: "0.0150", partner_price: "0.0100", floor_price: "0.0125" },
    ]);
    expect(
      await priced.query(`select unit_cost::varchar as unit_cost from core.products where product_id = 'P-6'`),
    ).toEqual([{ unit_cost: "0.0075" }]);
  });

  it("judges each line against the floor as priced: below it by a fraction of a cent a gram is below, above it is not", async () => {
    // 0.1288 a gram (L-03, L-07) is above 0.1285; 0.1275 (L-15) is below it; L-17 is a cancellation (never flagged)
    const lines = await priced.query(
      `select sale_line_id, unit_price::varchar as unit_price, floor_price::varchar as floor_price,
              amount::varchar as amount, amount_at_floor::varchar as amount_at_floor,
              shortfall_amount::varchar as shortfall_amount
       from marts.below_floor_price_sales_lines order by sale_line_id`,
    );
    expect(lines).toEqual([
      {
        sale_line_id: "L-15",
        unit_price: "0.1275",
        floor_price: "0.1285",
        amount: "63.75",
        amount_at_floor: "64.25",
        shortfall_amount: "0.50",
      },
      {
        sale_line_id: "L-20",
        unit_price: "0.0120",
        floor_price: "0.0125",
        amount: "4.80",
        amount_at_floor: "5.00",
        shortfall_amount: "0.20",
      },
    ]);
    expect(
      await priced.query(
        `select channel_id, product_id, lines::integer as lines, shortfall_amount::varchar as shortfall_amount,
                floor_price::varchar as floor_price
         from marts.below_floor_price_sales order by channel_id`,
      ),
    ).toEqual([
      { channel_id: "CH-WEB", product_id: "P-6", lines: 1, shortfall_amount: "0.20", floor_price: "0.0125" },
      { channel_id: "CH-WX", product_id: "P-3", lines: 1, shortfall_amount: "0.50", floor_price: "0.1285" },
    ]);
  });

  it("rounds what is worked out from a 4-decimal cost to the cent: cost of goods and gross margin", async () => {
    expect(
      await priced.query(
        `select order_line_id, cost_of_goods::varchar as cost_of_goods, gross_margin::varchar as gross_margin,
                typeof(cost_of_goods) as type
         from core.order_lines where product_id = 'P-6' order by order_line_id`,
      ),
    ).toEqual([
      // 400 × 0.0075 = 3.00
      { order_line_id: "L-20", cost_of_goods: "3.00", gross_margin: "1.80", type: "DECIMAL(18,2)" },
      { order_line_id: "L-21", cost_of_goods: "3.00", gross_margin: "2.20", type: "DECIMAL(18,2)" },
      // 333 × 0.0075 = 2.4975: 2.50; 4.16 - 2.4975 = 1.6625: 1.66
      { order_line_id: "L-22", cost_of_goods: "2.50", gross_margin: "1.66", type: "DECIMAL(18,2)" },
    ]);
  });
});
