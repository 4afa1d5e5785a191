/**
 * Fuzz: hundreds of generated bad inputs (wrong types, wrong encodings, truncated files, duplicated
 * keys, missing columns, huge fields) through both loaders. Whatever comes in, nothing is lost —
 * every row read is loaded or quarantined — and every quarantined row says where and why.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { customers } from "../../pipelines/contracts/crm.js";
import {
  sellThrough,
  sellThroughHeaderAliases,
  sellThroughReplaceScope,
} from "../../pipelines/contracts/partner-files.js";
import { loadFileStream } from "../../pipelines/load/file-loader.js";
import { loadRecordStream } from "../../pipelines/load/record-loader.js";
import { queryRows, withDatabase } from "../../pipelines/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/warehouse/meta-schema.js";
import { tempDir } from "../helpers/temp-dir.js";

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEADER = sellThrough.columns.map((c) => c.name);
const MUTATIONS = [
  "wrong_type",
  "gbk",
  "truncated",
  "duplicate_key",
  "missing_column",
  "huge_field",
  "renamed_header",
  "extra_fields",
  "blank_lines",
  "bad_enum_date",
] as const;

/** One bad file for partner `p`: returns its bytes and how many data lines it holds. */
function badFile(
  random: () => number,
  p: number,
  mutation: (typeof MUTATIONS)[number],
): { bytes: Buffer; dataLines: number } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  let header = [...HEADER];
  if (mutation === "missing_column")
    header = header.filter((h) => h !== pick(["sale_date", "amount", "sku", "customer_id"]));
  if (mutation === "renamed_header")
    header = header.map((h) => (h === "quantity" ? "数量" : h === "sale_date" ? "销售日期" : h));
  const rows: string[][] = [];
  const n = 1 + Math.floor(random() * 12);
  for (let i = 0; i < n; i++) {
    const values: Record<string, string> = {
      partner_id: `P${p}`,
      sale_id: `S${i}`,
      sale_date: `2026-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`,
      sku: `SKU-${Math.floor(random() * 9)}`,
      quantity: String(1 + Math.floor(random() * 5)),
      unit_price: (random() * 100).toFixed(2),
      amount: (random() * 500).toFixed(2),
      ship_to_region_id: pick(["CN-SH", "CN-BJ", "CN-GD"]),
      customer_id: random() < 0.5 ? "" : `C${Math.floor(random() * 100)}`,
      数量: String(1 + Math.floor(random() * 5)),
      销售日期: "2026-02-02",
    };
    if (mutation === "wrong_type" && random() < 0.6)
      values[pick(["quantity", "unit_price", "sale_date"])] = pick(["abc", "1,5", "12.345", "", "2026-13-40", "∞"]);
    if (mutation === "duplicate_key" && i > 0 && random() < 0.5) values["sale_id"] = "S0";
    if (mutation === "huge_field" && random() < 0.5)
      values[pick(["sku", "customer_id", "ship_to_region_id"])] = "x".repeat(50_000 + Math.floor(random() * 200_000));
    if (mutation === "bad_enum_date") values["sale_date"] = pick(["yesterday", "2026/02/30", "31-01-2026"]);
    const row = header.map((h) => values[h] ?? "");
    if (mutation === "extra_fields" && random() < 0.5) row.push("surprise", "more");
    rows.push(row);
  }
  const lines = [header.join(","), ...rows.map((r) => r.join(","))];
  let dataLines = rows.length;
  if (mutation === "blank_lines") {
    // An empty line is no data; a line of spaces is a line the loader must account for (it is quarantined).
    lines.splice(1 + Math.floor(random() * rows.length), 0, "", "  ");
    dataLines += 1;
  }
  let text = lines.join("\n") + "\n";
  if (mutation === "truncated") {
    // Cut inside the last data line: the partial line is still a line the loader must account for.
    const lastStart = text.lastIndexOf("\n", text.length - 2) + 1;
    text = text.slice(0, lastStart + 1 + Math.floor(random() * (text.length - lastStart - 2)));
  }
  const bytes = mutation === "gbk" ? iconv.encode(text.replace("P", "经销商P"), "gbk") : Buffer.from(text, "utf8");
  return { bytes, dataLines };
}

