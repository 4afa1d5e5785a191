// The check before the long run (`npm run check`, and the first step of `refresh`): a small tea shop's exports in
// the CSV templates, written by hand, with problems planted one kind at a time. The check must name each with its
// file and line, give the verdict the model tests would give (error-severity tests block, warn-severity ones do
// not), exit 1 only on a blocking problem, and write nothing; a refresh on blocking data must stop before the models
// with the check's message and leave the published warehouse as it was, while `--no-check` reaches the model tests,
// which fail on the same tests. On the clean demo company the check has nothing to say.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkSources, formatCheckReport } from "../../pipelines/orchestrate/check.js";
import { CORE_MODEL_SOURCES, resolveRules } from "../../pipelines/orchestrate/check-rules.js";
import { runContext } from "../../pipelines/orchestrate/refresh.js";
import { configSchema } from "../../pipelines/shared/config.js";
import { TEMPLATE_TABLES, templateHead } from "../../pipelines/extract/template-files.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { runCli } from "../helpers/run-cli.js";
import { tempDir } from "../helpers/temp-dir.js";
import { REPO_ROOT } from "../support/paths.js";

const cli = (args: string[]) => runCli(args);

type Row = Record<string, string | number | boolean | null>;
type Company = Record<string, Row[]>;

const UPDATED_AT = "2024-04-01T00:00:00Z";

/**
 * A tea shop selling through its web shop and Tmall: no partners, no price list, no costs (a web shop keeps none),
 * guests beside account customers. Clean: every model test passes.
 */
function teaShop(): Company {
  const channel = (channel_id: string, channel_name: string, platform_fee_rate: number): Row => ({
    channel_id,
    channel_name,
    channel_type: "ecommerce_platform",
    is_online: true,
    platform_fee_rate,
    commission_rate: 0,
    monthly_management_cost: "800.00",
    launched_on: "2023-06-01",
  });
  const product = (product_id: string, sku: string, product_name: string): Row => ({
    product_id,
    sku,
    product_name,
    category: "tea",
    unit_cost: null,
    launched_on: "2023-06-01",
  });
  const order = (order_id: string, ordered_at: string, channel_id: string, customer_id: string | null): Row => ({
    order_id,
    ordered_at,
    channel_id,
    partner_id: null,
    customer_id,
    ship_to_region_id: "R-SH",
    status: "completed",
    currency: "CNY",
  });
  const line = (order_line_id: string, order_id: string, product_id: string, quantity: number | string): Row => ({
    order_line_id,
    order_id,
    product_id,
    quantity,
    unit_price: 38.5,
    discount_amount: "0.00",
    line_amount: typeof quantity === "number" ? (38.5 * quantity).toFixed(2) : "38.50",
  });
  const customer = (customer_id: string, name: string): Row => ({
    customer_id,
    customer_type: "consumer",
    name,
    email: `${customer_id.toLowerCase()}@example.com`,
    phone: null,
    address: null,
    region_id: "R-SH",
    industry: null,
    age_band: null,
    acquisition_channel_id: "CH-WEB",
    referred_by_customer_id: null,
    created_at: "2023-11-02 09:00:00",
  });
  return {
    regions: [
      { region_id: "R-SH", region_name: "Shanghai", region_name_zh: "上海", area: "East", population_millions: 24.9 },
      { region_id: "R-BJ", region_name: "Beijing", region_name_zh: "北京", area: "North", population_millions: 21.8 },
    ],
    channels: [channel("CH-WEB", "Tea shop web shop", 0.02), channel("CH-TMALL", "Tea shop on Tmall", 0.05)],
    products: [product("P-1", "JASMINE-S", "Jasmine tin, small"), product("P-3", "LJ-LOOSE", "Longjing, loose leaf")],
    orders: [
      order("W-1001", "2024-01-05 10:12:00", "CH-WEB", "C-1"),
      order("W-1002", "2024-01-09 21:40:00", "CH-WEB", null),
      order("T-3001", "2024-02-10 19:00:00", "CH-TMALL", "C-2"),
      order("W-1003", "2024-03-28 22:58:00", "CH-WEB", "C-1"),
    ],
    order_lines: [
      line("L-01", "W-1001", "P-1", 2),
      line("L-02", "W-1002", "P-3", 1),
      line("L-03", "T-3001", "P-1", 3),
      line("L-04", "W-1003", "P-3", 1),
    ],
    customers: [customer("C-1", "Chen Jing"), customer("C-2", "Huang Lei")],
  };
}

