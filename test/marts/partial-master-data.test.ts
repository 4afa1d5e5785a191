// Partial master data: a web shop (helpers/web-shop-company.ts, with unit costs this time) whose product export lacks
// one product an order line names and whose CRM export lacks one customer an order names. Neither stops the publish:
// each is a warning with its count and the missing key, the lines stay in every channel figure to the cent, the
// line of the unknown product has an unknown margin (never 0 or 100%), and the unknown customer is a customer with
// partial master data in every customer mart - no crash, no invented figures. When most lines name unknown products
// the same test stops the publish. Every expected number is computed here from the fixture's rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelTestFailedError } from "../../pipelines/transform/build-warehouse.js";
import { describeWarnings, type TestOutcome } from "../../pipelines/transform/model-tests.js";
import type { RawFixture, RawRow } from "../transform/helpers/raw-database.js";
import { buildFixture, type BuiltFixture } from "./helpers/build-fixture.js";
import {
  CHANNEL_REVENUE_BY_MART,
  cents,
  channelRevenueIn,
  shopBooks,
  webShopCompany,
  withTeaHouseDistributor,
  yuan,
} from "./helpers/web-shop-company.js";

const PRODUCT_TEST = "product_id relationships core.products.product_id";
const CUSTOMER_TEST = "customer_id relationships core.customers.customer_id";

/** The web shop with a cost for every product, a busy year of routine orders, and the two gaps in its master data. */
function shopWithGaps(): RawFixture {
  const fixture = webShopCompany();
  const costs: Record<string, string> = { "P-1": "21.00", "P-2": "70.00", "P-3": "0.0600", "P-4": "0.00" };
  for (const product of fixture["order_system.products"]!)
    product["unit_cost"] = costs[String(product["product_id"])] ?? "6.00";
  const orders = fixture["order_system.orders"]!;
  const lines = fixture["order_system.order_lines"]!;
  // a busy shop: a regular order every day from the account customers (one line each), so that one bad
  // reference is well under 1% of the orders and lines
  const customers = ["C-1", "C-2", "C-3", "C-4"];
  const regionOf: Record<string, string> = { "C-1": "R-SH", "C-2": "R-GD", "C-3": "R-BJ", "C-4": "R-SH" };
  for (let n = 0; n < 300; n++) {
    const customer = customers[n % customers.length]!;
    const day = new Date(Date.UTC(2024, 3, 1) + n * 86_400_000).toISOString().slice(0, 10);
    const orderId = `R-${5000 + n}`;
    orders.push({
      order_id: orderId,
      ordered_at: `${day} 10:00:00`,
      channel_id: n % 3 === 0 ? "CH-TMALL" : "CH-WEB",
      partner_id: null,
      customer_id: customer,
      ship_to_region_id: regionOf[customer]!,
      status: "completed",
      currency: "CNY",
    });
    lines.push({
      order_line_id: `RL-${5000 + n}`,
      order_id: orderId,
      product_id: n % 2 === 0 ? "P-1" : "P-2",
      quantity: 1,
      unit_price: n % 2 === 0 ? 38.5 : 129.9,
      discount_amount: "0.00",
      line_amount: n % 2 === 0 ? "38.50" : "129.90",
    });
  }
  // a tea the product export does not list (discontinued, dropped from the current export), on C-2's March order
  lines.push({
    order_line_id: "L-90",
    order_id: "W-1005",
    product_id: "P-OLD",
    quantity: 2,
    unit_price: 45,
    discount_amount: "5.00",
    line_amount: "85.00",
  });
  // an account the CRM export does not have (erased there), ordering twice on the mini shop, shipped to Beijing
  orders.push(
    {
      order_id: "X-4100",
      ordered_at: "2024-03-18 09:30:00",
      channel_id: "CH-WX",
      partner_id: null,
      customer_id: "C-GONE",
      ship_to_region_id: "R-BJ",
      status: "completed",
      currency: "CNY",
    },
    {
      order_id: "X-4101",
      ordered_at: "2024-05-02 19:45:00",
      channel_id: "CH-WX",
      partner_id: null,
      customer_id: "C-GONE",
      ship_to_region_id: "R-SH",
      status: "completed",
      currency: "CNY",
    },
  );
  lines.push(
    {
      order_line_id: "L-91",
      order_id: "X-4100",
      product_id: "P-3",
      quantity: 200,
      unit_price: 0.1275,
      discount_amount: "0.00",
      line_amount: "25.50",
    },
    {
      order_line_id: "L-92",
      order_id: "X-4100",
      product_id: "P-5",
      quantity: 1,
      unit_price: 0,
      discount_amount: "0.00",
      line_amount: "0.00",
    },
    {
      order_line_id: "L-93",
      order_id: "X-4101",
      product_id: "P-1",
      quantity: 3,
      unit_price: 38.5,
      discount_amount: "0.00",
      line_amount: "115.50",
    },
  );
  return fixture;
}

