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

/** content_sha256 of seed 7, scale 0.25, plants on, as generator version 1 wrote it (before touches). */
const VERSION_1_HASHES_SEED_7_SCALE_025: Record<string, string> = {
  regions: "1a25fb8d9f226ff7f537749476e121c568f5c6e8a8694e821121b106e87d74a8",
  channels: "a04d51066c0a03430bc880a24a885ae5861dbdf883668463abb19a628aa33df0",
  partners: "09d1cfbe5913ec266e462c254356c3a412f5124a88433182bc4a4c1bfd6fa5b5",
  partner_territories: "9b17b01834677494a63dcab0291cec3dd46d6f97343da62cee5415bd0bd72a3f",
  products: "f168450a98572958765d8c330fe7abf1adf6886718eddd59e335efc8244b7c8a",
  price_list: "3acc9ed086a96d08f996580607cf760e11252076ec870dae4293749b0f073030",
  rebate_policies: "f26ce86a87779b23b80be89dc48acc982363bbe0ef0a445fdc5c6683ab07f858",
  orders: "51920b521bddaa232c47278960668b819e044cc8474afec691380fbe95fd5dc6",
  order_lines: "91e99ab062e069b84ad973df49ae7ced4a4ee42bc450b4c4945a89d4caf6ab25",
  returns: "157110ae6da06f5a2f39f90476210a60b7e8a5616fd47f236be9a43bad62410e",
  marketing_spend: "41d486ec181f64305c5fb1f4c17b652b94b17a91a518d62479639b01d41e8021",
  targets: "247b493731a03c0c3adae7683e2b22d0c57710ec53eba61ee048b341b328c23c",
  customers: "7559e44cae14d0747f48ebb5877107a374df82b9133d655583ba35bb2b9f4184",
  interactions: "336765c17ca501b9e9caa90d857edc1fe7b676f4268b270e118b3404122905ca",
  tickets: "111850ae604224313c613c85940194e48e59bdd5f8e2d629d3e25ef33b6f4752",
  surveys: "2599049320ac51f4d46dd96c88008214b91a38952710f08340714c9b7103bf9e",
  leads: "6f7ea0141268f01fa1dd034145e60aa99eacd7ed534719238b9ff8e44d7e3ce9",
  sell_through: "32ba218c5ecbdf1775726b16352c8adcf8c39f6d9fcd13c710c5a06173b2dea6",
};

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
      "touches",
      "sell_through",
      "partner_drop_files",
    ]) {
      expect(c.manifest.content_sha256[table], table).not.toBe(a.manifest.content_sha256[table]);
    }
    expect(c.manifest.row_counts.order_lines).not.toBe(a.manifest.row_counts.order_lines);
  });

  it("keeps every entity but the touches (version 2), channels (version 3) and products (version 4) byte-identical to the data of generator version 1", async () => {
    // Touches came with version 2 on random streams of their own: nothing else moved. Version 3 added the channels'
    // Chinese names (channel_name_zh), so the channels' hash is version 3's; version 4 the products' (product_name_zh),
    // so the products' hash is version 4's. Update these hashes only with a
    // change meant to alter the data (and bump GENERATOR_VERSION with it). XLSX bytes (partner_drop_files) depend on
    // exceljs and are left out; the drops' rows are in sell_through.
    const { manifest } = await company7();
    const { touches: _touches, partner_drop_files: _files, ...hashes } = manifest.content_sha256;
    expect(hashes).toEqual(VERSION_1_HASHES_SEED_7_SCALE_025);
    expect(manifest.row_counts.touches).toBeGreaterThan(0);
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

describe("demo generator: marketing touches", () => {
  const msOf = (text: unknown) => {
    const t = String(text);
    return Date.parse(t.includes("T") ? t : `${t.replace(" ", "T")}Z`);
  };

  it("journeys precede first orders on online channels launched by then; visitors are stitched by the customer id on some of their touches", async () => {
    const { dir, result, manifest } = await company7();
    const generator = result.crm!.generator.touches;
    const asOfEnd = Date.parse(`${manifest.as_of}T23:59:59Z`);
    const historyStart = Date.parse(`${manifest.history.start}T00:00:00Z`);
    const touches = readNdjson(join(dir, "crm", "touches.ndjson"));
    const channels = new Map(readCsvRecords(join(dir, "os", "channels.csv")).map((c) => [c.channel_id, c]));
    const customers = readNdjson(join(dir, "crm", "customers.ndjson"));
    const orders = readCsvRecords(join(dir, "os", "orders.csv"));

    // Every touch: a known online channel, launched by the touch; nothing after the as-of date; a device-like visitor.
    for (const t of touches) {
      const channel = channels.get(t.channel_id);
      expect(channel, String(t.channel_id)).toBeDefined();
      expect(channel!.is_online, String(t.channel_id)).toBe("true");
      expect(String(t.occurred_at).slice(0, 10) >= String(channel!.launched_on), String(t.touch_id)).toBe(true);
      expect(msOf(t.occurred_at)).toBeLessThanOrEqual(asOfEnd);
      expect(msOf(t.updated_at)).toBeGreaterThanOrEqual(msOf(t.occurred_at));
      expect(t.visitor_id).toMatch(/^V\d{10}$/);
    }

    // A visitor names at most one customer; stitching gives each visitor's touches to it.
    const customerOfVisitor = new Map<string, string>();
    for (const t of touches) {
      if (t.customer_id === null) continue;
      const known = customerOfVisitor.get(String(t.visitor_id));
      expect(known === undefined || known === t.customer_id, String(t.visitor_id)).toBe(true);
      customerOfVisitor.set(String(t.visitor_id), String(t.customer_id));
    }
    const byCustomer = new Map<string, Record<string, unknown>[]>();
    const prospects = new Map<string, number>();
    for (const t of touches) {
      const customer = customerOfVisitor.get(String(t.visitor_id));
      if (customer === undefined) prospects.set(String(t.visitor_id), (prospects.get(String(t.visitor_id)) ?? 0) + 1);
      else byCustomer.set(customer, [...(byCustomer.get(customer) ?? []), t]);
    }

    // First orders (any status) and the month of the first completed order, per customer.
    const firstOrder = new Map<string, { ms: number; channel: string }>();
    const firstCompleted = new Map<string, string>();
    for (const o of orders) {
      if (o.customer_id === null) continue;
      const id = String(o.customer_id);
      const ms = msOf(o.ordered_at);
      if (!firstOrder.has(id) || ms < firstOrder.get(id)!.ms) firstOrder.set(id, { ms, channel: String(o.channel_id) });
      const month = String(o.ordered_at).slice(0, 7);
      if (o.status === "completed" && (!firstCompleted.has(id) || month < firstCompleted.get(id)!))
        firstCompleted.set(id, month);
    }

    let journeys = 0;
    let anonymousTouchesOfCustomers = 0;
    for (const c of customers) {
      const id = String(c.customer_id);
      const own = byCustomer.get(id) ?? [];
      anonymousTouchesOfCustomers += own.filter((t) => t.customer_id === null).length;
      const first = firstOrder.get(id);
      const converting = msOf(c.created_at) >= historyStart && first !== undefined;
      const before = first ? own.filter((t) => msOf(t.occurred_at) < first.ms) : own;
      const after = first ? own.filter((t) => msOf(t.occurred_at) >= first.ms) : [];
      if (converting) {
        // 0-5 touches, within 60 days before the first order.
        expect(before.length, id).toBeLessThanOrEqual(5);
        for (const t of before) expect(first!.ms - msOf(t.occurred_at), id).toBeLessThanOrEqual(60 * 86_400_000);
        if (before.length > 0) journeys++;
      } else {
        // Customers from before the history (or buying only through partners) have no journey into the history.
        expect(before.length, id).toBe(0);
      }
      // Later touches are retargeting, in months after the first completed order: never a late acquisition touch.
      for (const t of after)
        expect(String(t.occurred_at).slice(0, 7) > (firstCompleted.get(id) ?? "9999"), id).toBe(true);
    }
    // Every converting journey names its customer on at least one touch (else it could not be stitched), not all.
    expect(journeys).toBe(generator.stats.journeysWithTouches);
    expect(anonymousTouchesOfCustomers).toBeGreaterThan(0);
    expect(journeys).toBeGreaterThan(0.45 * generator.stats.convertingCustomers);

    // The generator's own journeys all end before the first order they lead to.
    const c = result.customers;
    for (let i = 0; i < c.count; i++) {
      const journey = generator.journey(i);
      if (journey === null) continue;
      const first = firstOrder.get(`C${String(i + 1).padStart(7, "0")}`)!;
      expect(first.ms).toBe(c.createdMs[i]);
      for (const t of journey) expect(t.ms).toBeLessThan(first.ms);
    }

    // Non-converting visitors: about as many as converting people with touches, 1-4 touches each.
    expect(prospects.size).toBe(generator.stats.prospects);
    for (const n of prospects.values()) {
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(4);
    }
    expect(prospects.size / journeys).toBeGreaterThan(0.7);
    expect(prospects.size / journeys).toBeLessThan(1.4);
    // Modest volume: a few touches per new customer.
    expect(touches.length / generator.stats.convertingCustomers).toBeGreaterThan(2);
    expect(touches.length / generator.stats.convertingCustomers).toBeLessThan(4.5);
    const types = new Set(touches.map((t) => t.touch_type));
    expect([...types].sort()).toEqual(["click", "enquiry", "impression", "visit"]);
  });
});
