/**
 * The demo generator: deterministic (same seed -> same bytes), sized by `scale`, and every
 * record it writes is one the source contracts accept.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type TableSpec, recordSchema } from "../../pipelines/shared/contracts/column-spec.js";
import { crmTables } from "../../pipelines/shared/contracts/crm.js";
import { TARGET_METRICS, orderSystemTables } from "../../pipelines/shared/contracts/order-system.js";
import { sellThrough } from "../../pipelines/shared/contracts/partner-files.js";
import { generateCompany } from "../../pipelines/demo-company/generator/company.js";
import { buildManifest } from "../../pipelines/demo-company/generator/manifest.js";
import { pinZipTimestamps } from "../../pipelines/demo-company/delivery/partner-drops.js";
import { writeOrderSystemFiles } from "../../pipelines/demo-company/index.js";
import { tempDir } from "../helpers/temp-dir.js";
import { readAllPartnerDrops, readCsvRecords, readNdjson } from "./helpers.js";

const root = tempDir("demo-generator-");

async function generate(name: string, seed: number, scale: number, plants = true) {
  const dir = join(root, name);
  const result = await generateCompany(
    { seed, scale, plants },
    { orderSystemDir: join(dir, "os"), crmDir: join(dir, "crm"), partnerDropsDir: join(dir, "drops") },
  );
  return { dir, result, manifest: buildManifest(result) };
}

/** Generated once per file and shared: determinism compares it with a rerun, the contract checks read it. */
let shared: ReturnType<typeof generate> | undefined;
const company7 = () => (shared ??= generate("a", 7, 0.25));

function cents(value: unknown): number {
  return Math.round(Number(value) * 100);
}

