/**
 * An XLSX file is a zip archive: a few MB can inflate to gigabytes. The loader reads how large each entry
 * says it inflates from the zip's central directory, and refuses a workbook over the limits before
 * inflating anything — and one whose entries inflate to more than the directory says.
 *
 * The workbooks here are built by hand (the XML parts of a one-sheet workbook, zipped by `zipArchive`), so
 * a sheet can be made huge yet cheap to produce: the same deflated megabyte of rows repeated.
 */
import { constants, crc32, deflateRawSync } from "node:zlib";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadFileStream } from "../../pipelines/load/file-loader.js";
import { partnerDropStream } from "../../pipelines/orchestrate/connect-sources.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { tempDir } from "../helpers/temp-dir.js";

const MiB = 1024 * 1024;
const COLUMNS = ["partner_id", "sale_id", "sale_date", "sku", "quantity", "unit_price", "amount", "ship_to_region_id"];

/** One entry of a zip archive: its deflated bytes and what they inflate to. */
interface ZipEntry {
  readonly name: string;
  readonly deflated: Buffer;
  /** Inflated size, and its CRC-32 (which jszip, the reader behind exceljs, does not check). */
  readonly size: number;
  readonly crc: number;
  /** The inflated size written in the central directory, when it should lie. */
  readonly declaredSize?: number;
}

function entry(name: string, text: string): ZipEntry {
  const bytes = Buffer.from(text, "utf8");
  return { name, deflated: deflateRawSync(bytes), size: bytes.length, crc: crc32(bytes) };
}

/**
 * A zip archive (local headers, data, central directory, end record), every entry deflated. With `zip64`,
 * in the form archivers use past 4 GiB: sizes and offsets in ZIP64 extra fields and a ZIP64 end record.
 */
