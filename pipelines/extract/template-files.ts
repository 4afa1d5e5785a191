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

/**
 * A table as a template file delivers it: the change-tracking column (`updated_at`) that API sources need for their
 * incremental extracts is optional, since a file is loaded whole and its rows are as new as the file.
 */
function asFileTable(table: TableSpec): TableSpec {
  if (!table.cursorColumn) return table;
  return {
    ...table,
    columns: table.columns.map((c) =>
      c.name === table.cursorColumn
        ? { ...c, nullable: true, whenMissing: "nothing: a file's rows are as new as the file, which is loaded whole" }
        : c,
    ),
  };
}

/** One template per source table: each file lands in the same raw table its source system would fill. */
export const TEMPLATE_TABLES: readonly TemplateTable[] = SOURCE_TABLES.map((entry) => ({
  ...entry,
  table: asFileTable(entry.table),
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
    case "price":
      return "0.0125";
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

/** A markdown table cell: pipes escaped, so a note cannot break the table. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

/** The folder's README: how to fill and configure the templates, which files and columns are needed, every file's columns. */
export function templatesReadme(preface: readonly string[] = []): string {
  const needed = TEMPLATE_TABLES.filter(({ table }) => !table.whenAbsent).map(({ fileName }) => `\`${fileName}\``);
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
    "## What you need, and what each optional part gives",
    "",
    `Needed for any figure: ${needed.join(", ")}. Every other file is optional; leave it out and the`,
    "warehouse publishes without what it feeds (below). An optional column may be left empty or left out of the",
    "header altogether; the last column of each table below says what the warehouse does then. Required columns",
    "must be filled on every line, or the line goes to quarantine with the reason.",
    "",
    "| file | without it |",
    "| --- | --- |",
    ...TEMPLATE_TABLES.filter(({ table }) => table.whenAbsent).map(
      ({ table, fileName }) => `| ${fileName} | ${cell(table.whenAbsent ?? "")} |`,
    ),
    "",
    ...WEB_SHOP_MAPPING,
    ...COLUMN_TYPES,
    ...TEMPLATE_TABLES.flatMap(({ table, fileName }) => [
      `## ${fileName}`,
      "",
      table.description,
      table.whenAbsent ? `Optional file: without it, ${table.whenAbsent}.` : "Needed.",
      "",
      `Key: ${table.primaryKey.join(" + ")}`,
      "",
      "| column | type | required | allowed values | if empty or left out |",
      "| --- | --- | --- | --- | --- |",
      ...table.columns.map(
        (c) =>
          `| ${c.name} | ${c.type} | ${c.nullable ? "no" : "yes"} | ${c.values ? c.values.join(", ") : ""} | ${cell(
            c.nullable ? (c.whenMissing ?? "empty") : "the line is quarantined",
          )} |`,
      ),
      "",
    ]),
  ].join("\n");
}

/** What each type in the column tables takes (templates README). */
const COLUMN_TYPES: readonly string[] = [
  "## Amounts and prices",
  "",
  "Amounts (`money`) are kept to the cent: at most 2 decimals. Prices and unit costs (`price`: list, partner and",
  "floor prices, unit costs, a partner file's resale price) take up to 4 decimals, as shops price by the gram (`0.0125`). A value with more decimals",
  "goes to quarantine with the reason (`money with more than 2 decimals`, `price with more than 4 decimals`). An",
  "amount the warehouse works out from a price (quantity × price, cost of goods, the shortfall below a floor price)",
  "is rounded to the cent. An order line's `unit_price` (`double`) may come with more decimals, as a price worked out",
  "from a total does (110.00 for 3: 36.666666...); the line loads, its price is kept to 4 decimals and its revenue",
  "is its `line_amount` (or quantity × price − discount), to the cent.",
  "",
];

/**
 * A worked example: a typical web-shop export (one line per invoice line, cancellations as negative lines, guest
 * checkouts, no price list, no costs) mapped into the templates. The shape is that of the public Online Retail data
 * sets (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country).
 */
const WEB_SHOP_MAPPING: readonly string[] = [
  "## Worked example: a web shop's invoice export",
  "",
  "A web shop typically exports one line per invoice line:",
  "",
  "```",
  "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country",
  "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26,2.55,17850,United Kingdom",
  "C536379,D,Discount,-1,2010-12-01 09:41,27.5,14527,United Kingdom",
  "536544,21774,DECORATIVE CATS BATHROOM BOTTLE,1,2010-12-01 14:32,2.51,,United Kingdom",
  "```",
  "",
  "Mapped into five files (every other file left out):",
  "",
  "| template | from the export |",
  "| --- | --- |",
  "| `channels.csv` | one line you write: `WEB,Web shop,ecommerce_platform,true` (fees and costs left out: counted as 0, with a warning) |",
  "| `regions.csv` | one line per distinct `Country`: `region_id` and `region_name` both the country (no Chinese name, area or population) |",
  "| `products.csv` | one line per distinct `StockCode`: `product_id` and `sku` = StockCode, `product_name` = Description; no `unit_cost`, so margins show as unknown |",
  "| `orders.csv` | one line per `InvoiceNo`: `order_id` = InvoiceNo, `ordered_at` = InvoiceDate as `2010-12-01T08:26:00`, `channel_id` = `WEB`, `customer_id` = CustomerID (empty for a guest checkout), `ship_to_region_id` = Country, `status` = `completed` (a `C…` invoice is a completed cancellation document: its negative lines net the revenue), no `currency` (set `reporting.currency` instead) |",
  "| `order_lines.csv` | one line per export line: `order_line_id` = InvoiceNo + `-` + the line's number within the invoice, `order_id` = InvoiceNo, `product_id` = StockCode, `quantity` = Quantity (negative on cancellations), `unit_price` = UnitPrice (up to 4 decimals); `line_amount` left out: quantity × price, to the cent |",
  "| `customers.csv` | one line per distinct CustomerID: `customer_id`, `region_id` = its Country; nothing else is needed |",
  "",
  "and in the config:",
  "",
  "```yaml",
  "reporting:",
  "  currency: { code: GBP }     # every amount is in pounds; the warehouse converts nothing",
  "sources:",
  "  templates: { dir: shop-exports }",
  "```",
  "",
  "`npm run refresh` then publishes; guest checkouts count in channel figures and stay out of the customer pages,",
  "and the run lists every warning (guest orders, channels without stated terms, products without cost).",
  "",
];

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
