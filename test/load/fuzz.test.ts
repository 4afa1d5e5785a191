/**
 * Fuzz: hundreds of generated bad inputs (wrong types, wrong encodings, undecodable bytes, truncated
 * CSV and XLSX files, duplicated keys, missing columns, huge fields) through both loaders. Whatever
 * comes in, nothing is lost — every row read is loaded or quarantined, or the whole file is rejected
 * as one record — and every quarantined record says where and why.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { customers } from "../../pipelines/shared/contracts/crm.js";
import {
  sellThrough,
  sellThroughFileScope,
  sellThroughHeaderAliases,
} from "../../pipelines/shared/contracts/partner-files.js";
import { loadFileStream } from "../../pipelines/load/file-loader.js";
import { loadRecordStream } from "../../pipelines/load/record-loader.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
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
  "undecodable",
  "utf16",
  "latin1",
  "truncated_xlsx",
  "mixed_newlines",
] as const;
type Mutation = (typeof MUTATIONS)[number];
/** Damage no file survives: the loader must reject the whole file, with a reason. */
const ALWAYS_WHOLE_FILE: ReadonlySet<Mutation> = new Set(["undecodable", "truncated_xlsx"]);
/**
 * Damage the loader may or may not be able to tell: Latin-1 text is also valid GB18030 when every
 * accented letter is followed by another letter (Zürich), and is rejected when one is followed by
 * punctuation (José,). Either way nothing may be lost.
 */
const MAYBE_WHOLE_FILE: ReadonlySet<Mutation> = new Set(["latin1"]);

/** One bad file for partner `p`: returns its bytes, its extension and how many data lines it holds. */
async function badFile(
  random: () => number,
  p: number,
  mutation: Mutation,
): Promise<{ bytes: Buffer; extension: "csv" | "xlsx"; dataLines: number }> {
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
      customer_id:
        mutation === "latin1"
          ? pick(["José", "Zürich", "Müller", "Ångström", "café", "Noël"])
          : random() < 0.5
            ? ""
            : `C${Math.floor(random() * 100)}`,
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
  if (mutation === "mixed_newlines") {
    // Some lines end CRLF, some CR alone (rows added in another editor): each is still one line.
    let seen = 0;
    text = text.replace(/\n/g, () => (seen++ === 0 ? "\n" : pick(["\n", "\r\n", "\r"])));
  }
  if (mutation === "undecodable") {
    // Random bytes: no line structure at all.
    const bytes = Buffer.alloc(64 + Math.floor(random() * 4000));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    return { bytes, extension: "csv", dataLines: 0 };
  }
  if (mutation === "truncated_xlsx") {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("sales");
    sheet.addRow(header);
    for (const row of rows) sheet.addRow(row);
    const whole = Buffer.from(await workbook.xlsx.writeBuffer());
    return { bytes: whole.subarray(0, Math.floor(random() * whole.length)), extension: "xlsx", dataLines: 0 };
  }
  let bytes: Buffer;
  if (mutation === "gbk") bytes = iconv.encode(text.replace("P", "经销商P"), "gbk");
  else if (mutation === "latin1") bytes = iconv.encode(text, "latin1");
  else if (mutation === "utf16") {
    // Little- or big-endian, with or without a byte-order mark.
    const encoding = pick(["utf16le", "utf16be"] as const);
    const body = iconv.encode(text, encoding);
    bytes =
      random() < 0.5
        ? body
        : Buffer.concat([encoding === "utf16le" ? Buffer.from([0xff, 0xfe]) : Buffer.from([0xfe, 0xff]), body]);
  } else bytes = Buffer.from(text, "utf8");
  return { bytes, extension: "csv", dataLines };
}

describe("fuzz: bad inputs never vanish", () => {
  const dir = tempDir();

  it("200 generated bad partner files: every data line is loaded or quarantined, or the file is rejected whole, with a reason and a location", async () => {
    const random = prng(20261127);
    const files: string[] = [];
    const expectedLines = new Map<string, number>();
    const mutations = new Map<string, Mutation>();
    for (let p = 0; p < 200; p++) {
      const mutation = MUTATIONS[p % MUTATIONS.length]!;
      const { bytes, extension, dataLines } = await badFile(random, p, mutation);
      const name = `fuzz_${String(p).padStart(3, "0")}_${mutation}.${extension}`;
      writeFileSync(join(dir, name), bytes);
      files.push(join(dir, name));
      expectedLines.set(name, dataLines);
      mutations.set(name, mutation);
    }
    await withDatabase(join(dir, "raw.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "fuzz", {
        source: "partner_files",
        table: sellThrough,
        files,
        headerAliases: sellThroughHeaderAliases,
        fileNameScope: sellThroughFileScope,
      });
      const perFile = await queryRows<{
        file_name: string;
        rows_read: number;
        rows_loaded: number;
        rows_rejected: number;
        rejected_reason: string | null;
      }>(c, "select file_name, rows_read, rows_loaded, rows_rejected, rejected_reason from meta.file_loads");
      expect(perFile).toHaveLength(200);
      const wholeFileRejects = await queryRows<{ location: string; reason: string }>(
        c,
        "select location, reason from meta.quarantine where location not like '% line %'",
      );
      const wholeFileReason = new Map(wholeFileRejects.map((q) => [q.location, q.reason]));
      expect(wholeFileReason.size).toBe(wholeFileRejects.length); // one record per file
      let total = 0;
      const rejectedWhole = new Set<Mutation>();
      for (const f of perFile) {
        const mutation = mutations.get(f.file_name)!;
        if (f.rejected_reason !== null) {
          // The whole file is one record read and rejected, quarantined with its reason.
          expect(ALWAYS_WHOLE_FILE.has(mutation) || MAYBE_WHOLE_FILE.has(mutation), f.file_name).toBe(true);
          expect(f, f.file_name).toMatchObject({ rows_read: 1, rows_loaded: 0, rows_rejected: 1 });
          expect(wholeFileReason.get(f.file_name), f.file_name).toBe(f.rejected_reason);
          expect(f.rejected_reason, f.file_name).toMatch(/: (save it|re-export it)/);
          rejectedWhole.add(mutation);
          total += 1;
        } else {
          expect(ALWAYS_WHOLE_FILE.has(mutation), f.file_name).toBe(false);
          expect(wholeFileReason.has(f.file_name), f.file_name).toBe(false);
          expect(f.rows_read, f.file_name).toBe(expectedLines.get(f.file_name));
          total += f.rows_read;
        }
        expect(f.rows_loaded + f.rows_rejected, f.file_name).toBe(f.rows_read);
      }
      // Whole-file damage was exercised, including Latin-1 the loader could tell from GB18030.
      expect([...rejectedWhole].sort()).toEqual(["latin1", "truncated_xlsx", "undecodable"]);
      expect(result.read).toBe(total);
      expect(result.loaded + result.rejected).toBe(total);
      const [raw] = await queryRows<{ n: number }>(c, "select count(*) as n from partner_files.sell_through");
      expect(raw?.n).toBe(result.loaded);
      const [quarantine] = await queryRows<{ n: number; without_reason: number; without_location: number }>(
        c,
        `select count(*) as n, count(*) filter (where coalesce(reason, '') = '') as without_reason,
                count(*) filter (where location not similar to 'fuzz_[0-9]{3}_[a-z0-9_]+\\.(csv line [0-9]+|csv|xlsx)') as without_location
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
        /not a readable XLSX workbook/,
        /not a text file in a supported encoding/,
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