/** What every figure must come back to, from the fixture's own rows: the shop's books and its references' gaps. */
function books(fixture: RawFixture) {
  const { orders, lines, revenueByChannel } = shopBooks(fixture);
  const byId = new Map(orders.map((o) => [String(o["order_id"]), o]));
  const orderOf = (l: RawRow) => byId.get(String(l["order_id"]))!;
  const productIds = new Set(fixture["order_system.products"]!.map((p) => String(p["product_id"])));
  const customerIds = new Set(fixture["crm.customers"]!.map((c) => String(c["customer_id"])));
  const unknownCustomer = (o: RawRow) => o["customer_id"] !== null && !customerIds.has(String(o["customer_id"]));
  return {
    orders,
    lines,
    revenueByChannel,
    linesOfUnknownProducts: lines.filter((l) => !productIds.has(String(l["product_id"]))),
    ordersOfUnknownCustomers: orders.filter(unknownCustomer),
    linesOfUnknownCustomers: lines.filter((l) => unknownCustomer(orderOf(l))),
  };
}

let built: BuiltFixture;
const query = <T = Record<string, unknown>>(sql: string) => built.query<T>(sql);
const warning = (model: string, test: string) =>
  built.result.warnings.find((w) => w.model === model && w.test === test);

beforeAll(async () => {
  built = await buildFixture("partial-master-data", shopWithGaps());
});

afterAll(() => built?.remove());

