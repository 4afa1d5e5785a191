/**
 * The partner drop folder: one sell-through report per partner per month, named
 * `sell_through_<partner_id>_<YYYY-MM>.<csv|xlsx>`. Partners deliver what their own systems
 * export: most send UTF-8 CSV with the canonical headers, some use Chinese headers, some send
 * Excel workbooks — the shapes the extract code has to meet in production.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { sellThrough, sellThroughHeaderAliases } from "../../shared/contracts/partner-files.js";
import type { Month } from "../generator/calendar.js";
import { csvLine } from "../generator/format.js";
import type { DropFormat, Partner } from "../generator/master-data.js";
import type { SellThroughRow } from "../generator/sell-through.js";

const CANONICAL = sellThrough.columns.map((c) => c.name);

/** The Chinese header each canonical column is known by (from the contract's alias table). */
export const CHINESE_HEADERS: readonly string[] = CANONICAL.map((name) => {
  const alias = Object.entries(sellThroughHeaderAliases).find(
    ([alias, target]) => target === name && /[\u4e00-\u9fff]/.test(alias),
  );
  if (!alias) throw new Error(`no Chinese header alias for ${name}`);
  return alias[0];
});

export function dropFileName(partnerId: string, monthKey: string, format: DropFormat): string {
  return `sell_through_${partnerId}_${monthKey}.${format.startsWith("xlsx") ? "xlsx" : "csv"}`;
}

function rowValues(row: SellThroughRow): (string | null)[] {
  return [
    row.partner_id,
    row.sale_id,
    row.sale_date,
    row.sku,
    String(row.quantity),
    row.unit_price,
    row.amount,
    row.ship_to_region_id,
    row.customer_id,
  ];
}

/**
 * Zip entries carry the time they were written; pin them so a workbook's bytes depend on its
 * content alone (exceljs' zip writer offers no option for it).
 */
export function pinZipTimestamps(zip: Buffer, when: Date): Buffer {
  const out = Buffer.from(zip);
  const dosTime = (when.getUTCHours() << 11) | (when.getUTCMinutes() << 5) | Math.floor(when.getUTCSeconds() / 2);
  const dosDate = ((when.getUTCFullYear() - 1980) << 9) | ((when.getUTCMonth() + 1) << 5) | when.getUTCDate();
  let eocd = -1;
  for (let i = out.length - 22; i >= Math.max(0, out.length - 22 - 65535); i--) {
    if (out.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip file: no end-of-central-directory record");
  const entries = out.readUInt16LE(eocd + 10);
  let p = out.readUInt32LE(eocd + 16);
  for (let e = 0; e < entries; e++) {
    if (out.readUInt32LE(p) !== 0x02014b50) throw new Error("corrupt zip central directory");
    out.writeUInt16LE(dosTime, p + 12);
    out.writeUInt16LE(dosDate, p + 14);
    const local = out.readUInt32LE(p + 42);
    if (out.readUInt32LE(local) !== 0x04034b50) throw new Error("corrupt zip local header");
    out.writeUInt16LE(dosTime, local + 10);
    out.writeUInt16LE(dosDate, local + 12);
    p += 46 + out.readUInt16LE(p + 28) + out.readUInt16LE(p + 30) + out.readUInt16LE(p + 32);
  }
  return out;
}

async function xlsxBytes(rows: readonly SellThroughRow[], chineseHeaders: boolean, exportedAt: Date): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "DMS export";
  workbook.lastModifiedBy = "DMS export";
  workbook.created = exportedAt;
  workbook.modified = exportedAt;
  const sheet = workbook.addWorksheet(chineseHeaders ? "销售明细" : "sell_through");
  sheet.addRow(chineseHeaders ? [...CHINESE_HEADERS] : CANONICAL);
  for (const row of rows) {
    sheet.addRow([
      row.partner_id,
      row.sale_id,
      new Date(`${row.sale_date}T00:00:00Z`),
      row.sku,
      row.quantity,
      Number(row.unit_price),
      Number(row.amount),
      row.ship_to_region_id,
      row.customer_id ?? null,
    ]);
  }
  sheet.getColumn(3).numFmt = "yyyy-mm-dd";
  sheet.getColumn(6).numFmt = "0.00";
  sheet.getColumn(7).numFmt = "0.00";
  const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
  return pinZipTimestamps(buffer, exportedAt);
}

export class PartnerDropWriter {
  private readonly canonical = createHash("sha256");
  private readonly fileHashes: string[] = [];
  readonly filesByFormat: Record<DropFormat, number> = { csv: 0, csv_zh: 0, xlsx: 0, xlsx_zh: 0 };
  files = 0;
  lines = 0;

  constructor(readonly dir: string) {}

  async write(partner: Partner, month: Month, rows: readonly SellThroughRow[]): Promise<void> {
    const name = dropFileName(partner.id, month.key, partner.dropFormat);
    let bytes: Buffer;
    let text = "";
    for (const row of rows) text += csvLine(rowValues(row));
    this.canonical.update(text);
    if (partner.dropFormat === "csv" || partner.dropFormat === "csv_zh") {
      const header = csvLine(partner.dropFormat === "csv" ? CANONICAL : CHINESE_HEADERS);
      bytes = Buffer.from(header + text, "utf8");
    } else {
      // Exported a couple of days after month end, like a partner's monthly report.
      const exportedAt = new Date(month.endMs + 2 * 86_400_000 + 9 * 3_600_000);
      bytes = await xlsxBytes(rows, partner.dropFormat === "xlsx_zh", exportedAt);
    }
    writeFileSync(join(this.dir, name), bytes);
    this.fileHashes.push(`${name}\t${createHash("sha256").update(bytes).digest("hex")}\n`);
    this.filesByFormat[partner.dropFormat]++;
    this.files++;
    this.lines += rows.length;
  }

  /** sha256 of the canonical CSV lines of every row; sha256 of the sorted file name + file hash list. */
  finish(): { rowsSha256: string; filesSha256: string } {
    const files = createHash("sha256")
      .update([...this.fileHashes].sort().join(""))
      .digest("hex");
    return { rowsSha256: this.canonical.digest("hex"), filesSha256: files };
  }
}
