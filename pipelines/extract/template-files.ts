/**
 * Canonical CSV templates: one file per contract table, so a company with no API can run the whole
 * warehouse on its own exports. A folder of filled templates is a source like any other: each file
 * lands in the same raw table the order system, CRM or partner files would fill, so every model
 * downstream works unchanged. Each template carries one example row as a `#` comment line, which
 * is never loaded.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ColumnSpec, TableSpec } from "../shared/contracts/column-spec.js";
import { spreadsheetSafe } from "../shared/spreadsheet-safe.js";
import { SOURCE_TABLES, type SourceTable } from "../shared/contracts/source-tables.js";
import type { FileStream } from "../shared/source-stream.js";

export interface TemplateTable extends SourceTable {
  readonly fileName: string;
}

/** One template per source table: each file lands in the same raw table its source system would fill. */
export const TEMPLATE_TABLES: readonly TemplateTable[] = SOURCE_TABLES.map((entry) => ({
  ...entry,
  fileName: `${entry.table.name}.csv`,
}));

const COMMENT = "#";

/** A plausible example value; ids are shared across tables so the example rows join up. */
function exampleValue(column: ColumnSpec): string {
  if (column.example !== undefined) return column.example;
  if (column.values) return column.values[0]!;
  if (column.name.endsWith("_id")) return `${column.name.slice(0, -3).toUpperCase()}-001`;
  switch (column.type) {
    case "date":
      return "2026-01-31";
    case "timestamp":
      return "2026-01-31T09:30:00Z";
    case "money":
      return "128.00";
    case "integer":
    case "bigint":
      return "2";
    case "double":
      return "0.05";
    case "boolean":
      return "false";
    default:
      return column.name === "currency" ? "CNY" : `example ${column.name.replaceAll("_", " ")}`;
  }
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Text as a CSV the product writes may hold it, safe to open in Excel or WPS: text starting like a
 * formula (=, +, -, @, tab, CR; see FORMULA_TRIGGERS) gets a leading single quote, as OWASP advises
 * against CSV injection, so the spreadsheet shows it instead of running it. Text already starting
 * with quotes before such a character is quoted once more, and the loader takes exactly one quote
 * off (cleanedSql in load/sql-validation.ts): a filled template loads back as it was. A plain number
 * stays as it is. The rule is shared/spreadsheet-safe.js's, which the report site's data files use too.
 */
export function spreadsheetSafeText(value: string): string {
  return spreadsheetSafe(value);
}

/** A value of a column as a CSV the product writes holds it: text made spreadsheet-safe, other types as they are. */
export function spreadsheetSafeValue(column: ColumnSpec, value: string): string {
  return column.type === "text" ? spreadsheetSafeText(value) : value;
}

/** Where `npm run templates` writes when no folder is given: `templates/` in the current directory. */
export const DEFAULT_TEMPLATES_DIR = "templates";

/** The first two lines of a template: the header (contract columns, in order) and the commented example row. */
export function templateHead(table: TableSpec): string {
  const header = table.columns.map((c) => c.name).join(",");
  const example = table.columns.map((c) => csvCell(spreadsheetSafeValue(c, exampleValue(c)))).join(",");
  return `${header}\n${COMMENT} example: ${example}\n`;
}

/** Throws when `dir` already holds a template file: templates are never overwritten unless asked. */
export function refuseToOverwrite(dir: string, options: { overwrite?: boolean } = {}): void {
  if (options.overwrite) return;
  for (const { fileName } of TEMPLATE_TABLES) {
    const path = join(dir, fileName);
    if (existsSync(path)) {
      throw new Error(`${path} already exists: templates are never overwritten (use --force to replace them).`);
    }
  }
}

/** The folder's README: how to fill and configure the templates, then every file's columns. */
export function templatesReadme(preface: readonly string[] = []): string {
  return [
    "# Warehouse templates",
    "",
    ...preface,
    "Fill one CSV per table with your own exports (UTF-8 or GBK, comma-separated, header as given) and",
    "point the warehouse at this folder (`sources: { templates: { dir: <this folder> } }`).",
    `Lines starting with \`${COMMENT}\` are comments: the example row under each header is never loaded.`,
    "Each file is loaded once (by content); a changed file is loaded again and its rows replace earlier",
    "rows with the same key. Rows that break the contract go to quarantine with the line and the reason.",
    "",
    ...TEMPLATE_TABLES.flatMap(({ table, fileName }) => [
      `## ${fileName}`,
      "",
      table.description,
      "",
      `Key: ${table.primaryKey.join(" + ")}`,
      "",
      "| column | type | required | allowed values |",
      "| --- | --- | --- | --- |",
      ...table.columns.map(
        (c) => `| ${c.name} | ${c.type} | ${c.nullable ? "no" : "yes"} | ${c.values ? c.values.join(", ") : ""} |`,
      ),
      "",
    ]),
  ].join("\n");
}

/** Writes an empty template per table (header + commented example row) and a README; returns the files written. */
export function writeTemplates(dir: string, options: { overwrite?: boolean } = {}): string[] {
  mkdirSync(dir, { recursive: true });
  refuseToOverwrite(dir, options);
  const written: string[] = [];
  for (const { table, fileName } of TEMPLATE_TABLES) {
    const path = join(dir, fileName);
    writeFileSync(path, templateHead(table));
    written.push(path);
  }
  writeFileSync(join(dir, "README.md"), templatesReadme());
  written.push(join(dir, "README.md"));
  return written;
}

/**
 * The file streams of a folder of filled templates (tables whose file is absent are not touched).
 * Every template, sell_through.csv included (one file for all partners and months), is merged into
 * raw by key: its name declares no partner and month, so it replaces no one's month.
 */
export function templateStreams(dir: string): FileStream[] {
  if (!existsSync(dir)) {
    throw new Error(`Templates folder ${dir} does not exist: create it with \`npm run templates -- --dir ${dir}\`.`);
  }
  return TEMPLATE_TABLES.filter(({ fileName }) => existsSync(join(dir, fileName))).map(
    ({ source, table, fileName }) => ({
      source,
      table,
      files: [join(dir, fileName)],
      commentPrefix: COMMENT,
    }),
  );
}