/** The tea shop with the problems that only warn: a line with a bad quantity, two SKUs that differ only by case. */
function withWarnings(): Company {
  const company = teaShop();
  // the shop's system tells the two jasmine tins apart by case alone
  company["products"]!.push({ ...company["products"]![0]!, product_id: "P-2", sku: "jasmine-s" });
  company["order_lines"]!.push({ ...company["order_lines"]![3]!, order_line_id: "L-05", quantity: "two" });
  return company;
}

/**
 * ... and the problems that block publishing: an order for an unknown channel, and an order line naming a product the
 * product export lacks - in a shop this small, one line is above the 1% of the lines that may name one.
 */
function withBlockingProblems(): Company {
  const company = withWarnings();
  company["order_lines"]!.push({ ...company["order_lines"]![0]!, order_line_id: "L-06", product_id: "P-404" });
  company["orders"]!.push({ ...company["orders"]![3]!, order_id: "X-9001", channel_id: "CH-GHOST" });
  company["order_lines"]!.push({ ...company["order_lines"]![0]!, order_line_id: "L-07", order_id: "X-9001" });
  return company;
}

/** The tea shop busy for five months (an order a day), so that one bad reference is under 1% of the rows. */
function busyTeaShop(): Company {
  const company = teaShop();
  const [firstOrder] = company["orders"]!;
  const [firstLine] = company["order_lines"]!;
  for (let n = 0; n < 150; n++) {
    const orderId = `R-${6000 + n}`;
    const day = new Date(Date.UTC(2024, 3, 1) + n * 86_400_000).toISOString().slice(0, 10);
    company["orders"]!.push({
      ...firstOrder!,
      order_id: orderId,
      ordered_at: `${day} 10:00:00`,
      customer_id: n % 2 ? "C-1" : "C-2",
    });
    company["order_lines"]!.push({ ...firstLine!, order_line_id: `RL-${6000 + n}`, order_id: orderId });
  }
  return company;
}

/** The busy tea shop with a line of a product its product export lacks and an order of a customer its CRM lacks. */
/**
 * The tea shop with two problems only the whole export shows: an order in pounds (the warehouse converts nothing)
 * and a price list whose two periods of one product overlap.
 */
function withCurrencyAndOverlap(): Company {
  const company = teaShop();
  company["orders"]!.push({ ...company["orders"]![0]!, order_id: "UK-1", currency: "gbp" });
  company["order_lines"]!.push({ ...company["order_lines"]![0]!, order_line_id: "L-UK", order_id: "UK-1" });
  const price = (valid_from: string, valid_to: string | null): Row => ({
    product_id: "P-1",
    valid_from,
    valid_to,
    list_price: "42.0000",
    partner_price: "30.0000",
    floor_price: "0.0125",
  });
  company["price_list"] = [price("2024-01-01", "2024-03-01"), price("2024-02-01", null)];
  return company;
}

function withPartialMasterData(): Company {
  const company = busyTeaShop();
  company["order_lines"]!.push({ ...company["order_lines"]![0]!, order_line_id: "L-08", product_id: "P-OLD" });
  company["orders"]!.push({ ...company["orders"]![3]!, order_id: "W-1004", customer_id: "C-GONE" });
  company["order_lines"]!.push({ ...company["order_lines"]![0]!, order_line_id: "L-09", order_id: "W-1004" });
  return company;
}

/** The line of row `index` of a template file: the header and the commented example come first. */
const lineOf = (company: Company, table: string, where: (row: Row) => boolean) => company[table]!.findIndex(where) + 3;

