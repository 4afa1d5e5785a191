// Prices and unit costs to 4 decimals (the column type `price`, DECIMAL(18,4)): shops price by the gram (0.0125), and a
// price-list row kept to the cent would be quarantined, leaving its order lines without a list or floor price. Every
// way a record arrives is judged alike: API and order-system records by the zod contract, template files (CSV, XLSX)
// by the SQL one. A fifth decimal is still quarantined, with the reason; amounts (`money`) stay to the cent.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { recordSchema, type TableSpec } from "../../pipelines/shared/contracts/column-spec.js";
import { priceList, products, rebatePolicies } from "../../pipelines/shared/contracts/order-system.js";
import { sellThrough } from "../../pipelines/shared/contracts/partner-files.js";
import { TEMPLATE_TABLES, templateHead } from "../../pipelines/extract/template-files.js";
import { describeZodError, loadRecordStream } from "../../pipelines/load/record-loader.js";
import { loadFileStream } from "../../pipelines/load/file-loader.js";
import type { RecordStream } from "../../pipelines/shared/source-stream.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("price-decimals-");
const REASON = "floor_price: price with more than 4 decimals";

/** A price-list row; the prices as the order system's driver gives numerics (text) unless given as numbers. */
function priceRow(product_id: string, floor_price: string | number, list_price: string | number = "0.0150") {
  return {
    product_id,
    valid_from: "2026-01-01",
    valid_to: null,
    list_price,
    partner_price: "0.0110",
    floor_price,
    updated_at: "2026-01-01T00:00:00Z",
  };
}

/** A template as `npm run templates` writes it (header and commented example row), filled with `rows`. */
function templateFile(table: TableSpec, rows: string[]): string {
  const { fileName, table: fileTable } = TEMPLATE_TABLES.find((t) => t.table.name === table.name)!;
  const path = join(dir, fileName);
  writeFileSync(path, templateHead(fileTable) + rows.map((row) => `${row}\n`).join(""));
  return path;
}

const templateTable = (table: TableSpec) => TEMPLATE_TABLES.find((t) => t.table.name === table.name)!.table;

/** Loads a template file written by templateFile, as the refresh would. */
const loadTemplate = (c: DuckDBConnection, table: TableSpec, file: string) =>
  loadFileStream(c, "run-1", {
    source: "order_system",
    table: templateTable(table),
    files: [file],
    commentPrefix: "#",
  });

/** A rebate policy but for its money column, monthly_threshold. */
const REBATE_POLICY = {
  policy_id: "RP-1",
  channel_id: "CH-1",
  rebate_rate: 0.02,
  valid_from: "2026-01-01",
  valid_to: null,
  updated_at: "2026-01-01T00:00:00Z",
};