describe("a product or customer missing from the master data", () => {
  it("publishes, with each gap a warning counting the rows it touches and naming the missing key", () => {
    const shop = books(shopWithGaps());
    expect(shop.linesOfUnknownProducts.map((l) => l["order_line_id"])).toEqual(["L-90"]);
    expect(shop.ordersOfUnknownCustomers.map((o) => o["order_id"])).toEqual(["X-4100", "X-4101"]);

    const expected = [
      ["core.order_lines", PRODUCT_TEST, shop.linesOfUnknownProducts.length, shop.lines.length, ["P-OLD"]],
      ["core.orders", CUSTOMER_TEST, shop.ordersOfUnknownCustomers.length, shop.orders.length, ["C-GONE"]],
      ["core.order_lines", CUSTOMER_TEST, shop.linesOfUnknownCustomers.length, shop.lines.length, ["C-GONE"]],
    ] as const;
    for (const [model, test, failing, rows, keys] of expected) {
      const found = warning(model, test);
      expect(found, `${model} ${test}`).toBeDefined();
      expect(found).toMatchObject({
        status: "warn",
        failingRows: failing,
        modelRows: rows,
        thresholds: "error_if >1%, warn_if >0",
        sampleKeys: keys,
      });
      // under the 1% that would stop the publish
      expect(failing / rows).toBeLessThanOrEqual(0.01);
      expect(found!.description).toMatch(/Above 1%/);
    }
    // the unknown product's line is also one of the lines without a unit cost
    expect(warning("core.order_lines", "unit_cost not_null")?.failingRows).toBe(1);

    // the run output names each with its count, share and key
    const printed = describeWarnings(built.result.warnings);
    expect(printed).toContain(
      `warn core.order_lines — "${PRODUCT_TEST}": 1 failing row(s) (${((100 * 1) / shop.lines.length).toFixed(1)}% of ${shop.lines.length}), e.g. P-OLD`,
    );
    expect(printed).toContain(
      `warn core.orders — "${CUSTOMER_TEST}": 2 failing row(s) (${((100 * 2) / shop.orders.length).toFixed(1)}% of ${shop.orders.length}), e.g. C-GONE`,
    );
  });

  it("shows the warnings on the data-quality table with their share, and no test failed", async () => {
    const shop = books(shopWithGaps());
    const rows = await query<{
      model: string;
      test: string;
      failing_rows: number;
      failing_share: number;
      sample_keys: string;
    }>(
      `select model, test, failing_rows, failing_share, sample_keys from marts.data_quality_warnings
       where test in ('${PRODUCT_TEST}', '${CUSTOMER_TEST}') order by model, test`,
    );
    expect(rows).toEqual([
      {
        model: "core.order_lines",
        test: CUSTOMER_TEST,
        failing_rows: shop.linesOfUnknownCustomers.length,
        failing_share: Math.round((shop.linesOfUnknownCustomers.length / shop.lines.length) * 10_000) / 10_000,
        sample_keys: "C-GONE",
      },
      {
        model: "core.order_lines",
        test: PRODUCT_TEST,
        failing_rows: 1,
        failing_share: Math.round((1 / shop.lines.length) * 10_000) / 10_000,
        sample_keys: "P-OLD",
      },
      {
        model: "core.orders",
        test: CUSTOMER_TEST,
        failing_rows: 2,
        failing_share: Math.round((2 / shop.orders.length) * 10_000) / 10_000,
        sample_keys: "C-GONE",
      },
    ]);
    const [errors] = await query<{ n: number }>(
      `select count(*)::integer as n from ops.test_results where status = 'error'`,
    );
    expect(errors?.n).toBe(0);
  });

  it("keeps their lines in every channel figure, to the cent", async () => {
    const { revenueByChannel } = books(shopWithGaps());
    const expected = Object.fromEntries([...revenueByChannel].sort().map(([channel, total]) => [channel, yuan(total)]));
    for (const sql of CHANNEL_REVENUE_BY_MART) expect(await channelRevenueIn(query, sql), sql).toEqual(expected);
    const [total] = await query<{ marts: string; core: string }>(
      `select (select sum(revenue) from marts.channel_revenue_monthly)::varchar as marts,
              (select sum(line_amount) from core.order_lines where is_completed)::varchar as core`,
    );
    expect(total?.marts).toBe(total?.core);
  });

  it("leaves the margin of the unknown product's line unknown - never 0 or 100% - and of every total holding it", async () => {
    const [line] = await query(
      `select unit_cost, cost_of_goods, gross_margin, is_cost_known, line_amount::varchar as line_amount
       from core.order_lines where order_line_id = 'L-90'`,
    );
    expect(line).toEqual({
      unit_cost: null,
      cost_of_goods: null,
      gross_margin: null,
      is_cost_known: false,
      line_amount: "85.00",
    });
    // its cell (web shop, Guangdong, March 2024), its order and its customer: unknown, with the revenue concerned
    const [cell] = await query(
      `select gross_margin, revenue_unknown_cost::varchar as revenue_unknown_cost from marts.channel_revenue_monthly
       where channel_id = 'CH-WEB' and region_id = 'R-GD' and month = date '2024-03-01'`,
    );
    expect(cell).toEqual({ gross_margin: null, revenue_unknown_cost: "85.00" });
    const [order] = await query(`select gross_margin, is_cost_known from core.orders where order_id = 'W-1005'`);
    expect(order).toEqual({ gross_margin: null, is_cost_known: false });
    const [economics] = await query(
      `select gross_margin, gross_margin_rate, contribution, revenue_unknown_cost::varchar as revenue_unknown_cost
       from marts.channel_economics where channel_id = 'CH-WEB'`,
    );
    expect(economics).toEqual({
      gross_margin: null,
      gross_margin_rate: null,
      contribution: null,
      revenue_unknown_cost: "85.00",
    });
    const [profile] = await query(`select lifetime_gross_margin from marts.customer_360 where customer_id = 'C-2'`);
    expect(profile).toEqual({ lifetime_gross_margin: null });
    // every other line's cost is known: the other channels' margins are figures, not unknown
    const known = await query<{ channel_id: string; gross_margin: string | null }>(
      `select channel_id, gross_margin::varchar as gross_margin from marts.channel_economics
       where channel_id <> 'CH-WEB' order by channel_id`,
    );
    expect(known.map((r) => r.channel_id)).toEqual(["CH-TMALL", "CH-WX"]);
    for (const row of known) expect(row.gross_margin, row.channel_id).not.toBeNull();
  });

  it("keeps the unknown customer in every customer mart with partial master data, and invents nothing", async () => {
    const shop = books(shopWithGaps());
    const goneLines = shop.linesOfUnknownCustomers;
    const goneRevenue = goneLines.reduce((n, l) => n + cents(l["line_amount"]), 0);
    const [profile] = await query(
      `select is_in_crm, customer_type, region_id, created_date::varchar as created_date, industry, age_band,
              acquisition_channel_id, referred_by_customer_id, is_referred, orders,
              lifetime_revenue::varchar as lifetime_revenue, lifetime_gross_margin::varchar as lifetime_gross_margin,
              first_order_date::varchar as first_order_date, last_order_date::varchar as last_order_date,
              preferred_channel_id, data_completeness_score, is_contactable, interactions, tickets, surveys,
              average_satisfaction_score, last_nps_score, referred_customers, partner_purchases, returns
       from marts.customer_360 where customer_id = 'C-GONE'`,
    );
    expect(profile).toEqual({
      is_in_crm: false,
      // as a CRM record without a type; placed and dated by the first order
      customer_type: "consumer",
      region_id: "R-BJ",
      created_date: "2024-03-18",
      industry: null,
      age_band: null,
      acquisition_channel_id: null,
      referred_by_customer_id: null,
      is_referred: false,
      orders: 2,
      lifetime_revenue: yuan(goneRevenue),
      // P-3 at 0.06 a gram for 200 g, P-5 at 6.00, P-1 three at 21.00
      lifetime_gross_margin: yuan(goneRevenue - (1200 + 600 + 6300)),
      first_order_date: "2024-03-18",
      last_order_date: "2024-05-02",
      preferred_channel_id: "CH-WX",
      data_completeness_score: 0,
      is_contactable: false,
      interactions: 0,
      tickets: 0,
      surveys: 0,
      average_satisfaction_score: null,
      last_nps_score: null,
      referred_customers: 0,
      partner_purchases: 0,
      returns: 0,
    });
    // the CRM's customers are as they were, and every customer mart has the unknown one exactly once
    const [counts] = await query<{ profiles: number; crm: number }>(
      `select (select count(*) from marts.customer_360)::integer as profiles,
              (select count(*) from core.customers)::integer as crm`,
    );
    expect(counts).toEqual({ profiles: 5, crm: 4 });
    for (const mart of ["customer_rfm", "customer_value_tiers", "customer_churn"]) {
      const [row] = await query<{ n: number }>(
        `select count(*)::integer as n from marts.${mart} where customer_id = 'C-GONE'`,
      );
      expect(row?.n, mart).toBe(1);
    }
    const [rfm] = await query(
      `select frequency::integer as frequency, monetary::varchar as monetary from marts.customer_rfm
       where customer_id = 'C-GONE'`,
    );
    expect(rfm).toEqual({ frequency: 2, monetary: yuan(goneRevenue) });
    // customer revenue still adds up: every named customer's orders, the unknown one's included
    const [sums] = await query<{ profiles: string; orders: string }>(
      `select (select sum(lifetime_revenue) from marts.customer_360)::varchar as profiles,
              (select sum(order_amount) from intermediate.int_customer_orders_numbered)::varchar as orders`,
    );
    expect(sums?.profiles).toBe(sums?.orders);
    // a referral is recorded in the CRM only: the unknown customer is in no referral rate's count
    const [referrals] = await query<{ new_customers: number }>(
      `select sum(new_customers)::integer as new_customers from marts.customer_satisfaction_monthly
       where scope_type = 'company'`,
    );
    const crmCreatedInHistory = await query<{ n: number }>(
      `select count(*)::integer as n from core.customers
       where created_date >= (select min(month) from intermediate.int_calendar_months)`,
    );
    expect(referrals?.new_customers).toBe(crmCreatedInHistory[0]?.n);
  });
});

