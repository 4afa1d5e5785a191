// Builds the real models over a tiny hand-written raw database and checks the marts against numbers worked out by
// hand (see helpers/tiny-company.ts), then breaks the data on purpose and checks the right YAML test stops the build.
import { SOURCE_TABLES } from "../../pipelines/shared/contracts/source-tables.js";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildWarehouse,
  DATA_QUALITY_WARNINGS,
  ModelTestFailedError,
  type BuildResult,
} from "../../pipelines/transform/build-warehouse.js";
import { discoverModels } from "../../pipelines/transform/model-files.js";
import type { TestOutcome } from "../../pipelines/transform/model-tests.js";
import { createRawDatabase, queryFile, type RawFixture } from "./helpers/raw-database.js";
import { tinyCompany } from "./helpers/tiny-company.js";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
const RUN_ID = "test-run-0001";

let workDir: string;
let buildPath: string;
let result: BuildResult;

/** Builds `fixture` into a fresh warehouse under workDir; `modelsDir` defaults to the project's models. */
async function build(
  name: string,
  fixture: RawFixture,
  modelsDir?: string,
): Promise<{ buildPath: string; result: BuildResult }> {
  const rawPath = join(workDir, `${name}.raw.duckdb`);
  const target = join(workDir, `${name}.warehouse.duckdb`);
  await createRawDatabase(rawPath, fixture);
  const built = await buildWarehouse({
    projectRoot,
    rawPath,
    buildPath: target,
    runId: RUN_ID,
    ...(modelsDir ? { modelsDir } : {}),
  });
  return { buildPath: target, result: built };
}

/** Builds a broken fixture and returns the failed tests, asserting the build stopped with a ModelTestFailedError. */
async function failedTests(
  name: string,
  fixture: RawFixture,
  modelsDir?: string,
): Promise<{ error: ModelTestFailedError; failures: readonly TestOutcome[] }> {
  const error = await build(name, fixture, modelsDir).then(
    () => undefined,
    (e: unknown) => e,
  );
  // anything else (a model that no longer runs, say) is rethrown as it is: it says more than "not an instance of"
  if (!(error instanceof ModelTestFailedError))
    throw error ?? new Error(`the ${name} build passed, but it should have failed`);
  return { error, failures: error.failures };
}

function expectFailure(
  found: { error: ModelTestFailedError; failures: readonly TestOutcome[] },
  model: string,
  test: string,
): void {
  expect(found.failures.map((f) => `${f.model} :: ${f.test}`)).toContain(`${model} :: ${test}`);
  // the message a person reads names both the model and the test
  expect(found.error.message).toContain(`${model} — test "${test}" (`);
  expect(found.error.message).toMatch(/\.yml\) failed/);
}

const query = <T = Record<string, unknown>>(sql: string) => queryFile<T>(buildPath, sql);

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "models-test-"));
  ({ buildPath, result } = await build("tiny", tinyCompany()));
});

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("the tiny company builds", () => {
  it("builds every model and runs every YAML test", async () => {
    const models = await discoverModels(projectRoot);
    expect(result.models.map((p) => p.model.id).sort()).toEqual(models.map((m) => m.id).sort());
    const tables = await query<{ id: string }>(
      `select table_schema || '.' || table_name as id from information_schema.tables
       where table_schema in ('staging', 'intermediate', 'core', 'marts', 'reporting')`,
    );
    // every table of the model schemas is a model, but the tests' own warnings, published after them
    expect(tables.map((t) => t.id).sort()).toEqual([...models.map((m) => m.id), DATA_QUALITY_WARNINGS].sort());
    // the models' macros (models/macros/) did their work while building: none is published
    expect(await query("select function_name from duckdb_functions() where not internal")).toEqual([]);
    expect(result.testsRun).toBeGreaterThan(300);
  });

  it("has a staging model per raw table and the core entities the design names", async () => {
    const ids = new Set((await discoverModels(projectRoot)).map((m) => m.id));
    for (const id of [
      "staging.stg_order_system__orders",
      "staging.stg_order_system__order_lines",
      "staging.stg_crm__customers",
      "staging.stg_partner_files__sell_through",
      "core.regions",
      "core.channels",
      "core.partners",
      "core.partner_territories",
      "core.products",
      "core.price_list",
      "core.rebate_policies",
      "core.customers",
      "core.orders",
      "core.order_lines",
      "core.returns",
      "core.interactions",
      "core.service_tickets",
      "core.surveys",
      "core.leads",
      "core.marketing_spend",
      "core.targets",
      "core.sell_through",
      "marts.channel_revenue_monthly",
      "marts.warehouse_status",
    ]) {
      expect(ids, id).toContain(id);
    }
    // one staging model per raw table the contracts define
    expect([...ids].filter((id) => id.startsWith("staging."))).toHaveLength(SOURCE_TABLES.length);
  });

  it("documents every model in a YAML beside it, with a description and a uniqueness test", async () => {
    for (const model of await discoverModels(projectRoot)) {
      expect(existsSync(join(projectRoot, model.file.replace(/\.(sql|ts)$/, ".yml"))), model.file).toBe(true);
      expect(model.spec.description?.trim(), model.file).toBeTruthy();
      const hasUnique =
        model.spec.tests.some((t) => "unique" in t) ||
        Object.values(model.spec.columns).some((c) => c.tests.includes("unique"));
      expect(hasUnique, `${model.file} tests its key for uniqueness`).toBe(true);
    }
  });
});