describe("the price type in the contract", () => {
  it("takes prices and unit costs to 4 decimals as text or number, and refuses a fifth with the reason", () => {
    const schema = recordSchema(priceList);
    for (const floor of ["0.0125", 0.0125, "80.00", 80, "0.1", 0.0001, "1234567.89", 12345678.1234, -0.0125]) {
      const parsed = schema.safeParse(priceRow("P-1", floor));
      expect(parsed.success, String(floor)).toBe(true);
      expect(parsed.data?.["floor_price"], String(floor)).toBe(Number(floor));
    }
    for (const floor of ["0.00125", 0.00125, 0.12345, "80.00001", 1234567.89125]) {
      const parsed = schema.safeParse(priceRow("P-1", floor));
      expect(parsed.success, String(floor)).toBe(false);
      expect(describeZodError(parsed.error!), String(floor)).toBe(REASON);
    }
    const costs = recordSchema(products);
    const product = {
      product_id: "P-1",
      sku: "LJ-G",
      product_name: "Longjing per gram",
      updated_at: "2026-01-01T00:00:00Z",
    };
    expect(costs.safeParse({ ...product, unit_cost: "0.0075" }).success).toBe(true);
    const fifth = costs.safeParse({ ...product, unit_cost: "0.00075" });
    expect(fifth.success).toBe(false);
    expect(describeZodError(fifth.error!)).toBe("unit_cost: price with more than 4 decimals");
  });

  it("takes a partner's resale price to 4 decimals (a price worked out from a total), its amount to the cent", () => {
    const schema = recordSchema(sellThrough);
    const sale = {
      partner_id: "PA-1",
      sale_id: "S-1",
      sale_date: "2026-03-01",
      sku: "LJ-G",
      quantity: 3,
      ship_to_region_id: "R-1",
      customer_id: null,
    };
    expect(schema.safeParse({ ...sale, unit_price: "36.6667", amount: "110.00" }).success).toBe(true);
    const fifth = schema.safeParse({ ...sale, unit_price: "36.66667", amount: "110.00" });
    expect(describeZodError(fifth.error!)).toBe("unit_price: price with more than 4 decimals");
    const amount = schema.safeParse({ ...sale, unit_price: "36.6667", amount: "110.001" });
    expect(describeZodError(amount.error!)).toBe("amount: money with more than 2 decimals");
  });

  it("leaves amounts to the cent: a money column still refuses a third decimal", () => {
    const schema = recordSchema(rebatePolicies);
    expect(schema.safeParse({ ...REBATE_POLICY, monthly_threshold: "50000.00" }).success).toBe(true);
    const parsed = schema.safeParse({ ...REBATE_POLICY, monthly_threshold: "0.0125" });
    expect(parsed.success).toBe(false);
    expect(describeZodError(parsed.error!)).toBe("monthly_threshold: money with more than 2 decimals");
  });
});