describe("when most lines name products the product export lacks", () => {
  it("the same test stops the publish: the product master is cut short, not partial", async () => {
    const fixture = shopWithGaps();
    // the export holds only the loose tea, the samples and the gift box: the jasmine tins of most lines are missing
    fixture["order_system.products"] = fixture["order_system.products"]!.filter((p) =>
      ["P-3", "P-4", "P-5"].includes(String(p["product_id"])),
    );
    const shop = books(fixture);
    expect(shop.linesOfUnknownProducts.length / shop.lines.length).toBeGreaterThan(0.5);
    const outcome = await buildFixture("partial-master-data-cut", fixture).then(
      (b) => (b.remove(), undefined),
      (e: unknown) => e,
    );
    expect(outcome).toBeInstanceOf(ModelTestFailedError);
    const error = outcome as ModelTestFailedError;
    const failure = error.failures.find((f: TestOutcome) => f.model === "core.order_lines" && f.test === PRODUCT_TEST);
    expect(failure).toMatchObject({
      status: "error",
      failingRows: shop.linesOfUnknownProducts.length,
      modelRows: shop.lines.length,
      sampleKeys: ["P-1", "P-2", "P-OLD"],
    });
    // the customer gap is still only a warning, reported beside the failure
    expect(error.warnings.map((w) => `${w.model} :: ${w.test}`)).toContain(`core.orders :: ${CUSTOMER_TEST}`);
    expect(error.message).toContain(`core.order_lines — test "${PRODUCT_TEST}"`);
  });

  it("and so does a customer export cut short: most orders naming customers it lacks", async () => {
    const fixture = shopWithGaps();
    fixture["crm.customers"] = fixture["crm.customers"]!.filter((c) => c["customer_id"] === "C-1");
    const shop = books(fixture);
    expect(shop.ordersOfUnknownCustomers.length / shop.orders.length).toBeGreaterThan(0.5);
    const outcome = await buildFixture("partial-master-data-crm-cut", fixture).then(
      (b) => (b.remove(), undefined),
      (e: unknown) => e,
    );
    expect(outcome).toBeInstanceOf(ModelTestFailedError);
    const failure = (outcome as ModelTestFailedError).failures.find(
      (f: TestOutcome) => f.model === "core.orders" && f.test === CUSTOMER_TEST,
    );
    expect(failure).toMatchObject({
      status: "error",
      failingRows: shop.ordersOfUnknownCustomers.length,
      modelRows: shop.orders.length,
    });
  });
});

