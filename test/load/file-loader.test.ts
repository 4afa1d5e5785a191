import { writeFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import iconv from "iconv-lite";
import {
  sellThrough,
  sellThroughFileScope,
  sellThroughHeaderAliases,
} from "../../pipelines/shared/contracts/partner-files.js";
import { loadFileStream } from "../../pipelines/load/file-loader.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { tempDir } from "../helpers/temp-dir.js";

describe("file loader", () => {
  const dir = tempDir();

  it("loads CSV (canonical and Chinese headers) and XLSX, quarantining bad and unreadable lines with file and line", async () => {
    const canonical = join(dir, "sell_through_P001_2026-01.csv");
    writeFileSync(
      canonical,
      [
        "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id",
        "P001,S1,2026-01-05,SKU-1,2,10.00,20.00,CN-31,",
        "P001,S2,2026-01-06,SKU-2,x,10.00,20.00,CN-31,C9", // bad quantity
        "P001,S3,2026-01-07,SKU-1,1,5.00,5.00,CN-31,C1,extra,fields", // unreadable: too many fields
        "P001,S4,,SKU-1,1,5.00,5.00,CN-32,", // missing date
        "P001,S5,2026-01-08,SKU-3,3,1.50,4.50,CN-32,C2",
      ].join("\n") + "\n",
    );
    const chinese = join(dir, "sell_through_P002_2026-01.csv");
    writeFileSync(
      chinese,
      "经销商编码,销售单号,销售日期,商品编码,数量,单价,金额,收货地区,客户编号\nP002,T1,2026-01-09,SKU-1,1,9.99,9.99,CN-44,\n",
    );
    const xlsx = join(dir, "sell_through_P003_2026-01.xlsx");
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("sales");
    sheet.addRow([
      "partner_id",
      "sale_id",
      "sale_date",
      "sku",
      "quantity",
      "unit_price",
      "amount",
      "ship_to_region_id",
      "customer_id",
    ]);
    sheet.addRow(["P003", "X1", "2026-01-10", "SKU-2", 4, 2.5, 10, "CN-11", "C3"]);
    sheet.addRow(["P003", "X2", "2026-01-11", "SKU-2", -1, "abc", 10, "CN-11", null]);
    await workbook.xlsx.writeFile(xlsx);

    await withDatabase(join(dir, "raw.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", {
        source: "partner_files",
        table: sellThrough,
        files: [canonical, chinese, xlsx],
        headerAliases: sellThroughHeaderAliases,
      });
      expect(result).toMatchObject({ read: 8, loaded: 4, rejected: 4 });
      const loaded = await queryRows<{ sale_id: string; amount: number; _source_location: string }>(
        c,
        "select sale_id, amount::double as amount, _source_location from partner_files.sell_through order by sale_id",
      );
      expect(loaded.map((r) => r.sale_id)).toEqual(["S1", "S5", "T1", "X1"]);
      expect(loaded.find((r) => r.sale_id === "S5")?._source_location).toBe("sell_through_P001_2026-01.csv line 6");
      const quarantine = await queryRows<{ location: string; reason: string; payload: string }>(
        c,
        "select location, reason, payload from meta.quarantine order by location",
      );
      expect(quarantine.map((q) => q.location)).toEqual([
        "sell_through_P001_2026-01.csv line 3",
        "sell_through_P001_2026-01.csv line 4",
        "sell_through_P001_2026-01.csv line 5",
        "sell_through_P003_2026-01.xlsx line 3",
      ]);
      expect(quarantine[0]!.reason).toMatch(/quantity: not a integer/);
      expect(quarantine[1]!.reason).toMatch(/unreadable CSV line/);
      expect(quarantine[1]!.payload).toContain("extra,fields");
      expect(quarantine[2]!.reason).toMatch(/sale_date: required/);
      expect(quarantine[3]!.reason).toMatch(/unit_price: not a price/);
    });
  });

  it("reports schema drift: a missing column quarantines every row with the reason, unknown columns are named", async () => {
    const drifted = join(dir, "sell_through_P004_2026-02.csv");
    writeFileSync(
      drifted,
      "partner_id,sale_id,sale_date,sku,quantity,unit_price,ship_to_region_id,remark\nP004,D1,2026-02-01,SKU-1,1,5.00,CN-31,hello\n",
    );
    await withDatabase(join(dir, "raw-drift.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", {
        source: "partner_files",
        table: sellThrough,
        files: [drifted],
      });
      expect(result).toMatchObject({ read: 1, loaded: 0, rejected: 1 });
      expect(result.drift).toEqual([
        {
          file: "sell_through_P004_2026-02.csv",
          unknownColumns: ["remark"],
          missingColumns: ["amount", "customer_id"],
        },
      ]);
      const [q] = await queryRows<{ reason: string }>(c, "select reason from meta.quarantine");
      expect(q?.reason).toBe("amount: column missing from file");
      // Kept with the file's load record, so an operator can find it after the run output is gone.
      const stored = await queryRows<{ file_name: string; schema_drift: string | null }>(
        c,
        "select file_name, schema_drift from meta.file_loads",
      );
      expect(stored).toEqual([
        {
          file_name: "sell_through_P004_2026-02.csv",
          schema_drift: "unknown column(s) remark (not loaded); missing column(s) amount, customer_id",
        },
      ]);
    });
  });

  it("header names cannot break the generated SQL: names differing only in case, blank and repeated names", async () => {
    const file = join(dir, "sell_through_P005_2026-02.csv");
    writeFileSync(
      file,
      "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id,Remark,remark,,column12\n" +
        "P005,E1,2026-02-01,SKU-1,1,5.00,5.00,CN-31,,a,b,c,d\n",
    );
    await withDatabase(join(dir, "raw-names.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", { source: "partner_files", table: sellThrough, files: [file] });
      expect(result).toMatchObject({ read: 1, loaded: 1, rejected: 0 });
      expect(result.drift[0]?.unknownColumns).toEqual(["Remark", "column11", "column12", "column13"]);
    });
  });

  it("reads a CSV mixing line endings (LF, CRLF, a stray CR) with line numbers as an editor shows them", async () => {
    const file = join(dir, "sell_through_P006_2026-02.csv");
    const header = "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id";
    writeFileSync(
      file,
      `${header}\nP006,M1,2026-02-01,SKU-1,1,5.00,5.00,CN-31,C1\r\n` +
        "P006,M2,2026-02-02,SKU-1,x,5.00,5.00,CN-31,C2\rP006,M3,2026-02-03,SKU-1,1,5.00,5.00,CN-31,C3\n",
    );
    await withDatabase(join(dir, "raw-newlines.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", { source: "partner_files", table: sellThrough, files: [file] });
      expect(result).toMatchObject({ read: 3, loaded: 2, rejected: 1 });
      const [bad] = await queryRows<{ location: string }>(c, "select location from meta.quarantine");
      expect(bad?.location).toBe("sell_through_P006_2026-02.csv line 3");
      const [last] = await queryRows<{ location: string }>(
        c,
        "select _source_location as location from partner_files.sell_through where sale_id = 'M3'",
      );
      expect(last?.location).toBe("sell_through_P006_2026-02.csv line 4");
    });
  });

  it("reads a partner's drops with one header together, yet every row keeps its own file and line, and the later file's row wins a key", async () => {
    const header = "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id";
    const write = (name: string, lines: string[]) => {
      const path = join(dir, name);
      writeFileSync(path, `${lines.join("\n")}\n`);
      return path;
    };
    const january = write("sell_through_P007_2026-01.csv", [
      header,
      "P007,A1,2026-01-05,SKU-1,2,10.00,20.00,CN-31,",
      "P007,A2,2026-01-06,SKU-1,x,10.00,20.00,CN-31,", // line 3: bad quantity
      "", // a blank line: skipped, the lines after it keep their numbers
      "P007,A3,2026-01-07,SKU-1,1,10.00,10.00,CN-31,", // line 5
    ]);
    const february = write("sell_through_P007_2026-02.csv", [
      header,
      "P007,B1,2026-02-01,SKU-1,1,5.00,5.00,CN-31,C1,extra", // line 2: unreadable
      "P007,B2,2026-02-02,SKU-1,1,5.00,5.00,CN-31,", // line 3
      "P007,D1,2026-02-03,SKU-1,1,5.00,5.00,CN-31,", // line 4: the same key comes again in April
    ]);
    const march = join(dir, "sell_through_P007_2026-03.xlsx");
    writeFileSync(
      march,
      await workbookBytes([header.split(","), ["P007", "X1", "2026-03-01", "SKU-2", 1, 2, 2, "CN-31", null]]),
    );
    const april = write("sell_through_P007_2026-04.csv", [
      header,
      "P007,C1,2026-04-01,SKU-1,1,5.00,abc,CN-31,", // line 2: bad amount
      "P007,D1,2026-04-03,SKU-1,3,5.00,15.00,CN-31,", // line 3: wins D1
    ]);
    const may = write("sell_through_P007_2026-05.csv", [
      header,
      "P007,E1,2026-05-01,SKU-1,1,5.00,5.00,CN-31,", // line 2
    ]);
    // Another partner's header in Chinese: read on its own.
    const other = write("sell_through_P008_2026-01.csv", [
      "经销商编码,销售单号,销售日期,商品编码,数量,单价,金额,收货地区,客户编号",
      "P008,F1,2026-01-09,SKU-1,oops,9.99,9.99,CN-44,", // line 2: bad quantity
      "P008,F2,2026-01-10,SKU-1,1,9.99,9.99,CN-44,", // line 3
    ]);
    await withDatabase(join(dir, "raw-runs.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", {
        source: "partner_files",
        table: sellThrough,
        files: [january, february, march, april, may, other],
        headerAliases: sellThroughHeaderAliases,
      });
      expect(result).toMatchObject({ read: 12, loaded: 7, rejected: 5 });
      expect(result.loadedFiles.map((f) => [f.file, f.read, f.rejected])).toEqual([
        ["sell_through_P007_2026-01.csv", 3, 1],
        ["sell_through_P007_2026-02.csv", 3, 2],
        ["sell_through_P007_2026-03.xlsx", 1, 0],
        ["sell_through_P007_2026-04.csv", 2, 1],
        ["sell_through_P007_2026-05.csv", 1, 0],
        ["sell_through_P008_2026-01.csv", 2, 1],
      ]);
      const quarantine = await queryRows<{ location: string; reason: string }>(
        c,
        "select location, reason from meta.quarantine order by location",
      );
      expect(quarantine.map((q) => q.location)).toEqual([
        "sell_through_P007_2026-01.csv line 3",
        "sell_through_P007_2026-02.csv line 2",
        "sell_through_P007_2026-02.csv line 4",
        "sell_through_P007_2026-04.csv line 2",
        "sell_through_P008_2026-01.csv line 2",
      ]);
      expect(quarantine[1]!.reason).toMatch(/^unreadable CSV line/);
      expect(quarantine[2]!.reason).toMatch(/^duplicate key/);
      const loaded = await queryRows<{ sale_id: string; location: string; quantity: number }>(
        c,
        "select sale_id, _source_location as location, quantity from partner_files.sell_through order by sale_id",
      );
      expect(loaded).toEqual([
        { sale_id: "A1", location: "sell_through_P007_2026-01.csv line 2", quantity: 2 },
        { sale_id: "A3", location: "sell_through_P007_2026-01.csv line 5", quantity: 1 },
        { sale_id: "B2", location: "sell_through_P007_2026-02.csv line 3", quantity: 1 },
        { sale_id: "D1", location: "sell_through_P007_2026-04.csv line 3", quantity: 3 },
        { sale_id: "E1", location: "sell_through_P007_2026-05.csv line 2", quantity: 1 },
        { sale_id: "F2", location: "sell_through_P008_2026-01.csv line 3", quantity: 1 },
        { sale_id: "X1", location: "sell_through_P007_2026-03.xlsx line 2", quantity: 1 },
      ]);
    });
  });
});

