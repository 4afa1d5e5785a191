/**
 * The demo company as a folder of filled canonical CSV templates: what a company with no API would
 * hand the warehouse (`sources: { templates: { dir } }`). Every template is written — header, the
 * commented example row, then the demo's rows — with the folder's README, and `demo-manifest.json`
 * beside them holding the demo's control totals and planted truths, so a warehouse built from the
 * templates alone can be checked against the same truths as one built from the demo's systems.
 *
 * The order-system tables are the generator's own CSV text; the CRM's NDJSON records and the
 * partners' sell-through drops (CSV with canonical or Chinese headers, XLSX) are rewritten into the
 * canonical shape. Same seed + scale + plants → the same files.
 *
 * People open these files in Excel or WPS, so free text starting like a formula (a phone number
 * `+86 139 ...`, a name `=...`) is written with a leading single quote (spreadsheetSafeText); the
 * loader reads it back without it. Every other line is the generator's text byte for byte.
 */
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { once } from "node:events";
import ExcelJS from "exceljs";
import type { TableSpec } from "../shared/contracts/column-spec.js";
import {
  refuseToOverwrite,
  spreadsheetSafeValue,
  TEMPLATE_TABLES,
  templateHead,
  templatesReadme,
} from "../extract/template-files.js";
import { DEFAULT_AS_OF } from "./generator/calendar.js";
import { generateCompany } from "./generator/company.js";
import { csvLine } from "./generator/format.js";
import { buildManifest, type DemoManifest } from "./generator/manifest.js";

/** The manifest's file name in the templates folder. */
export const DEMO_TEMPLATES_MANIFEST = "demo-manifest.json";

export interface DemoTemplatesOptions {
  /** Folder that receives the templates (created if missing). */
  readonly dir: string;
  readonly seed?: number;
  readonly scale?: number;
  readonly plants?: boolean;
  readonly asOf?: string;
  /** Replace template files already in the folder (otherwise refuse). */
  readonly overwrite?: boolean;
  readonly onProgress?: (message: string) => void;
}

export interface DemoTemplates {
  readonly dir: string;
  /** Every file written: one template per table, README.md and the manifest. */
  readonly files: readonly string[];
  /** Data rows per template (file name without .csv); each equals the manifest's row count. */
  readonly rows: Readonly<Record<string, number>>;
  readonly manifest: DemoManifest;
}

/** A file written in order, counting its data rows. */
class TemplateFile {
  private readonly out;
  rows = 0;

  constructor(path: string, table: TableSpec) {
    this.out = createWriteStream(path);
    this.out.write(templateHead(table));
  }

  async write(text: string, rows: number): Promise<void> {
    this.rows += rows;
    if (!this.out.write(text)) await once(this.out, "drain");
  }

  /** Writes one data row per line (each ending in a newline), in chunks of about a megabyte. */
  async writeLines(lines: AsyncIterable<string>): Promise<void> {
    let chunk = "";
    let rows = 0;
    for await (const line of lines) {
      chunk += line;
      rows++;
      if (chunk.length >= 1 << 20) {
        await this.write(chunk, rows);
        chunk = "";
        rows = 0;
      }
    }
    await this.write(chunk, rows);
  }

  async close(): Promise<void> {
    this.out.end();
    await once(this.out, "finish");
  }
}