/**
 * The shop with a partner and its resales, and a year of survey answers: one answer from a customer the CRM export
 * no longer has and no order names, and one resale of a SKU no product carries, shipped outside the partner's
 * territory.
 */
function shopWithCrmAndPartnerGaps(): RawFixture {
  const fixture = withTeaHouseDistributor(shopWithGaps());
  const sale = (n: number, sku: string, region: string) => ({
    partner_id: "PA-1",
    sale_id: `S-${n}`,
    sale_date: new Date(Date.UTC(2024, 0, 2) + n * 86_400_000).toISOString().slice(0, 10),
    sku,
    quantity: 1,
    unit_price: "45.00",
    amount: "45.00",
    ship_to_region_id: region,
    customer_id: null,
  });
  fixture["partner_files.sell_through"] = [
    ...Array.from({ length: 150 }, (_, n) => sale(n, "LJ-LOOSE-G", "R-SH")),
    // a SKU the partner typed that no product carries, delivered to Beijing: outside its territory
    sale(150, "LJ-LOOSE-100G", "R-BJ"),
  ];
  const answer = (n: number, customer_id: string, satisfaction_score: number, nps_score: number) => ({
    survey_id: `Q-${n}`,
    customer_id,
    answered_at: `${new Date(Date.UTC(2024, 0, 3) + n * 2 * 86_400_000).toISOString().slice(0, 10)} 12:00:00`,
    channel_id: "CH-WEB",
    satisfaction_score,
    nps_score,
  });
  fixture["crm.surveys"] = [
    ...Array.from({ length: 120 }, (_, n) => answer(n, ["C-1", "C-2", "C-3", "C-4"][n % 4]!, 4, 9)),
    // a detractor the CRM export no longer has (erased there) and no order names
    answer(120, "C-ERASED", 1, 2),
  ];
  return fixture;
}