describe("marts.channel_revenue_monthly", () => {
  it("has exactly the columns and types the reports read", async () => {
    const columns = await query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns
       where table_schema = 'marts' and table_name = 'channel_revenue_monthly' order by ordinal_position`,
    );
    expect(columns.map((c) => `${c.column_name} ${c.data_type}`)).toEqual([
      "month DATE",
      "channel_id VARCHAR",
      "channel_name VARCHAR",
      "channel_type VARCHAR",
      "region_id VARCHAR",
      "region_name VARCHAR",
      "area VARCHAR",
      "orders BIGINT",
      "units BIGINT",
      "revenue DECIMAL(18,2)",
      "cost_of_goods DECIMAL(18,2)",
      "gross_margin DECIMAL(18,2)",
      "revenue_unknown_cost DECIMAL(18,2)",
    ]);
  });

  it("holds the hand-computed numbers of completed orders only", async () => {
    const rows = await query(
      `select strftime(month, '%Y-%m-%d') as month, channel_id, channel_name, channel_type, region_id, region_name, area,
              orders, units, revenue::varchar as revenue, cost_of_goods::varchar as cost_of_goods,
              gross_margin::varchar as gross_margin
       from marts.channel_revenue_monthly order by month, channel_id, region_id`,
    );
    expect(rows).toEqual([
      // O-4 (sell-in): 10 x PR-A at 70 + 20 x PR-B at 20; cost 10 x 40 + 20 x 15.50
      {
        month: "2024-02-01",
        channel_id: "CH-DIST",
        channel_name: "East Distributors",
        channel_type: "distributor",
        region_id: "R-E",
        region_name: "East China",
        area: "East",
        orders: 1,
        units: 30,
        revenue: "1100.00",
        cost_of_goods: "710.00",
        gross_margin: "390.00",
      },
      // O-1 (190 + 90) and O-2 (95); O-3 is cancelled; cost 3 x 40 + 3 x 15.50
      {
        month: "2024-02-01",
        channel_id: "CH-ECOM",
        channel_name: "Tmall Store",
        channel_type: "ecommerce_platform",
        region_id: "R-E",
        region_name: "East China",
        area: "East",
        orders: 2,
        units: 6,
        revenue: "375.00",
        cost_of_goods: "166.50",
        gross_margin: "208.50",
      },
      {
        month: "2024-03-01",
        channel_id: "CH-ECOM",
        channel_name: "Tmall Store",
        channel_type: "ecommerce_platform",
        region_id: "R-S",
        region_name: "South China",
        area: "South",
        orders: 1,
        units: 1,
        revenue: "110.00",
        cost_of_goods: "40.00",
        gross_margin: "70.00",
      },
      // O-6 at 23:30 on 31 March still belongs to March; 4 x 30 - 0.01 discount; cost 4 x 15.50
      {
        month: "2024-03-01",
        channel_id: "CH-KA",
        channel_name: "Key Accounts",
        channel_type: "direct_key_account",
        region_id: "R-N",
        region_name: "North China",
        area: "North",
        orders: 1,
        units: 4,
        revenue: "119.99",
        cost_of_goods: "62.00",
        gross_margin: "57.99",
      },
    ]);
  });

  it("reconciles with core to the cent", async () => {
    const [row] = await query<{ mart: string; core: string }>(
      `select (select sum(revenue) from marts.channel_revenue_monthly)::varchar as mart,
              (select sum(line_amount) from core.order_lines where is_completed)::varchar as core`,
    );
    expect(row).toEqual({ mart: "1704.99", core: "1704.99" });
  });
});

describe("marts.warehouse_status", () => {
  it("says how current the data is and which run built it", async () => {
    const rows = await query<{ as_of_date: string; run_id: string; refreshed_at: Date }>(
      `select strftime(as_of_date, '%Y-%m-%d') as as_of_date, run_id, refreshed_at from marts.warehouse_status`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.as_of_date).toBe("2024-03-31");
    expect(rows[0]?.run_id).toBe(RUN_ID);
    expect(rows[0]?.refreshed_at).toBeInstanceOf(Date);
    const types = await query<{ c: string }>(
      `select column_name || ' ' || data_type as c from information_schema.columns
       where table_schema = 'marts' and table_name = 'warehouse_status' order by ordinal_position`,
    );
    expect(types.map((t) => t.c)).toEqual(["as_of_date DATE", "refreshed_at TIMESTAMP", "run_id VARCHAR"]);
  });
});

describe("marts carry no personal data", () => {
  it("has no name, email, phone or address column, and no personal value, in any mart", async () => {
    const columns = await query<{ column_name: string; table_name: string }>(
      `select table_name, column_name from information_schema.columns where table_schema = 'marts'`,
    );
    const personalColumn = /(^|_)(name|email|phone|address)$/;
    const businessNames = new Set(["channel_name", "region_name", "region_name_zh", "partner_name", "product_name"]);
    const offending = columns
      .filter((c) => personalColumn.test(c.column_name) && !businessNames.has(c.column_name))
      .map((c) => `marts.${c.table_name}.${c.column_name}`);
    expect(offending).toEqual([]);
    const personal = [
      "Li Wei",
      "li.wei@example.com",
      "+86 138 0000 0001",
      "Zhang Min",
      "Wang Fang",
      "9 Chang'an Ave, Beijing",
    ];
    for (const table of new Set(columns.map((c) => c.table_name))) {
      const [row] = await query<{ text: string }>(
        `select string_agg(t::varchar, '|') as text from marts.${table} as t`,
      );
      for (const value of personal) expect(row?.text ?? "", `marts.${table}`).not.toContain(value);
    }
  });

  it("keeps personal data in core.customers, tidied", async () => {
    const rows = await query(
      `select customer_id, customer_name, email, is_referred from core.customers order by customer_id`,
    );
    expect(rows[0]).toEqual({
      customer_id: "C-1",
      customer_name: "Li Wei",
      email: "li.wei@example.com",
      is_referred: false,
    });
    expect(rows[1]).toMatchObject({ customer_id: "C-2", is_referred: true });
  });
});

describe("core", () => {
  it("keeps the latest load of a re-loaded row and tidies codes", async () => {
    const orders = await query(
      `select order_id, status, currency from core.orders where order_id in ('O-1', 'O-2') order by order_id`,
    );
    expect(orders).toEqual([
      { order_id: "O-1", status: "completed", currency: "CNY" },
      { order_id: "O-2", status: "completed", currency: "CNY" },
    ]);
    const [channel] = await query(
      `select channel_type, channel_group, is_partner_channel from core.channels where channel_id = 'CH-ECOM'`,
    );
    expect(channel).toEqual({
      channel_type: "ecommerce_platform",
      channel_group: "emerging",
      is_partner_channel: false,
    });
  });

  it("names each region's area for Chinese readers: the seven usual areas in Chinese, any other as recorded", async () => {
    expect(await query(`select region_id, region_name_zh, area, area_zh from core.regions order by region_id`)).toEqual(
      [
        { region_id: "R-E", region_name_zh: "华东", area: "East", area_zh: "East" },
        { region_id: "R-N", region_name_zh: "华北", area: "North", area_zh: "North" },
        { region_id: "R-S", region_name_zh: "华南", area: "South", area_zh: "South" },
        { region_id: "R-X", region_name_zh: "Nowhere", area: "Unassigned", area_zh: "未划分大区" },
        { region_id: "R-XJ", region_name_zh: "Xinjiang", area: "Northwest China", area_zh: "西北" },
      ],
    );
  });

  it("names each product for Chinese readers: its Chinese name where the source gives one, else its own", async () => {
    expect(await query(`select product_id, product_name, product_name_zh from core.products order by 1`)).toEqual([
      { product_id: "PR-A", product_name: "Tea Set", product_name_zh: "茶具套装" },
      { product_id: "PR-B", product_name: "Cup", product_name_zh: "Cup" },
    ]);
  });

  it("totals orders over their lines and flags sell-in and online", async () => {
    const rows = await query(
      `select order_id, line_count, units, order_amount::varchar as order_amount, gross_margin::varchar as gross_margin,
              is_sell_in, is_online, is_completed, strftime(order_month, '%Y-%m-%d') as order_month
       from core.orders order by order_id`,
    );
    expect(rows).toEqual([
      {
        order_id: "O-1",
        line_count: 2,
        units: 5,
        order_amount: "280.00",
        gross_margin: "153.50",
        is_sell_in: false,
        is_online: true,
        is_completed: true,
        order_month: "2024-02-01",
      },
      {
        order_id: "O-2",
        line_count: 1,
        units: 1,
        order_amount: "95.00",
        gross_margin: "55.00",
        is_sell_in: false,
        is_online: true,
        is_completed: true,
        order_month: "2024-02-01",
      },
      {
        order_id: "O-3",
        line_count: 1,
        units: 5,
        order_amount: "500.00",
        gross_margin: "300.00",
        is_sell_in: false,
        is_online: true,
        is_completed: false,
        order_month: "2024-02-01",
      },
      {
        order_id: "O-4",
        line_count: 2,
        units: 30,
        order_amount: "1100.00",
        gross_margin: "390.00",
        is_sell_in: true,
        is_online: false,
        is_completed: true,
        order_month: "2024-02-01",
      },
      {
        order_id: "O-5",
        line_count: 1,
        units: 1,
        order_amount: "110.00",
        gross_margin: "70.00",
        is_sell_in: false,
        is_online: true,
        is_completed: true,
        order_month: "2024-03-01",
      },
      {
        order_id: "O-6",
        line_count: 1,
        units: 4,
        order_amount: "119.99",
        gross_margin: "57.99",
        is_sell_in: false,
        is_online: false,
        is_completed: true,
        order_month: "2024-03-01",
      },
    ]);
  });

  it("prices each order line with the price list valid on the order date", async () => {
    const rows = await query(
      `select order_line_id, list_price::varchar as list_price, floor_price::varchar as floor_price,
              cost_of_goods::varchar as cost_of_goods, channel_type, partner_id, customer_id
       from core.order_lines where order_line_id in ('L-1', 'L-5', 'L-7') order by order_line_id`,
    );
    expect(rows).toEqual([
      {
        order_line_id: "L-1",
        list_price: "100.0000",
        floor_price: "80.0000",
        cost_of_goods: "80.00",
        channel_type: "ecommerce_platform",
        partner_id: null,
        customer_id: "C-1",
      },
      {
        order_line_id: "L-5",
        list_price: "100.0000",
        floor_price: "80.0000",
        cost_of_goods: "400.00",
        channel_type: "distributor",
        partner_id: "P-1",
        customer_id: null,
      },
      // 2024-03-01 is both the last day of the old price and the first of the new: the new one wins
      {
        order_line_id: "L-7",
        list_price: "110.0000",
        floor_price: "85.0000",
        cost_of_goods: "40.00",
        channel_type: "ecommerce_platform",
        partner_id: null,
        customer_id: "C-2",
      },
    ]);
  });

  it("resolves sell-through products, territory and floor price on the sale date", async () => {
    const rows = await query(
      `select sell_through_id, product_id, channel_id, floor_price::varchar as floor_price,
              is_sku_resolved, is_inside_territory, is_below_floor_price
       from core.sell_through order by sell_through_id`,
    );
    expect(rows).toEqual([
      {
        sell_through_id: "P-1:S1",
        product_id: "PR-A",
        channel_id: "CH-DIST",
        floor_price: "80.0000",
        is_sku_resolved: true,
        is_inside_territory: true,
        is_below_floor_price: false,
      },
      {
        sell_through_id: "P-1:S2",
        product_id: "PR-B",
        channel_id: "CH-DIST",
        floor_price: "25.0000",
        is_sku_resolved: true,
        is_inside_territory: false,
        is_below_floor_price: true,
      },
      {
        sell_through_id: "P-2:S1",
        product_id: "PR-A",
        channel_id: "CH-DIST",
        floor_price: "85.0000",
        is_sku_resolved: true,
        is_inside_territory: true,
        is_below_floor_price: true,
      },
      {
        sell_through_id: "P-2:S2",
        product_id: null,
        channel_id: "CH-DIST",
        floor_price: null,
        is_sku_resolved: false,
        is_inside_territory: true,
        is_below_floor_price: null,
      },
    ]);
  });

  it("derives ticket, survey, return and lead attributes", async () => {
    expect(
      await query(`select ticket_id, resolution_hours, is_resolved from core.service_tickets order by ticket_id`),
    ).toEqual([
      { ticket_id: "T-1", resolution_hours: 36, is_resolved: true },
      { ticket_id: "T-2", resolution_hours: null, is_resolved: false },
    ]);
    expect(await query(`select survey_id, nps_category from core.surveys order by survey_id`)).toEqual([
      { survey_id: "S-1", nps_category: "promoter" },
      { survey_id: "S-2", nps_category: "detractor" },
    ]);
    expect(await query(`select return_id, order_id, channel_id, customer_id from core.returns`)).toEqual([
      { return_id: "RT-1", order_id: "O-1", channel_id: "CH-ECOM", customer_id: "C-1" },
    ]);
    expect(await query(`select lead_id, is_converted from core.leads order by lead_id`)).toEqual([
      { lead_id: "LD-1", is_converted: true },
      { lead_id: "LD-2", is_converted: false },
    ]);
  });
});

describe("broken data stops the build at the right test", () => {
  // One company broken in four independent ways, built once: the runner reports every failing test of a build, so
  // each breakage must show as its own test's failure (one build instead of four keeps the fast lane fast).
  let found: { error: ModelTestFailedError; failures: readonly TestOutcome[] };
  beforeAll(async () => {
    const fixture = tinyCompany();
    // an order line whose order does not exist
    fixture["order_system.order_lines"]!.push({
      order_line_id: "L-9",
      order_id: "O-404",
      product_id: "PR-A",
      quantity: 1,
      unit_price: "100.00",
      discount_amount: "0.00",
      line_amount: "100.00",
    });
    // an order delivered twice in one load
    const duplicate = fixture["order_system.orders"]!.find((o) => o["order_id"] === "O-2")!;
    fixture["order_system.orders"]!.push({ ...duplicate });
    // a second open-ended price period of PR-B, overlapping the first
    fixture["order_system.price_list"]!.push({
      product_id: "PR-B",
      valid_from: "2024-02-01",
      valid_to: null,
      list_price: "32.00",
      partner_price: "21.00",
      floor_price: "26.00",
    });
    // a sale reported by a partner nobody signed
    fixture["partner_files.sell_through"]!.push({
      partner_id: "P-99",
      sale_id: "X1",
      sale_date: "2024-03-03",
      sku: "SKU-A",
      quantity: 1,
      unit_price: "90.00",
      amount: "90.00",
      ship_to_region_id: "R-E",
      customer_id: null,
    });
    found = await failedTests("broken-four-ways", fixture);
  });

  it("an order line whose order does not exist fails the relationship test of core.order_lines", () => {
    expectFailure(found, "core.order_lines", "order_id relationships core.orders.order_id");
    const failure = found.failures.find((f) => f.test === "order_id relationships core.orders.order_id");
    expect(failure?.sample).toEqual([{ order_id: "O-404", occurrences: 1 }]);
  });

  it("a key delivered twice in one load fails the unique test of its staging model", () => {
    expectFailure(found, "staging.stg_order_system__orders", "order_id unique");
  });

  it("overlapping price periods fail core.price_list", () => {
    expectFailure(found, "core.price_list", "overlapping price periods of a product");
  });

  it("sell-through from a partner nobody signed fails core.sell_through", () => {
    expectFailure(found, "core.sell_through", "partner_id relationships core.partners.partner_id");
  });

  it("a mart one cent off its core lines fails the revenue reconciliation", async () => {
    const modelsDir = join(workDir, "models-one-cent-off");
    cpSync(join(projectRoot, "models"), modelsDir, { recursive: true });
    const martPath = join(modelsDir, "marts", "channel", "channel_revenue_monthly.sql");
    const sql = readFileSync(martPath, "utf8");
    const broken = sql.replace(
      "cast(sum(line_amount) as decimal(18, 2)) as revenue",
      "cast(sum(line_amount + case when channel_id = 'CH-KA' then 0.01 else 0 end) as decimal(18, 2)) as revenue",
    );
    expect(broken).not.toBe(sql);
    writeFileSync(martPath, broken);
    const found = await failedTests("one-cent-off", tinyCompany(), modelsDir);
    expectFailure(found, "marts.channel_revenue_monthly", "reconcile: revenue equals completed order lines in core");
  });
});