/** The values of one CSV line: null for an empty unquoted field, undefined when a quoted field runs on to the next line. */
function csvFields(line: string): Array<string | null> | undefined {
  const fields: Array<string | null> = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = "";
      let j = i + 1;
      for (;;) {
        const close = line.indexOf('"', j);
        if (close < 0) return undefined;
        value += line.slice(j, close);
        if (line[close + 1] !== '"') {
          j = close + 1;
          break;
        }
        value += '"';
        j = close + 2;
      }
      fields.push(value);
      i = j;
    } else {
      const comma = line.indexOf(",", i);
      const value = comma < 0 ? line.slice(i) : line.slice(i, comma);
      fields.push(value === "" ? null : value);
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** A field that may start like a formula (after an opening quote and leading single quotes): worth a closer look. */
const MAYBE_FORMULA = /(^|,)"?'*[=+\-@\t\r]/;

/**
 * One data line (no newline) of a table's CSV in contract column order, with its text values made
 * spreadsheet-safe; the line itself, byte for byte, when none needs it (or it cannot be split).
 */
export function spreadsheetSafeCsvLine(table: TableSpec, line: string): string {
  if (!MAYBE_FORMULA.test(line)) return line;
  const fields = csvFields(line);
  if (!fields || fields.length !== table.columns.length) return line;
  let changed = false;
  const safe = fields.map((value, i) => {
    if (value === null) return null;
    const written = spreadsheetSafeValue(table.columns[i]!, value);
    changed ||= written !== value;
    return written;
  });
  return changed ? csvLine(safe).slice(0, -1) : line;
}

/** Each line of a CSV body (lines ending in a newline) made spreadsheet-safe. */
function spreadsheetSafeBody(table: TableSpec, text: string): string {
  return MAYBE_FORMULA.test(text)
    ? text
        .split("\n")
        .map((line) => spreadsheetSafeCsvLine(table, line))
        .join("\n")
    : text;
}

/** Data lines of a CSV file: everything after its header line. */
function bodyOf(bytes: Buffer): { text: string; rows: number } {
  const newline = bytes.indexOf(0x0a);
  const text = newline === -1 ? "" : bytes.subarray(newline + 1).toString("utf8");
  const rows = text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  return { text: text === "" || text.endsWith("\n") ? text : `${text}\n`, rows };
}

/** An order-system table: the generator's CSV (contract header, contract order), streamed after the header. */
async function copyOrderSystemTable(source: string, table: TableSpec, file: TemplateFile): Promise<void> {
  const lines = createInterface({ input: createReadStream(source, "utf8"), crlfDelay: Infinity });
  await file.writeLines(
    (async function* () {
      let header = true;
      for await (const line of lines) {
        if (header) header = false;
        else yield `${spreadsheetSafeCsvLine(table, line)}\n`;
      }
    })(),
  );
}

/** A CRM entity: NDJSON records (contract field names) as CSV rows in contract column order. */
async function convertCrmEntity(source: string, table: TableSpec, file: TemplateFile): Promise<void> {
  const lines = createInterface({ input: createReadStream(source, "utf8"), crlfDelay: Infinity });
  await file.writeLines(
    (async function* () {
      for await (const line of lines) {
        if (line === "") continue;
        const record = JSON.parse(line) as Record<string, string | number | boolean | null>;
        yield csvLine(
          table.columns.map((c) => (record[c.name] == null ? null : spreadsheetSafeValue(c, String(record[c.name])))),
        );
      }
    })(),
  );
}

/** The drop files in the order they were produced: month by month, partners in name order. */
function dropFilesInOrder(dropsDir: string): string[] {
  const month = (name: string) => /_(\d{4}-\d{2})\.\w+$/.exec(name)?.[1] ?? "";
  return readdirSync(dropsDir)
    .filter((name) => /\.(csv|xlsx)$/i.test(name))
    .sort((a, b) => month(a).localeCompare(month(b)) || a.localeCompare(b));
}

const sellThroughTable = TEMPLATE_TABLES.find((t) => t.source === "partner_files")!.table;
const sellThroughColumns = sellThroughTable.columns.map((c) => c.name);

/** A partner's XLSX report (contract column order, canonical or Chinese headers) as canonical CSV rows. */
async function xlsxRows(path: string): Promise<{ text: string; rows: number }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const sheet = workbook.worksheets[0];
  if (!sheet) return { text: "", rows: 0 };
  const moneyColumns = new Set(["unit_price", "amount"]);
  let text = "";
  let rows = 0;
  for (let r = 2; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    if (!row.hasValues) continue;
    const values = sellThroughColumns.map((column, i) => {
      const value = row.getCell(i + 1).value;
      if (value === null || value === undefined) return null;
      if (value instanceof Date) return value.toISOString().slice(0, 10);
      if (typeof value === "number") return moneyColumns.has(column) ? value.toFixed(2) : String(value);
      return spreadsheetSafeValue(sellThroughTable.columns[i]!, String(value));
    });
    text += csvLine(values);
    rows++;
  }
  return { text, rows };
}