describe("CRM records and partner resales naming what the master data lacks", () => {
  let variant: BuiltFixture;

  beforeAll(async () => {
    variant = await buildFixture("partial-master-data-crm", shopWithCrmAndPartnerGaps());
  });

  afterAll(() => variant?.remove());

  it("publish, each a warning with its count and key", () => {
    const found = (model: string, test: string) =>
      variant.result.warnings.find((w) => w.model === model && w.test === test);
    expect(found("core.surveys", CUSTOMER_TEST)).toMatchObject({
      status: "warn",
      failingRows: 1,
      modelRows: 121,
      sampleKeys: ["C-ERASED"],
    });
    // a partner's typing: a warning at any count
    expect(found("core.sell_through", "sell-through lines whose SKU names no product")).toMatchObject({
      severity: "warn",
      status: "warn",
      failingRows: 1,
      sampleKeys: ["PA-1 | S-150"],
    });
  });

  it("count the answer in the company's satisfaction, on no customer, and in no churn reason", async () => {
    const [company] = await variant.query<{ surveys: number; detractors: number }>(
      `select sum(surveys)::integer as surveys, sum(detractors)::integer as detractors
       from marts.customer_satisfaction_monthly where scope_type = 'company'`,
    );
    expect(company).toEqual({ surveys: 121, detractors: 1 });
    const nowhere = await variant.query(
      `select customer_id from marts.customer_360 where customer_id = 'C-ERASED'
       union all select customer_id from intermediate.int_customer_signals_unioned where customer_id = 'C-ERASED'`,
    );
    expect(nowhere).toEqual([]);
  });

  it("keep the resale with its product named as unknown, judged for territory but not for the floor", async () => {
    const [line] = await variant.query(
      `select product_id, is_sku_resolved, is_inside_territory, is_below_floor_price, sale_amount::varchar as amount
       from core.sell_through where sale_id = 'S-150'`,
    );
    expect(line).toEqual({
      product_id: null,
      is_sku_resolved: false,
      is_inside_territory: false,
      is_below_floor_price: null,
      amount: "45.00",
    });
    const evidence = await variant.query(
      `select sale_id, sku, product_name, region_id from marts.cross_territory_sales_lines order by sale_id`,
    );
    expect(evidence).toEqual([{ sale_id: "S-150", sku: "LJ-LOOSE-100G", product_name: null, region_id: "R-BJ" }]);
  });
});