describe("a price list with 4-decimal prices loads", () => {
  it("from the order system or an API: 0.0125 lands exactly, 0.00125 is quarantined with the reason", async () => {
    const records = [priceRow("P-1", "0.0125"), priceRow("P-2", 0.0125, 0.015), priceRow("P-3", "0.00125")];
    const stream: RecordStream = {
      source: "order_system",
      table: priceList,
      async *read() {
        yield { records: records.map((record, i) => ({ record, location: `price_list row ${i + 1}` })) };
      },
      expectedCount: async () => records.length,
    };
    await withDatabase(join(dir, "records.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadRecordStream(c, "run-1", stream);
      expect(result).toMatchObject({ read: 3, loaded: 2, rejected: 1 });
      expect(
        await queryRows(
          c,
          `select product_id, list_price::varchar as list_price, floor_price::varchar as floor_price,
                  typeof(floor_price) as type
           from order_system.price_list order by product_id`,
        ),
      ).toEqual([
        { product_id: "P-1", list_price: "0.0150", floor_price: "0.0125", type: "DECIMAL(18,4)" },
        { product_id: "P-2", list_price: "0.0150", floor_price: "0.0125", type: "DECIMAL(18,4)" },
      ]);
      const quarantined = await queryRows<{ location: string; reason: string; payload: string }>(
        c,
        "select location, reason, payload from meta.quarantine",
      );
      expect(quarantined.map(({ location, reason }) => ({ location, reason }))).toEqual([
        { location: "price_list row 3", reason: REASON },
      ]);
      expect(JSON.parse(quarantined[0]!.payload)).toMatchObject({ product_id: "P-3", floor_price: "0.00125" });
    });
  });

  it("from the CSV templates: prices and unit costs to 4 decimals land exactly, a fifth decimal is quarantined", async () => {
    const prices = templateFile(priceList, [
      "P-1,2026-01-01,,0.0150,0.0110,0.0125,",
      "P-2,2026-01-01,,100.00,70.00,80.00,", // to the cent, as before
      "P-3,2026-01-01,,0.0150,0.0110,0.00125,",
      // over a million a double holds these only approximately (1234567.89 × 10,000 is not a whole number): they pass
      "P-4,2026-01-01,,12345678.1234,1000000.5,1234567.89,",
    ]);
    const costs = templateFile(products, [
      "P-1,LJ-G,Longjing per gram,,tea,0.0075,,",
      "P-2,GB,Gift box,,gift,0.00075,,",
    ]);
    await withDatabase(join(dir, "templates.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const loadPrices = await loadTemplate(c, priceList, prices);
      expect(loadPrices).toMatchObject({ read: 4, loaded: 3, rejected: 1 });
      const loadCosts = await loadTemplate(c, products, costs);
      expect(loadCosts).toMatchObject({ read: 2, loaded: 1, rejected: 1 });
      expect(
        await queryRows(
          c,
          `select product_id, list_price::varchar as list_price, partner_price::varchar as partner_price,
                  floor_price::varchar as floor_price
           from order_system.price_list order by product_id`,
        ),
      ).toEqual([
        { product_id: "P-1", list_price: "0.0150", partner_price: "0.0110", floor_price: "0.0125" },
        { product_id: "P-2", list_price: "100.0000", partner_price: "70.0000", floor_price: "80.0000" },
        { product_id: "P-4", list_price: "12345678.1234", partner_price: "1000000.5000", floor_price: "1234567.8900" },
      ]);
      expect(
        await queryRows(c, "select product_id, unit_cost::varchar as unit_cost from order_system.products"),
      ).toEqual([{ product_id: "P-1", unit_cost: "0.0075" }]);
      expect(await queryRows(c, "select location, reason from meta.quarantine order by location")).toEqual([
        { location: "price_list.csv line 5", reason: REASON },
        { location: "products.csv line 4", reason: "unit_cost: price with more than 4 decimals" },
      ]);
    });
  });

  it("takes large amounts to the cent in records and files alike (a double holds them only approximately)", async () => {
    // each of these came out more than 1e-6 off a whole number of cents as a double, and was once quarantined
    const large = ["80876063549.10", "19483624032.06", "39222430116.91"];
    const schema = recordSchema(rebatePolicies);
    for (const amount of large) {
      expect(schema.safeParse({ ...REBATE_POLICY, monthly_threshold: amount }).success, amount).toBe(true);
      expect(schema.safeParse({ ...REBATE_POLICY, monthly_threshold: Number(amount) }).success, amount).toBe(true);
    }
    expect(schema.safeParse({ ...REBATE_POLICY, monthly_threshold: "80876063549.105" }).success).toBe(false);
    const file = templateFile(rebatePolicies, [
      ...large.map((amount, i) => `RP-${i},CH-1,${amount},0.02,2026-01-01,,`),
      "RP-9,CH-1,80876063549.105,0.02,2026-01-01,,",
    ]);
    await withDatabase(join(dir, "large-amounts.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const loaded = await loadTemplate(c, rebatePolicies, file);
      expect(loaded).toMatchObject({ read: 4, loaded: 3, rejected: 1 });
      const rows = await queryRows<{ t: string }>(
        c,
        "select monthly_threshold::varchar as t from order_system.rebate_policies order by policy_id",
      );
      expect(rows.map((r) => r.t)).toEqual(large);
      expect(await queryRows(c, "select reason from meta.quarantine")).toEqual([
        { reason: "monthly_threshold: money with more than 2 decimals" },
      ]);
    });
  });

  it("from an XLSX file: numeric cells to 4 decimals land exactly, a fifth decimal is quarantined", async () => {
    const path = join(dir, "price_list.xlsx");
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("prices");
    sheet.addRow(["product_id", "valid_from", "valid_to", "list_price", "partner_price", "floor_price"]);
    sheet.addRow(["P-1", "2026-01-01", null, 0.015, 0.011, 0.0125]);
    sheet.addRow(["P-2", "2026-01-01", null, 0.015, 0.011, 0.00125]);
    await workbook.xlsx.writeFile(path);
    await withDatabase(join(dir, "xlsx.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", {
        source: "order_system",
        table: templateTable(priceList),
        files: [path],
      });
      expect(result).toMatchObject({ read: 2, loaded: 1, rejected: 1 });
      expect(
        await queryRows(c, "select product_id, floor_price::varchar as floor_price from order_system.price_list"),
      ).toEqual([{ product_id: "P-1", floor_price: "0.0125" }]);
      expect(await queryRows(c, "select location, reason from meta.quarantine")).toEqual([
        { location: "price_list.xlsx line 3", reason: REASON },
      ]);
    });
  });
});
