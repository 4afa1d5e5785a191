// A web shop's own invoice export, mapped into the templates exactly as the templates README's worked example says:
// five files with only the columns such an export has (no Chinese names, areas, fees, costs, categories, launch dates,
// discounts, line amounts, currencies or change times), guest checkouts, cancellation invoices as negative lines, a
// zero-priced gift, a price to 4 decimals, two SKUs differing only by case, and amounts in pounds. The files are written
// here by hand in the shape such exports have. The first refresh must publish, list the problems as warnings, and
// reconcile revenue to the files to the cent, in the configured currency; an order in another currency must stop it.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { runCli, type CliRun } from "../helpers/run-cli.js";
import { tempDir } from "../helpers/temp-dir.js";

const cli = (args: string[]) => runCli(args);

/** The export's lines: InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country. */
const EXPORT: ReadonlyArray<readonly [string, string, string, number, string, number, string, string]> = [
  ["536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, "2010-12-01 08:26", 2.55, "17850", "United Kingdom"],
  ["536365", "71053", "WHITE METAL LANTERN", 6, "2010-12-01 08:26", 3.39, "17850", "United Kingdom"],
  ["536366", "22633", "HAND WARMER UNION JACK", 6, "2010-12-01 08:28", 1.85, "17850", "United Kingdom"],
  // a guest checkout: no customer
  ["536367", "84879", "ASSORTED COLOUR BIRD ORNAMENT", 32, "2010-12-01 08:34", 1.69, "", "United Kingdom"],
  ["536367", "22745", "POPPY'S PLAYHOUSE BEDROOM", 6, "2010-12-01 08:34", 2.1, "", "United Kingdom"],
  // a price per gram to 4 decimals, and a gift at 0
  ["536370", "22728", "ALARM CLOCK BAKELIKE PINK", 24, "2010-12-01 08:45", 3.75, "12583", "France"],
  ["536370", "POST", "POSTAGE", 3, "2010-12-01 08:45", 18, "12583", "France"],
  ["536370", "21731", "RED TOADSTOOL LED NIGHT LIGHT", 1000, "2010-12-01 08:45", 0.0125, "12583", "France"],
  ["536370", "22900", "SET 2 TEA TOWELS I LOVE LONDON", 1, "2010-12-01 08:45", 0, "12583", "France"],
  // two SKUs differing only by case, as such shops' catalogues have
  ["536371", "ab12c", "PAPER CHAIN KIT small", 2, "2011-01-04 10:00", 2.95, "13047", "United Kingdom"],
  ["536371", "AB12C", "PAPER CHAIN KIT LARGE", 1, "2011-01-04 10:00", 4.95, "13047", "United Kingdom"],
  // a cancellation invoice: negative quantities, naming no original line
  ["C536379", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", -2, "2011-01-05 09:41", 2.55, "17850", "United Kingdom"],
  // a bad-debt adjustment at a negative price, by nobody
  ["A563186", "B", "Adjust bad debt", 1, "2011-02-12 14:51", -11062.06, "", "United Kingdom"],
  ["536380", "22728", "ALARM CLOCK BAKELIKE PINK", 4, "2011-02-20 11:00", 3.75, "12583", "France"],
  ["536381", "71053", "WHITE METAL LANTERN", 12, "2011-03-02 16:10", 3.39, "13047", "United Kingdom"],
];

const csv = (rows: ReadonlyArray<ReadonlyArray<string | number>>) =>
  rows
    .map((row) => row.map((v) => (/[",]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : v)).join(","))
    .join("\n") + "\n";

const unique = <T>(values: T[]) => [...new Set(values)];

/** The five templates the worked example fills, from the export, with only the columns it has. */
function writeMappedTemplates(dir: string, extraOrders: ReadonlyArray<ReadonlyArray<string>> = []): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "channels.csv"),
    csv([
      ["channel_id", "channel_name", "channel_type", "is_online"],
      ["WEB", "Web shop", "ecommerce_platform", "true"],
    ]),
  );
  writeFileSync(
    join(dir, "regions.csv"),
    csv([["region_id", "region_name"], ...unique(EXPORT.map((l) => l[7])).map((c) => [c, c])]),
  );
  const products = new Map(EXPORT.map((l) => [l[1], l[2]]));
  writeFileSync(
    join(dir, "products.csv"),
    csv([["product_id", "sku", "product_name"], ...[...products].map(([code, name]) => [code, code, name])]),
  );
  const invoices = new Map(EXPORT.map((l) => [l[0], l]));
  // the export names no currency; only an order added in another currency brings the column (empty for the rest)
  const currency = extraOrders.length ? ["currency"] : [];
  writeFileSync(
    join(dir, "orders.csv"),
    csv([
      ["order_id", "ordered_at", "channel_id", "customer_id", "ship_to_region_id", "status", ...currency],
      ...[...invoices.values()].map((l) => [
        l[0],
        l[4].replace(" ", "T") + ":00",
        "WEB",
        l[6],
        l[7],
        "completed",
        ...currency.map(() => ""),
      ]),
      ...extraOrders,
    ]),
  );
  const lineNumbers = new Map<string, number>();
  writeFileSync(
    join(dir, "order_lines.csv"),
    csv([
      ["order_line_id", "order_id", "product_id", "quantity", "unit_price"],
      ...EXPORT.map((l) => {
        const n = (lineNumbers.get(l[0]) ?? 0) + 1;
        lineNumbers.set(l[0], n);
        return [`${l[0]}-${n}`, l[0], l[1], l[3], l[5]];
      }),
    ]),
  );
  const customers = unique(EXPORT.filter((l) => l[6] !== "").map((l) => `${l[6]}|${l[7]}`)).map((k) => k.split("|"));
  writeFileSync(join(dir, "customers.csv"), csv([["customer_id", "region_id"], ...customers]));
}

/** What the export says was charged: each line's quantity × price rounded to the cent, summed in cents. */
const exportRevenueCents = EXPORT.reduce((sum, l) => sum + Math.round(l[3] * l[5] * 100), 0);
const guestRevenueCents = EXPORT.filter((l) => l[6] === "").reduce((sum, l) => sum + Math.round(l[3] * l[5] * 100), 0);

describe("a web shop's export mapped into the templates as the README shows", () => {
  const dir = tempDir("warehouse-web-shop-");
  const dataDir = join(dir, "data");
  const warehouse = join(dataDir, "warehouse.duckdb");
  let run: CliRun;

  const published = <T>(sql: string) =>
    withDatabase(warehouse, (c) => queryRows<T>(c, sql), { readOnly: true }) as Promise<T[]>;

  beforeAll(async () => {
    const templates = join(dir, "shop-exports");
    writeMappedTemplates(templates);
    const config = join(dir, "shop.yaml");
    writeFileSync(
      config,
      [
        `data_dir: ${dataDir}`,
        "reporting:",
        "  company_name: Hearth & Home Ltd",
        "  currency: { code: GBP }",
        "sources:",
        "  templates:",
        `    dir: ${templates}`,
        "",
      ].join("\n"),
    );
    run = await cli(["refresh", "--config", config, "--no-reports"]);
  }, 600_000);

  it("publishes on the first refresh, nothing quarantined, the problems listed as warnings", async () => {
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    // every file of the export is read whole and nothing is set aside
    const loads = [...run.stdout.matchAll(/^\s+(\S+): (\d+) read, (\d+) loaded, (\d+) quarantined/gm)];
    expect(loads.map((l) => l[1]).sort()).toEqual([
      "crm.customers",
      "order_system.channels",
      "order_system.order_lines",
      "order_system.orders",
      "order_system.products",
      "order_system.regions",
    ]);
    for (const [, stream, read, loaded, quarantined] of loads) {
      expect({ stream, loaded: Number(loaded), quarantined: Number(quarantined) }).toEqual({
        stream,
        loaded: Number(read),
        quarantined: 0,
      });
    }
    expect(run.stdout).toMatch(/guest checkouts/);
    expect(run.stdout).toMatch(/commercial terms are not stated/);
    const [status] = await published<{ run_id: string }>("select run_id from marts.warehouse_status");
    expect(status?.run_id).toBeTruthy();
  });

  it("reconciles revenue to the export to the cent, guests included in channel figures and apart in their own", async () => {
    const [channel] = await published<{ cents: string }>(
      "select cast(round(sum(revenue) * 100) as bigint)::varchar as cents from marts.channel_revenue_monthly",
    );
    expect(Number(channel?.cents)).toBe(exportRevenueCents);
    const [guests] = await published<{ cents: string }>(
      "select cast(round(sum(guest_revenue) * 100) as bigint)::varchar as cents from marts.guest_revenue_monthly",
    );
    expect(Number(guests?.cents)).toBe(guestRevenueCents);
  });

  it("keeps the reporting currency, fills what the export lacks, and never shows a margin built on unknown costs", async () => {
    const [settings] = await published<{ currency_code: string; currency_symbol: string; site_title: string }>(
      "select * from ops.reporting_settings",
    );
    expect(settings).toEqual({ currency_code: "GBP", currency_symbol: "£", site_title: "Hearth & Home Ltd" });
    const [glossary] = await published<{ unit: string }>(
      "select unit from marts.metric_glossary where metric_id = 'revenue'",
    );
    expect(glossary?.unit).toBe("GBP");
    const currencies = await published<{ currency: string }>("select distinct currency from core.orders");
    expect(currencies).toEqual([{ currency: "GBP" }]);
    const regions = await published<{ region_id: string; region_name_zh: string; area: string }>(
      "select region_id, region_name_zh, area from core.regions order by region_id",
    );
    expect(regions).toEqual([
      { region_id: "France", region_name_zh: "France", area: "Unassigned" },
      { region_id: "United Kingdom", region_name_zh: "United Kingdom", area: "Unassigned" },
    ]);
    const [channel] = await published<{ launched_date: string; is_terms_stated: boolean }>(
      "select launched_date::varchar as launched_date, is_terms_stated from core.channels",
    );
    expect(channel).toEqual({ launched_date: "2010-12-01", is_terms_stated: false });
    const [margins] = await published<{ known: number; unknown_cents: string }>(
      `select count(gross_margin) as known,
              cast(round(sum(revenue_unknown_cost) * 100) as bigint)::varchar as unknown_cents
       from marts.channel_performance_monthly`,
    );
    expect(margins?.known).toBe(0);
    expect(Number(margins?.unknown_cents)).toBe(exportRevenueCents);
    const [pence] = await published<{ line_amount: string }>(
      "select line_amount::varchar as line_amount from core.order_lines where product_id = '21731'",
    );
    expect(pence?.line_amount).toBe("12.50"); // 1000 × 0.0125
  });

  it("publishes every warning with its count for the data-quality page, and each table's sources", async () => {
    const warnings = await published<{ model: string; test: string; failing_rows: number }>(
      "select model, test, failing_rows from marts.data_quality_warnings order by model, test",
    );
    const counted = Object.fromEntries(warnings.map((w) => [`${w.model}: ${w.test}`, Number(w.failing_rows)]));
    const guestOrders = new Set(EXPORT.filter((l) => l[6] === "").map((l) => l[0])).size;
    expect(counted["core.orders: direct orders without an end customer (guest checkouts)"]).toBe(guestOrders);
    expect(counted["core.products: unit_cost not_null"]).toBe(new Set(EXPORT.map((l) => l[1])).size);
    expect(counted["core.products: sku_key unique"]).toBe(1);
    expect(
      counted[
        "core.channels: channels whose commercial terms are not stated (fees, commissions or management cost counted as 0)"
      ],
    ).toBe(1);
    // the run printed the same warnings it published
    for (const w of warnings) expect(run.stdout).toContain(`warn ${w.model} — "${w.test}"`);
    const [lineage] = await published<{ sources: string; source_tables: string }>(
      "select sources, source_tables from marts.data_lineage where published_table = 'marts.guest_revenue_monthly'",
    );
    expect(lineage?.sources.split(", ")).toContain("order_system");
    expect(lineage?.source_tables).toContain("order_system.order_lines");
  });

  it("stops an order in another currency before it reaches leadership, saying what to do", async () => {
    const other = tempDir("warehouse-web-shop-usd-");
    const templates = join(other, "shop-exports");
    writeMappedTemplates(templates, [
      ["US0001", "2011-03-05T10:00:00", "WEB", "", "United Kingdom", "completed", "USD"],
    ]);
    const config = join(other, "shop.yaml");
    writeFileSync(
      config,
      [
        `data_dir: ${join(other, "data")}`,
        "reporting:",
        "  currency: { code: GBP }",
        "sources:",
        "  templates:",
        `    dir: ${templates}`,
        "",
      ].join("\n"),
    );
    const refused = await cli(["refresh", "--config", config, "--no-reports"]);
    expect(refused.code).not.toBe(0);
    expect(`${refused.stdout}\n${refused.stderr}`).toMatch(/currency other than the reporting currency/);
    expect(`${refused.stdout}\n${refused.stderr}`).toMatch(/US0001/);
  }, 600_000);
});