/** Every partner's monthly drop, as one sell-through template. */
async function mergeDrops(dropsDir: string, file: TemplateFile): Promise<void> {
  for (const name of dropFilesInOrder(dropsDir)) {
    const path = join(dropsDir, name);
    // Drop CSVs hold the contract's columns in contract order (canonical or Chinese header): the body is canonical.
    const { text, rows } = /\.xlsx$/i.test(name) ? await xlsxRows(path) : bodyOf(readFileSync(path));
    await file.write(/\.xlsx$/i.test(name) ? text : spreadsheetSafeBody(sellThroughTable, text), rows);
  }
}

/**
 * Generates the demo company and writes it into `dir` as filled templates, their README and
 * `demo-manifest.json`. Refuses to replace template files already there unless `overwrite`.
 * Throws if any template's row count differs from the manifest's.
 */
export async function writeDemoTemplates(options: DemoTemplatesOptions): Promise<DemoTemplates> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  refuseToOverwrite(dir, { overwrite: options.overwrite ?? false });
  const progress = options.onProgress ?? (() => {});
  const scratch = mkdtempSync(join(tmpdir(), "demo-templates-"));
  try {
    const outputs = {
      orderSystemDir: join(scratch, "order-system"),
      crmDir: join(scratch, "crm"),
      partnerDropsDir: join(scratch, "partner-drops"),
    };
    const result = await generateCompany(
      {
        seed: options.seed ?? 42,
        scale: options.scale ?? 1,
        plants: options.plants ?? true,
        asOf: options.asOf ?? DEFAULT_AS_OF,
      },
      { ...outputs, onProgress: progress },
    );
    const manifest = buildManifest(result);
    const files: string[] = [];
    const rows: Record<string, number> = {};
    for (const { source, table, fileName } of TEMPLATE_TABLES) {
      const path = join(dir, fileName);
      const file = new TemplateFile(path, table);
      try {
        if (source === "order_system") await copyOrderSystemTable(join(outputs.orderSystemDir, fileName), table, file);
        else if (source === "crm") await convertCrmEntity(join(outputs.crmDir, `${table.name}.ndjson`), table, file);
        else if (source === "partner_files") await mergeDrops(outputs.partnerDropsDir, file);
        // touch_paths: left empty (header only); the demo's journeys are its CRM touches (touches.csv).
      } finally {
        await file.close();
      }
      const expected = manifest.row_counts[table.name] ?? 0;
      if (file.rows !== expected) {
        throw new Error(`${fileName}: ${file.rows} rows written, the demo company has ${expected}`);
      }
      rows[table.name] = file.rows;
      files.push(path);
      progress(`${fileName}: ${file.rows} rows`);
    }
    const preface = [
      `Filled with the demo company (seed ${manifest.seed}, scale ${manifest.scale}, ` +
        `${manifest.plants ? "with" : "without"} planted problems, history to ${manifest.as_of}).`,
      `\`${DEMO_TEMPLATES_MANIFEST}\` holds its control totals and planted truths; the warehouse ignores it.`,
      "",
    ];
    await writeFile(join(dir, "README.md"), templatesReadme(preface));
    files.push(join(dir, "README.md"));
    await writeFile(join(dir, DEMO_TEMPLATES_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    files.push(join(dir, DEMO_TEMPLATES_MANIFEST));
    return { dir, files, rows, manifest };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