describe("demo generator: determinism", () => {
  it("gives identical manifests, table hashes and drop files for the same seed, different ones for another seed", async () => {
    const a = await company7();
    const b = await generate("b", 7, 0.25);
    const c = await generate("c", 8, 0.25);
    expect(b.manifest).toEqual(a.manifest);
    // Byte-identical files, including the XLSX workbooks.
    for (const file of readdirSync(join(a.dir, "drops"))) {
      expect(readFileSync(join(b.dir, "drops", file)).equals(readFileSync(join(a.dir, "drops", file))), file).toBe(
        true,
      );
    }
    for (const table of [
      "orders",
      "order_lines",
      "returns",
      "marketing_spend",
      "customers",
      "interactions",
      "leads",
      "sell_through",
      "partner_drop_files",
    ]) {
      expect(c.manifest.content_sha256[table], table).not.toBe(a.manifest.content_sha256[table]);
    }
    expect(c.manifest.row_counts.order_lines).not.toBe(a.manifest.row_counts.order_lines);
  });

  it("writes the same order-system files whether or not the CRM and drops are generated", async () => {
    const full = await generate("full", 11, 0.2);
    const filesOnly = await writeOrderSystemFiles({ dir: join(root, "files-only"), seed: 11, scale: 0.2 });
    for (const spec of orderSystemTables) {
      expect(filesOnly.tables[spec.name]?.sha256, spec.name).toBe(full.manifest.content_sha256[spec.name]);
      expect(filesOnly.tables[spec.name]?.rows, spec.name).toBe(full.manifest.row_counts[spec.name]);
    }
    expect(filesOnly.control_totals.revenue).toEqual(full.manifest.control_totals.revenue);
  });

  it("pins zip entry times so a workbook's bytes depend on its content only", () => {
    // A minimal zip with one stored entry, written at two different "times".
    const make = (time: number, date: number) => {
      const name = Buffer.from("a.txt");
      const data = Buffer.from("hello");
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(time, 10);
      local.writeUInt16LE(date, 12);
      local.writeUInt32LE(data.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(name.length, 26);
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(time, 12);
      central.writeUInt16LE(date, 14);
      central.writeUInt16LE(name.length, 28);
      central.writeUInt32LE(0, 42);
      const cdOffset = local.length + name.length + data.length;
      const eocd = Buffer.alloc(22);
      eocd.writeUInt32LE(0x06054b50, 0);
      eocd.writeUInt16LE(1, 8);
      eocd.writeUInt16LE(1, 10);
      eocd.writeUInt32LE(central.length + name.length, 12);
      eocd.writeUInt32LE(cdOffset, 16);
      return Buffer.concat([local, name, data, central, name, eocd]);
    };
    const when = new Date("2026-01-02T03:04:06Z");
    const first = pinZipTimestamps(make(1, 2), when);
    const second = pinZipTimestamps(make(999, 888), when);
    expect(first.equals(second)).toBe(true);
  });
});

describe("demo generator: scale", () => {
  it("grows order lines linearly with scale, and scale 1 is about 50,000 lines and 3,000 customers", async () => {
    const one = await writeOrderSystemFiles({ dir: join(root, "scale-1"), seed: 42, scale: 1 });
    const two = await writeOrderSystemFiles({ dir: join(root, "scale-2"), seed: 42, scale: 2 });
    const lines1 = one.tables.order_lines!.rows;
    const lines2 = two.tables.order_lines!.rows;
    expect(lines1).toBeGreaterThan(40_000);
    expect(lines1).toBeLessThan(60_000);
    expect(lines2 / lines1).toBeGreaterThan(1.8);
    expect(lines2 / lines1).toBeLessThan(2.2);
  });
});

describe("demo generator: records match the source contracts", () => {
  function validateAll(spec: TableSpec, records: Record<string, unknown>[]): void {
    const schema = recordSchema(spec);
    const failures: string[] = [];
    for (const record of records) {
      const parsed = schema.safeParse(record);
      if (!parsed.success && failures.length < 5) failures.push(`${JSON.stringify(record)}: ${parsed.error.message}`);
    }
    expect(failures, spec.name).toEqual([]);
  }

  it("every order-system, CRM and sell-through record passes the contract's validator, and amounts add up", async () => {
    const { dir, manifest } = await company7();
    const asOfEnd = Date.parse(`${manifest.as_of}T23:59:59Z`);
    const historyStart = Date.parse(`${manifest.history.start}T00:00:00Z`);

    const tables: Record<string, Record<string, unknown>[]> = {};
    for (const spec of orderSystemTables) {
      const records = readCsvRecords(join(dir, "os", `${spec.name}.csv`));
      expect(records.length, spec.name).toBe(manifest.row_counts[spec.name]);
      expect(Object.keys(records[0] ?? {}), spec.name).toEqual(spec.columns.map((c) => c.name));
      validateAll(spec, records);
      tables[spec.name] = records;
    }
    for (const spec of crmTables) {
      const records = readNdjson(join(dir, "crm", `${spec.name}.ndjson`));
      expect(records.length, spec.name).toBe(manifest.row_counts[spec.name]);
      for (const r of records.slice(0, 50)) expect(Object.keys(r), spec.name).toEqual(spec.columns.map((c) => c.name));
      validateAll(spec, records);
      tables[spec.name] = records;
    }
    const drops = await readAllPartnerDrops(join(dir, "drops"));
    const sellThroughRecords = drops.flatMap((d) => d.records);
    expect(sellThroughRecords.length).toBe(manifest.row_counts.sell_through);
    validateAll(sellThrough, sellThroughRecords);
    // All three delivery shapes are there.
    const shapes = new Set(drops.map((d) => `${d.file.endsWith(".xlsx") ? "xlsx" : "csv"}:${d.headers[0]}`));
    expect([...shapes].sort()).toEqual(["csv:partner_id", "csv:经销商编码", "xlsx:partner_id", "xlsx:经销商编码"]);
    for (const d of drops) expect(d.file).toMatch(/^sell_through_PA\d{4}_\d{4}-\d{2}\.(csv|xlsx)$/);

    // line_amount = quantity * unit_price - discount_amount, to the cent; sell-through amount = quantity * unit_price.
    for (const l of tables.order_lines!) {
      expect(cents(l.line_amount)).toBe(Number(l.quantity) * cents(l.unit_price) - cents(l.discount_amount));
      expect(Number(l.quantity)).toBeGreaterThan(0);
    }
    for (const s of sellThroughRecords) expect(cents(s.amount)).toBe(Number(s.quantity) * cents(s.unit_price));

    // Nothing after the as-of date, nothing timestamped before the history for transactions.
    const timestamps: [string, string][] = [
      ["orders", "ordered_at"],
      ["orders", "updated_at"],
      ["returns", "returned_at"],
      ["interactions", "occurred_at"],
      ["tickets", "opened_at"],
      ["surveys", "answered_at"],
      ["customers", "updated_at"],
      ["leads", "updated_at"],
    ];
    for (const [table, column] of timestamps) {
      for (const r of tables[table]!) {
        const ms = Date.parse(String(r[column]).replace(" ", "T") + (String(r[column]).endsWith("Z") ? "" : "Z"));
        expect(ms, `${table}.${column}`).toBeLessThanOrEqual(asOfEnd);
        if (column === "ordered_at") expect(ms).toBeGreaterThanOrEqual(historyStart);
      }
    }

    // Keys are unique and references resolve.
    const ids = (table: string, column: string) => new Set(tables[table]!.map((r) => r[column]));
    for (const spec of [...orderSystemTables, ...crmTables]) {
      const keys = tables[spec.name]!.map((r) => spec.primaryKey.map((k) => r[k]).join("|"));
      expect(new Set(keys).size, spec.name).toBe(keys.length);
    }
    const saleKeys = sellThroughRecords.map((r) => `${r.partner_id}|${r.sale_id}`);
    expect(new Set(saleKeys).size).toBe(saleKeys.length);
    const orderIds = ids("orders", "order_id");
    const lineIds = ids("order_lines", "order_line_id");
    const customerIds = ids("customers", "customer_id");
    const partnerIds = ids("partners", "partner_id");
    const skus = ids("products", "sku");
    for (const l of tables.order_lines!) expect(orderIds.has(l.order_id)).toBe(true);
    for (const r of tables.returns!) expect(lineIds.has(r.order_line_id)).toBe(true);
    for (const o of tables.orders!) {
      if (o.customer_id !== null) expect(customerIds.has(o.customer_id)).toBe(true);
      if (o.partner_id !== null) expect(partnerIds.has(o.partner_id)).toBe(true);
      // Sell-in (partner) orders have no customer; every other order has one and no partner.
      expect(o.partner_id === null).toBe(o.customer_id !== null);
    }
    for (const s of sellThroughRecords) {
      expect(partnerIds.has(s.partner_id)).toBe(true);
      expect(skus.has(s.sku)).toBe(true);
      if (s.customer_id !== null) expect(customerIds.has(s.customer_id)).toBe(true);
    }
    for (const l of tables.leads!)
      if (l.converted_customer_id !== null) expect(customerIds.has(l.converted_customer_id)).toBe(true);
    const withCustomer = sellThroughRecords.filter((s) => s.customer_id !== null).length;
    expect(withCustomer).toBeGreaterThan(0);
    expect(withCustomer).toBeLessThan(sellThroughRecords.length);

    // A SMART goal for every metric the plan names, company-wide and for narrower scopes.
    expect(new Set(tables.targets!.map((t) => t.metric))).toEqual(new Set(TARGET_METRICS));
    expect(new Set(tables.targets!.map((t) => t.scope_type))).toEqual(
      new Set(["company", "channel_type", "channel", "region"]),
    );

    // Surveys stay on their scales.
    for (const s of tables.surveys!) {
      expect(Number(s.satisfaction_score)).toBeGreaterThanOrEqual(1);
      expect(Number(s.satisfaction_score)).toBeLessThanOrEqual(5);
      expect(Number(s.nps_score)).toBeGreaterThanOrEqual(0);
      expect(Number(s.nps_score)).toBeLessThanOrEqual(10);
    }
  });
});