describe("fuzz: bad inputs never vanish", () => {
  const dir = tempDir();

  it("200 generated bad partner files: every data line is loaded or quarantined with a reason and a location", async () => {
    const random = prng(20261127);
    const files: string[] = [];
    const expectedLines = new Map<string, number>();
    for (let p = 0; p < 200; p++) {
      const mutation = MUTATIONS[p % MUTATIONS.length]!;
      const { bytes, dataLines } = badFile(random, p, mutation);
      const name = `fuzz_${String(p).padStart(3, "0")}_${mutation}.csv`;
      writeFileSync(join(dir, name), bytes);
      files.push(join(dir, name));
      expectedLines.set(name, dataLines);
    }
    await withDatabase(join(dir, "raw.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "fuzz", {
        source: "partner_files",
        table: sellThrough,
        files,
        headerAliases: sellThroughHeaderAliases,
        replaceScope: sellThroughReplaceScope,
      });
      const perFile = await queryRows<{
        file_name: string;
        rows_read: number;
        rows_loaded: number;
        rows_rejected: number;
      }>(c, "select file_name, rows_read, rows_loaded, rows_rejected from meta.file_loads");
      expect(perFile).toHaveLength(200);
      for (const f of perFile) {
        expect(f.rows_read, f.file_name).toBe(expectedLines.get(f.file_name));
        expect(f.rows_loaded + f.rows_rejected, f.file_name).toBe(f.rows_read);
      }
      const total = [...expectedLines.values()].reduce((a, b) => a + b, 0);
      expect(result.read).toBe(total);
      expect(result.loaded + result.rejected).toBe(total);
      const [raw] = await queryRows<{ n: number }>(c, "select count(*) as n from partner_files.sell_through");
      expect(raw?.n).toBe(result.loaded);
      const [quarantine] = await queryRows<{ n: number; without_reason: number; without_location: number }>(
        c,
        `select count(*) as n, count(*) filter (where coalesce(reason, '') = '') as without_reason,
                count(*) filter (where location not similar to 'fuzz_[0-9]{3}_[a-z_]+\\.csv line [0-9]+') as without_location
         from meta.quarantine`,
      );
      expect(quarantine).toEqual({ n: result.rejected, without_reason: 0, without_location: 0 });
      // Every kind of damage was actually exercised.
      const reasons = (await queryRows<{ reason: string }>(c, "select distinct reason from meta.quarantine"))
        .map((r) => r.reason)
        .join("\n");
      for (const expected of [
        /not a integer|not a money|not a date/,
        /column missing from file/,
        /duplicate key/,
        /unreadable CSV line/,
      ]) {
        expect(reasons).toMatch(expected);
      }
    });
  });

  it("200 generated bad CRM records: every record is loaded or quarantined with its payload and reason", async () => {
    const random = prng(7);
    const good = () => ({
      customer_id: `C${Math.floor(random() * 1e9)}`,
      customer_type: "consumer",
      name: "测试",
      email: null,
      phone: null,
      address: null,
      region_id: "CN-SH",
      industry: null,
      age_band: "25-34",
      acquisition_channel_id: null,
      referred_by_customer_id: null,
      created_at: "2025-01-01T00:00:00Z",
      updated_at: "2025-01-01T00:00:00Z",
    });
    const breakers: Array<(r: Record<string, unknown>) => unknown> = [
      (r) => ({ ...r, customer_type: 42 }),
      (r) => ({ ...r, created_at: "not a date" }),
      (r) => ({ ...r, age_band: "200+" }),
      (r) => ({ ...r, unexpected: true }),
      (r) => ({ ...r, customer_id: undefined }),
      (r) => ({ ...r, name: "x".repeat(100_000) }), // huge but valid: loaded
      () => null,
      () => "a string",
      () => [1, 2, 3],
      (r) => ({ ...r, updated_at: 1_700_000_000 }),
    ];
    const records = Array.from({ length: 200 }, (_, i) => breakers[i % breakers.length]!(good()));
    await withDatabase(join(dir, "raw-crm.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadRecordStream(c, "fuzz", {
        source: "crm",
        table: customers,
        mode: "full",
        async *read() {
          for (let i = 0; i < records.length; i += 37) {
            yield { records: records.slice(i, i + 37).map((record, j) => ({ record, location: `item ${i + j + 1}` })) };
          }
        },
      });
      expect(result.read).toBe(200);
      expect(result.loaded).toBe(20); // only the huge-but-valid ones
      expect(result.rejected).toBe(180);
      const [q] = await queryRows<{ n: number; empty: number }>(
        c,
        "select count(*) as n, count(*) filter (where reason = '' or payload is null) as empty from meta.quarantine",
      );
      expect(q).toEqual({ n: 180, empty: 0 });
    });
  });
});