function csvCell(value: Row[string] | undefined): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Writes the company as filled templates (header, example row, then the rows), replacing what the folder held. */
function writeCompany(dir: string, company: Company): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const { table, fileName } of TEMPLATE_TABLES) {
    const rows = company[table.name];
    if (!rows) continue;
    const body = rows.map((row) =>
      table.columns.map((c) => csvCell(c.name === "updated_at" ? (row[c.name] ?? UPDATED_AT) : row[c.name])).join(","),
    );
    writeFileSync(join(dir, fileName), templateHead(table) + body.map((l) => `${l}\n`).join(""));
  }
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("the check's rules stand for the model tests", () => {
  it("every rule names a model test of that severity in the models' .yml, and every core source feeds its model", () => {
    const { rules, missing } = resolveRules(REPO_ROOT);
    expect(missing).toEqual([]);
    const named = (model: string, test: string) => rules.find((r) => r.model === model && r.test === test);
    // the problems the check exists for, each blocking (no severity: error, the default) or warning as the tests do
    expect(named("core.orders", "channel_id relationships core.channels.channel_id")?.settings.severity).toBe(
      undefined,
    );
    // a missing product or customer: a warning up to 1% of the rows, an error above
    expect(named("core.order_lines", "product_id relationships core.products.product_id")?.settings).toMatchObject({
      error_if: ">1%",
    });
    expect(named("core.orders", "customer_id relationships core.customers.customer_id")?.settings).toMatchObject({
      error_if: ">1%",
    });
    expect(named("core.sell_through", "sell-through lines whose SKU names no product")?.settings.severity).toBe("warn");
    expect(named("core.sell_through", "partner_id relationships core.partners.partner_id")).toBeDefined();
    expect(named("core.sell_through", "quantity accepted_range")).toBeDefined();
    expect(named("core.products", "sku_key unique")?.settings.severity).toBe("warn");
    expect(named("core.order_lines", "list_price not_null")?.settings.severity).toBe("warn");
    // a relationship is judged on a raw table only if that table is what the core model is built from
    for (const [model, { source, table }] of Object.entries(CORE_MODEL_SOURCES)) {
      const sql = readFileSync(join(REPO_ROOT, "models", "core", `${model.slice(5)}.sql`), "utf8");
      expect(sql, model).toContain(`staging.stg_${source}__${table}`);
    }
  });
});