function zipArchive(entries: readonly ZipEntry[], options: { zip64?: boolean } = {}): Buffer {
  const zip64 = options.zip64 ?? false;
  const MAX_32 = 0xffffffff;
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const inflated = e.declaredSize ?? e.size;
    // ZIP64 extra field (id 1): inflated size, compressed size, local header offset.
    const extra = Buffer.alloc(zip64 ? 28 : 0);
    if (zip64) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(inflated), 4);
      extra.writeBigUInt64LE(BigInt(e.deflated.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4); // version needed
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(zip64 ? MAX_32 : e.deflated.length, 18);
    local.writeUInt32LE(zip64 ? MAX_32 : inflated, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(zip64 ? 20 : 0, 28);
    // The local header's copy holds only the two sizes (a copy: the central one keeps all three).
    const localExtra = zip64 ? Buffer.from(extra.subarray(0, 20)) : Buffer.alloc(0);
    if (zip64) localExtra.writeUInt16LE(16, 2);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(zip64 ? 45 : 20, 4);
    header.writeUInt16LE(zip64 ? 45 : 20, 6);
    header.writeUInt16LE(8, 10);
    header.writeUInt16LE(0x21, 14);
    header.writeUInt32LE(e.crc >>> 0, 16);
    header.writeUInt32LE(zip64 ? MAX_32 : e.deflated.length, 20);
    header.writeUInt32LE(zip64 ? MAX_32 : inflated, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt32LE(zip64 ? MAX_32 : offset, 42);
    parts.push(local, name, localExtra, e.deflated);
    central.push(header, name, extra);
    offset += local.length + name.length + localExtra.length + e.deflated.length;
  }
  const directory = Buffer.concat(central);
  const ends: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4); // size of the rest of the record
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(directory.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
    locator.writeUInt32LE(1, 16); // disks
    ends.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(zip64 ? MAX_32 : directory.length, 12);
  end.writeUInt32LE(zip64 ? MAX_32 : offset, 16);
  return Buffer.concat([...parts, directory, ...ends, end]);
}

function cellsXml(row: number, values: readonly string[]): string {
  const cells = values.map(
    (v, i) => `<c r="${String.fromCharCode(65 + i)}${row}" t="inlineStr"><is><t>${v}</t></is></c>`,
  );
  return `<row r="${row}">${cells.join("")}</row>`;
}

const SHEET_HEAD =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
  cellsXml(1, COLUMNS);
const SHEET_TAIL = "</sheetData></worksheet>";

/** The parts of a one-sheet workbook other than the sheet itself. */
const WORKBOOK_PARTS: readonly ZipEntry[] = [
  entry(
    "[Content_Types].xml",
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
      "</Types>",
  ),
  entry(
    "_rels/.rels",
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
      "</Relationships>",
  ),
  entry(
    "xl/workbook.xml",
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
      '<sheets><sheet name="sales" sheetId="1" r:id="rId1"/></sheets></workbook>',
  ),
  entry(
    "xl/_rels/workbook.xml.rels",
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
      "</Relationships>",
  ),
];

const ROW = ["PA0001", "S202601-000001", "2026-01-05", "SKU-1001", "2", "128.00", "256.00", "CN-31"];

/** A small, ordinary workbook: a header and one sale. */
function ordinaryWorkbook(options: { zip64?: boolean } = {}): Buffer {
  return zipArchive(
    [...WORKBOOK_PARTS, entry("xl/worksheets/sheet1.xml", SHEET_HEAD + cellsXml(2, ROW) + SHEET_TAIL)],
    options,
  );
}

/**
 * A workbook whose sheet inflates to `mebibytes` MiB of rows. One MiB of rows is deflated once, ending on a
 * byte boundary without closing the stream (a sync flush); repeating those bytes is a valid deflate stream
 * of that MiB repeated, so a 1.5 GiB sheet costs a few MB to build and never exists inflated.
 */
function bombWorkbook(mebibytes: number, options: { declaredSize?: number; zip64?: boolean } = {}): Buffer {
  const rowXml = cellsXml(2, ROW);
  const megabyte = Buffer.from(rowXml.repeat(Math.ceil(MiB / rowXml.length)).slice(0, MiB), "utf8");
  const flush = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
  const head = Buffer.from(SHEET_HEAD, "utf8");
  const tail = Buffer.from(SHEET_TAIL, "utf8");
  const deflatedMegabyte = deflateRawSync(megabyte, flush);
  const deflated = Buffer.concat([
    deflateRawSync(head, flush),
    ...Array.from({ length: mebibytes }, () => deflatedMegabyte),
    deflateRawSync(tail), // the final block
  ]);
  const sheet: ZipEntry = {
    name: "xl/worksheets/sheet1.xml",
    deflated,
    size: head.length + mebibytes * MiB + tail.length,
    crc: 0, // never checked by jszip (and the loader must refuse before inflating anyway)
    ...(options.declaredSize === undefined ? {} : { declaredSize: options.declaredSize }),
  };
  return zipArchive([...WORKBOOK_PARTS, sheet], { zip64: options.zip64 ?? false });
}

describe("XLSX size limits, checked before inflating", () => {
  const dir = tempDir();
  let folders = 0;

  /** Loads a drop folder holding the workbook and one ordinary CSV; returns the result and the quarantine. */
  async function loadDrop(name: string, bytes: Buffer) {
    const drops = join(dir, `drops-${++folders}`);
    mkdirSync(drops);
    writeFileSync(join(drops, name), bytes);
    writeFileSync(
      join(drops, "sell_through_PA0002_2026-01.csv"),
      `${COLUMNS.join(",")},customer_id\nPA0002,S202601-000001,2026-01-06,SKU-1002,1,99.00,99.00,CN-44,\n`,
    );
    return withDatabase(join(drops, "raw.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", partnerDropStream(drops));
      const quarantine = await queryRows<{ location: string; reason: string; payload: string }>(
        c,
        "select location, reason, payload from meta.quarantine",
      );
      return { result, quarantine };
    });
  }

  it("the hand-built workbook container is an ordinary, readable XLSX", async () => {
    const { result, quarantine } = await loadDrop("sell_through_PA0001_2026-01.xlsx", ordinaryWorkbook());
    expect(quarantine).toEqual([]);
    expect(result).toMatchObject({ read: 2, loaded: 2, rejected: 0, drift: [{ missingColumns: ["customer_id"] }] });
  });

  it("reads the sizes of a ZIP64 archive too: an ordinary ZIP64 workbook loads, a ZIP64 bomb is refused", async () => {
    const ordinary = await loadDrop("sell_through_PA0001_2026-01.xlsx", ordinaryWorkbook({ zip64: true }));
    expect(ordinary.quarantine).toEqual([]);
    expect(ordinary.result).toMatchObject({ read: 2, loaded: 2, rejected: 0 });
    const bomb = await loadDrop("sell_through_PA0001_2026-05.xlsx", bombWorkbook(1536, { zip64: true }));
    expect(bomb.result).toMatchObject({ read: 2, loaded: 1, rejected: 1 });
    expect(bomb.quarantine[0]?.reason).toMatch(/^XLSX would inflate to 1\.5 GiB \(ratio \d{3,}:1\)/);
  });

  it("a 3 MB workbook whose sheet inflates to 1.5 GiB is rejected from its directory, without inflating it", async () => {
    const bomb = bombWorkbook(1536);
    expect(bomb.length).toBeLessThan(8 * MiB);
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const { result, quarantine } = await loadDrop("sell_through_PA0001_2026-01.xlsx", bomb);
    const peakGrowth = process.resourceUsage().maxRSS * 1024 - peakBefore;
    expect(peakGrowth).toBeLessThan(300 * MiB);
    // One record read and rejected for the workbook; the other file loads.
    expect(result).toMatchObject({ read: 2, loaded: 1, rejected: 1 });
    expect(quarantine).toEqual([
      {
        location: "sell_through_PA0001_2026-01.xlsx",
        reason: expect.stringMatching(
          /^XLSX would inflate to 1\.5 GiB \(ratio \d{3,}:1\), above the 512 MiB limit .*: re-export it from Excel/,
        ),
        payload: expect.any(String),
      },
    ]);
  });

  it("an entry inflating over 50 MiB at more than 100:1 is rejected, naming the entry", async () => {
    const { result, quarantine } = await loadDrop("sell_through_PA0001_2026-02.xlsx", bombWorkbook(60));
    expect(result).toMatchObject({ read: 2, loaded: 1, rejected: 1 });
    expect(quarantine[0]?.reason).toMatch(
      /^XLSX entry xl\/worksheets\/sheet1\.xml would inflate to 60 MiB from [\d.]+ KiB \(ratio \d{3,}:1\), above the 100:1 allowed for entries over 50 MiB/,
    );
  });

  it("a workbook whose directory understates a sheet's size is rejected once it inflates past what it declared", async () => {
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const { result, quarantine } = await loadDrop(
      "sell_through_PA0001_2026-03.xlsx",
      bombWorkbook(600, { declaredSize: MiB }),
    );
    expect(process.resourceUsage().maxRSS * 1024 - peakBefore).toBeLessThan(300 * MiB);
    expect(result).toMatchObject({ read: 2, loaded: 1, rejected: 1 });
    expect(quarantine[0]?.reason).toMatch(
      /^XLSX entry xl\/worksheets\/sheet1\.xml inflates to more than the 1 MiB its zip directory declares/,
    );
  });
});