/** An XLSX workbook of sell-through rows, as bytes. */
async function workbookBytes(rows: unknown[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("sales");
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe("files the loader cannot read are rejected on their own", () => {
  const dir = tempDir();
  const header = "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id";
  const good = (name: string, partner: string) => {
    const path = join(dir, name);
    writeFileSync(path, `${header}\n${partner},S1,2026-01-05,SKU-1,2,10.00,20.00,CN-31,\n`);
    return path;
  };
  const quarantineOf = (c: Parameters<typeof queryRows>[0], runId: string) =>
    queryRows<{ location: string; reason: string; payload: string }>(
      c,
      "select location, reason, payload from meta.quarantine where run_id = $1 order by location",
      [runId],
    );

  it("a truncated or corrupt XLSX is one quarantine record naming the file, not retried; the other files load; a corrected file loads", async () => {
    const rawPath = join(dir, "raw-xlsx.duckdb");
    const rows = [header.split(","), ["P2", "X1", "2026-01-10", "SKU-2", 4, 2.5, 10, "CN-11", "C3"]];
    const workbook = await workbookBytes(rows);
    const truncated = join(dir, "p2-2026-01.xlsx");
    writeFileSync(truncated, workbook.subarray(0, Math.floor(workbook.length / 2)));
    const oldFormat = join(dir, "p3-2026-01.xlsx"); // what an .xls or a password-protected workbook starts with
    writeFileSync(oldFormat, Buffer.concat([Buffer.from("d0cf11e0a1b11ae1", "hex"), Buffer.alloc(512)]));
    const csv = good("p1-2026-01.csv", "P1");
    const stream = (files: string[]) => ({ source: "partner_files", table: sellThrough, files });

    await withDatabase(rawPath, async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", stream([csv, truncated, oldFormat]));
      // A file rejected whole counts as one record read and rejected.
      expect(result).toMatchObject({ read: 3, loaded: 1, rejected: 2 });
      expect(result.loadedFiles).toEqual([
        { file: "p1-2026-01.csv", encoding: "utf-8", read: 1, rejected: 0, superseded: 0 },
        {
          file: "p2-2026-01.xlsx",
          encoding: "xlsx",
          read: 1,
          rejected: 1,
          superseded: 0,
          rejectedReason: expect.any(String),
        },
        {
          file: "p3-2026-01.xlsx",
          encoding: "xlsx",
          read: 1,
          rejected: 1,
          superseded: 0,
          rejectedReason: expect.any(String),
        },
      ]);
      const [row] = await queryRows<{ sale_id: string }>(c, "select sale_id from partner_files.sell_through");
      expect(row?.sale_id).toBe("S1");
      const quarantine = await quarantineOf(c, "run-1");
      expect(quarantine).toEqual([
        {
          location: "p2-2026-01.xlsx",
          reason:
            "not a readable XLSX workbook (corrupted or truncated zip): re-export it from Excel and drop it again",
          payload: expect.any(String),
        },
        {
          location: "p3-2026-01.xlsx",
          reason: expect.stringMatching(/old-format \.xls or a password-protected workbook.*without a password/),
          payload: expect.any(String),
        },
      ]);
      expect(JSON.parse(quarantine[0]!.payload)).toMatchObject({
        size_bytes: Math.floor(workbook.length / 2),
        first_bytes_hex: workbook.subarray(0, 32).toString("hex"),
        error: expect.stringMatching(/central directory/),
      });
      const loads = await queryRows<{
        file_name: string;
        rows_read: number;
        rows_rejected: number;
        rejected_reason: string | null;
      }>(c, "select file_name, rows_read, rows_rejected, rejected_reason from meta.file_loads order by file_name");
      expect(loads).toEqual([
        { file_name: "p1-2026-01.csv", rows_read: 1, rows_rejected: 0, rejected_reason: null },
        { file_name: "p2-2026-01.xlsx", rows_read: 1, rows_rejected: 1, rejected_reason: quarantine[0]!.reason },
        { file_name: "p3-2026-01.xlsx", rows_read: 1, rows_rejected: 1, rejected_reason: quarantine[1]!.reason },
      ]);

      // The next run does not try the same bytes again...
      const again = await loadFileStream(c, "run-2", stream([csv, truncated, oldFormat]));
      expect(again).toMatchObject({ read: 0, skippedFiles: ["p1-2026-01.csv", "p2-2026-01.xlsx", "p3-2026-01.xlsx"] });
      expect(await quarantineOf(c, "run-2")).toEqual([]);

      // ... and the partner's re-exported workbook loads.
      writeFileSync(truncated, workbook);
      const fixed = await loadFileStream(c, "run-3", stream([csv, truncated, oldFormat]));
      expect(fixed).toMatchObject({ read: 1, loaded: 1, rejected: 0 });
      const ids = await queryRows<{ sale_id: string }>(c, "select sale_id from partner_files.sell_through order by 1");
      expect(ids.map((r) => r.sale_id)).toEqual(["S1", "X1"]);
    });
  });

  it("decodes UTF-16 CSVs, little- and big-endian, with or without a byte-order mark", async () => {
    const text = (p: string) =>
      `经销商编码,销售单号,销售日期,商品编码,数量,单价,金额,收货地区,客户编号\r\n${p},U1,2026-03-01,SKU-1,3,9.50,28.50,CN-11,客户一\r\n`;
    const le = (s: string) => Buffer.from(s, "utf16le");
    const be = (s: string) => le(s).swap16();
    const files = [
      ["u1-le-bom.csv", Buffer.concat([Buffer.from([0xff, 0xfe]), le(text("U1"))])],
      ["u2-be-bom.csv", Buffer.concat([Buffer.from([0xfe, 0xff]), be(text("U2"))])],
      ["u3-le.csv", le(text("U3"))],
      ["u4-be.csv", be(text("U4"))],
    ] as const;
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
    await withDatabase(join(dir, "raw-utf16.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", {
        source: "partner_files",
        table: sellThrough,
        files: files.map(([name]) => join(dir, name)),
        headerAliases: sellThroughHeaderAliases,
      });
      expect(result).toMatchObject({ read: 4, loaded: 4, rejected: 0, drift: [] });
      expect(result.loadedFiles.map((f) => f.encoding)).toEqual([
        "utf-16le (BOM)",
        "utf-16be (BOM)",
        "utf-16le",
        "utf-16be",
      ]);
      const rows = await queryRows<{ partner_id: string; quantity: number; customer_id: string; loc: string }>(
        c,
        "select partner_id, quantity, customer_id, _source_location as loc from partner_files.sell_through order by 1",
      );
      expect(rows).toEqual(
        ["U1", "U2", "U3", "U4"].map((p, i) => ({
          partner_id: p,
          quantity: 3,
          customer_id: "客户一",
          loc: `${files[i]![0]} line 2`,
        })),
      );
    });
  });

  it("a CSV valid in no supported encoding (binary, Latin-1, truncated UTF-16, NUL bytes) is rejected on its own with the line and what to do", async () => {
    const random = Buffer.alloc(3000);
    for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + ((i * i) % 251)) & 0xff;
    const latin1 = Buffer.from(`${header}\nL1,S1,2026-01-05,SKU-1,2,10.00,20.00,CN-31,José\n`, "latin1");
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${header}\nT1,S1`, "utf16le")]);
    const files = {
      "binary.csv": random,
      "latin1.csv": latin1,
      "truncated-utf16.csv": utf16.subarray(0, utf16.length - 1),
      "nul-header.csv": Buffer.from(`partner_id,sale\0id\nN1,S1\n`),
      "zeros.csv": Buffer.alloc(4096),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const csv = good("ok-2026-01.csv", "OK");
    await withDatabase(join(dir, "raw-encodings.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", {
        source: "partner_files",
        table: sellThrough,
        files: [...Object.keys(files).map((name) => join(dir, name)), csv],
      });
      expect(result).toMatchObject({ read: 6, loaded: 1, rejected: 5 });
      const quarantine = await quarantineOf(c, "run-1");
      expect(quarantine.map(({ location, reason }) => ({ location, reason }))).toEqual([
        {
          location: "binary.csv",
          reason: expect.stringMatching(
            /^not a text file in a supported encoding: line 1 is neither UTF-8 nor GBK\/GB18030 .*: save it as CSV UTF-8/,
          ),
        },
        { location: "latin1.csv", reason: expect.stringMatching(/^not a text file in a supported encoding: line 2 /) },
        { location: "nul-header.csv", reason: expect.stringMatching(/^the header line holds control characters/) },
        {
          location: "truncated-utf16.csv",
          reason: expect.stringMatching(/^not valid UTF-16LE text \(broken or truncated at line 2\)/),
        },
        { location: "zeros.csv", reason: expect.stringMatching(/^the header line holds control characters/) },
      ]);
      expect(JSON.parse(quarantine[1]!.payload)).toMatchObject({
        bad_line: 2,
        bad_line_text: expect.stringMatching(/^L1,S1,/),
      });
      for (const { payload } of quarantine) expect(payload.length).toBeLessThan(1000);
    });
  });
});

describe("partner drops over several runs", () => {
  const dir = tempDir();
  const header = "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id";
  const stream = (files: string[]) => ({
    source: "partner_files",
    table: sellThrough,
    files,
    headerAliases: sellThroughHeaderAliases,
    fileNameScope: sellThroughFileScope,
  });
  const rawPath = join(dir, "raw.duckdb");
  const load = (runId: string, files: string[]) =>
    withDatabase(rawPath, async (c) => {
      await ensureMetaSchema(c);
      return loadFileStream(c, runId, stream(files));
    });
  const rawRows = () =>
    withDatabase(rawPath, (c) =>
      queryRows<{ partner_id: string; sale_id: string; quantity: number }>(
        c,
        "select partner_id, sale_id, quantity from partner_files.sell_through order by all",
      ),
    );

  it("loads each file once, skips a re-dropped identical file, and lets a corrected file replace the partner's month", async () => {
    const january = join(dir, "sell_through_P1_2026-01.csv");
    writeFileSync(
      january,
      `${header}\nP1,S1,2026-01-05,SKU-1,2,10.00,20.00,CN-31,\nP1,S2,2026-01-06,SKU-1,1,10.00,10.00,CN-31,\n`,
    );
    const other = join(dir, "sell_through_P2_2026-01.csv");
    writeFileSync(other, `${header}\nP2,S1,2026-01-05,SKU-1,5,10.00,50.00,CN-44,\n`);
    expect(await load("run-1", [january, other])).toMatchObject({ read: 3, loaded: 3, rejected: 0, superseded: 0 });

    const again = await load("run-2", [january, other]);
    expect(again).toMatchObject({
      read: 0,
      loaded: 0,
      skippedFiles: ["sell_through_P1_2026-01.csv", "sell_through_P2_2026-01.csv"],
    });

    // The partner sends a corrected January: S2 was wrong and is gone, S1's quantity changed, S3 is new.
    const corrected = join(dir, "sell_through_P1_2026-01_v2.csv");
    writeFileSync(
      corrected,
      `${header}\nP1,S1,2026-01-05,SKU-1,3,10.00,30.00,CN-31,\nP1,S3,2026-01-20,SKU-2,1,8.00,8.00,CN-31,\n`,
    );
    expect(await load("run-3", [january, other, corrected])).toMatchObject({
      read: 2,
      loaded: 2,
      superseded: 2,
      skippedFiles: ["sell_through_P1_2026-01.csv", "sell_through_P2_2026-01.csv"],
      replacements: [
        { file: "sell_through_P1_2026-01_v2.csv", scope: "partner P1, month 2026-01", removed: 2, added: 2 },
      ],
    });
    expect(await rawRows()).toEqual([
      { partner_id: "P1", sale_id: "S1", quantity: 3 },
      { partner_id: "P1", sale_id: "S3", quantity: 1 },
      { partner_id: "P2", sale_id: "S1", quantity: 5 },
    ]);
  });

  it("reads GBK and UTF-8-with-BOM files with Chinese headers; a key twice in one file keeps the later line", async () => {
    const gbk = join(dir, "p3-gbk.csv");
    const text =
      "经销商编码,销售单号,销售日期,商品编码,数量,单价,金额,收货地区,客户编号\r\nP3,G1,2026-02-01,SKU-1,1,9.50,9.50,CN-11,\r\nP3,G1,2026-02-01,SKU-1,4,9.50,38.00,CN-11,\r\n";
    writeFileSync(gbk, iconv.encode(text, "gbk"));
    const bom = join(dir, "p4-bom.csv");
    writeFileSync(
      bom,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replaceAll("P3", "P4"), "utf8")]),
    );
    const result = await load("run-4", [gbk, bom]);
    expect(result).toMatchObject({ read: 4, loaded: 2, rejected: 2 });
    expect(result.loadedFiles.map((f) => f.encoding)).toEqual(["gb18030", "utf-8 (BOM)"]);
    const rows = (await rawRows()).filter((r) => r.sale_id === "G1");
    expect(rows).toEqual([
      { partner_id: "P3", sale_id: "G1", quantity: 4 },
      { partner_id: "P4", sale_id: "G1", quantity: 4 },
    ]);
    const reasons = await withDatabase(rawPath, (c) =>
      queryRows<{ location: string; reason: string }>(
        c,
        "select location, reason from meta.quarantine where run_id = 'run-4' order by 1",
      ),
    );
    expect(reasons).toEqual([
      { location: "p3-gbk.csv line 2", reason: expect.stringMatching(/^duplicate key/) },
      { location: "p4-bom.csv line 2", reason: expect.stringMatching(/^duplicate key/) },
    ]);
  });
});