describe("the check on a hand-written templates company", () => {
  const dir = tempDir("warehouse-check-");
  const exports = join(dir, "exports");
  const dataDir = join(dir, "data");
  const config = join(dir, "company.yaml");
  const warehouse = join(dataDir, "warehouse.duckdb");
  const raw = join(dataDir, "raw.duckdb");

  beforeAll(() => {
    writeFileSync(config, [`data_dir: ${dataDir}`, "sources:", "  templates:", `    dir: ${exports}`, ""].join("\n"));
  });

  it("has nothing to say about the clean company: would publish, no warnings, exit 0, nothing written", async () => {
    writeCompany(exports, teaShop());
    const run = await cli(["check", "--config", config]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("order_system.order_lines: 4 read, 0 would be quarantined");
    expect(run.stdout).toContain("verdict: would publish");
    expect(run.stdout).toContain("warnings: none");
    expect(run.stdout).not.toMatch(/✘|^ {2}! /m);
    // read-only: no raw database, no warehouse
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("names the bad quantity and the case-only SKU pair with file and line, and exits 0: they only warn", async () => {
    const company = withWarnings();
    writeCompany(exports, company);
    const run = await cli(["check", "--config", config]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const badLine = lineOf(company, "order_lines", (r) => r["quantity"] === "two");
    expect(run.stdout).toContain("order_system.order_lines: 5 read, 1 would be quarantined");
    // the loader's own reason (the check runs the loader), with the file and line
    expect(run.stdout).toMatch(
      new RegExp(`1 × quantity: not a[^\\n]*two[^\\n]* \\(order_lines\\.csv line ${badLine}\\)`),
    );
    const lower = lineOf(company, "products", (r) => r["sku"] === "jasmine-s");
    const upper = lineOf(company, "products", (r) => r["sku"] === "JASMINE-S");
    expect(run.stdout).toContain(`! core.products — "sku_key unique": 1 failing in 2 row(s)`);
    expect(run.stdout).toContain(
      `JASMINE-S / jasmine-s (products.csv line ${Math.min(lower, upper)}, products.csv line ${Math.max(lower, upper)})`,
    );
    expect(run.stdout).toContain("verdict: would publish");
    expect(run.stdout).toMatch(/warnings: 1 warn-severity test\(s\); 1 record\(s\) would be quarantined/);
  });

  it("names the unknown product and the unknown customer with file and line, and exits 0 under 1% of the rows", async () => {
    const company = withPartialMasterData();
    writeCompany(exports, company);
    const run = await cli(["check", "--config", config]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const unknownProduct = lineOf(company, "order_lines", (r) => r["product_id"] === "P-OLD");
    const unknownCustomer = lineOf(company, "orders", (r) => r["customer_id"] === "C-GONE");
    expect(run.stdout).toContain(
      `! core.order_lines — "product_id relationships core.products.product_id": 1 failing: order_lines naming a product_id that products does not have`,
    );
    expect(run.stdout).toContain(`P-OLD (order_lines.csv line ${unknownProduct})`);
    expect(run.stdout).toContain(
      `! core.orders — "customer_id relationships core.customers.customer_id": 1 failing: orders naming a customer_id that customers does not have`,
    );
    expect(run.stdout).toContain(`C-GONE (orders.csv line ${unknownCustomer})`);
    // what each does to the figures, from the test's description in the .yml
    expect(run.stdout).toMatch(/the line is kept and its revenue counts in every channel/);
    expect(run.stdout).not.toContain("✘");
    expect(run.stdout).toContain("verdict: would publish");
    expect(run.stdout).toMatch(/warnings: 2 warn-severity test\(s\)/);
  });

  it("names the unknown SKU and the unknown channel with file and line, and exits 1: they would stop the publish", async () => {
    const company = withBlockingProblems();
    writeCompany(exports, company);
    const run = await cli(["check", "--config", config]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const unknownSku = lineOf(company, "order_lines", (r) => r["product_id"] === "P-404");
    const unknownChannel = lineOf(company, "orders", (r) => r["channel_id"] === "CH-GHOST");
    expect(run.stdout).toContain(
      `✘ core.order_lines — "product_id relationships core.products.product_id": 1 failing: order_lines naming a product_id that products does not have`,
    );
    expect(run.stdout).toContain(`P-404 (order_lines.csv line ${unknownSku})`);
    expect(run.stdout).toContain(
      `✘ core.orders — "channel_id relationships core.channels.channel_id": 1 failing: orders naming a channel_id that channels does not have`,
    );
    expect(run.stdout).toContain(`CH-GHOST (orders.csv line ${unknownChannel})`);
    // the warnings are still there, and the verdict names each blocking test with its count
    expect(run.stdout).toMatch(/1 × quantity: not a[^\n]*two[^\n]* \(order_lines\.csv line \d+\)/);
    expect(run.stdout).toContain(`! core.products — "sku_key unique"`);
    expect(run.stdout).toContain(
      'verdict: would not publish: core.orders "channel_id relationships core.channels.channel_id" (1 failing), ' +
        'core.order_lines "product_id relationships core.products.product_id" (1 failing)',
    );
  });

  it("names an order in another currency and overlapping price periods with file and line, and exits 1", async () => {
    const company = withCurrencyAndOverlap();
    writeCompany(exports, company);
    const run = await cli(["check", "--config", config]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const pounds = lineOf(company, "orders", (r) => r["order_id"] === "UK-1");
    expect(run.stdout).toContain(
      `✘ core.orders — "orders in a currency other than the reporting currency (convert them before loading, or set reporting.currency)": 1 failing`,
    );
    expect(run.stdout).toContain(`UK-1 in GBP (orders.csv line ${pounds})`);
    const earlier = lineOf(company, "price_list", (r) => r["valid_from"] === "2024-01-01");
    expect(run.stdout).toContain(`✘ core.price_list — "overlapping price periods of a product": 1 failing`);
    expect(run.stdout).toContain(`product P-1: 2024-01-01 overlaps 2024-02-01 (price_list.csv line ${earlier})`);
    expect(run.stdout).toMatch(/verdict: would not publish: .*"overlapping price periods of a product" \(1 failing\)/);
  });

  describe("and the refresh", () => {
    let published: string;
    let rawBefore: string;

    beforeAll(async () => {
      // A published warehouse to keep: the company with warnings only publishes (and the check agrees).
      writeCompany(exports, withWarnings());
      const first = await cli(["refresh", "--no-reports", "--config", config]);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect(first.stdout).toContain("verdict: would publish");
      expect(first.stdout).toMatch(/warn core\.products — "sku_key unique"/);
      published = sha256(warehouse);
      writeCompany(exports, withBlockingProblems());
    }, 600_000);

    it("`check` after a refresh reads raw without changing a byte of it", async () => {
      rawBefore = sha256(raw);
      const run = await cli(["check", "--config", config]);
      expect(run.code).toBe(1);
      expect(sha256(raw)).toBe(rawBefore);
      expect(sha256(warehouse)).toBe(published);
    });

    it("stops before extracting on blocking data, with the check's message; the published warehouse is untouched", async () => {
      const run = await cli(["refresh", "--no-reports", "--config", config]);
      process.stdout.write(`refresh stopped by the check after ${run.seconds.toFixed(1)} s\n`);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("▶ check");
      expect(run.stdout).toContain('✘ core.orders — "channel_id relationships core.channels.channel_id"');
      expect(run.stdout).not.toMatch(/▶ extract|▶ models|published \//);
      expect(run.stderr).toContain(
        'error: the pre-refresh check found data the model tests would reject, so nothing was extracted or published: core.orders "channel_id relationships core.channels.channel_id" (1 failing)',
      );
      expect(sha256(warehouse)).toBe(published);
      // nothing loaded: the run is recorded as failed with the check's message, and it loaded no stream
      await withDatabase(
        raw,
        async (c) => {
          const [run] = await queryRows<{ status: string; error: string; loads: number }>(
            c,
            `select status, error, (select count(*) from meta.loads l where l.run_id = r.run_id) as loads
             from meta.runs r order by started_at desc limit 1`,
          );
          expect(run).toMatchObject({ status: "failed", loads: 0 });
          expect(run!.error).toContain("the pre-refresh check found data");
        },
        { readOnly: true },
      );
    });

    it("with --no-check loads the data and fails at the model tests the check named", async () => {
      const run = await cli(["refresh", "--no-reports", "--no-check", "--config", config]);
      expect(run.code).toBe(1);
      expect(run.stdout).not.toContain("▶ check");
      expect(run.stdout).toContain("▶ models");
      expect(run.stderr).toContain("so the warehouse was not published");
      expect(run.stderr).toContain('core.orders — test "channel_id relationships core.channels.channel_id"');
      expect(run.stderr).toContain('core.order_lines — test "product_id relationships core.products.product_id"');
      expect(sha256(warehouse)).toBe(published);
    }, 300_000);
  });
});

describe("the check on the clean demo company", () => {
  const dir = tempDir("warehouse-check-demo-");

  it("passes silently: would publish, nothing quarantined, no warnings, nothing written to the data folder", async () => {
    const log: string[] = [];
    const ctx = runContext(
      REPO_ROOT,
      configSchema.parse({ data_dir: join(dir, "data"), demo: { plants: false } }),
      (line) => log.push(line),
    );
    const report = await checkSources(ctx, { maxFiles: 0 });
    const output = formatCheckReport(report).join("\n");
    expect(report.findings, output).toEqual([]);
    expect(report.streams.filter((s) => s.rejected > 0 || s.error || s.notes.length)).toEqual([]);
    expect(report.streams.find((s) => s.stream === "order_lines")?.read).toBeGreaterThan(40_000);
    expect(report.wouldPublish).toBe(true);
    expect(report.exitCode).toBe(0);
    expect(output).toContain("verdict: would publish\nwarnings: none");
    // only the demo company's generated sources: no raw database, no warehouse
    expect(readdirSync(join(dir, "data"))).toEqual(["demo"]);
  }, 300_000);
});
