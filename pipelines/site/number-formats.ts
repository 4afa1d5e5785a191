// The report pages' named number formats (Evidence "custom formats"), defined here once.
//
// Why they exist: the reporting currency is configurable (config `reporting.currency`, published by the refresh as
// ops.reporting_settings), so no page may spell a currency or a format code for money. Pages write `fmt=money`,
// `fmt=count`, `fmt=percent`, ... and every build and preview writes these definitions, with the symbol of the
// warehouse being shown, into its Evidence workspace as `.evidence/customization/custom-formatting.json`: the file
// Evidence's server reads its custom formats from (`../customization/custom-formatting.json` relative to
// .evidence/template, its working directory) and hands every page. A site built from a GBP warehouse shows £, from
// the demo's CNY one ¥, with no page edited; and how money, counts or rates look is changed here for every page.
//
// Rules the names follow, both from how Evidence's formatter (@evidence-dev/component-utilities formatting.js) looks
// a name up:
//   - It searches its built-in formats first (usd, cny, pct, pct1, num0, ...): a custom format with a built-in's
//     name would silently never apply. Hence `percent`, not `pct` (a test checks that no name is a built-in's).
//   - A column whose name ends in `_<name>` gets that format when the page gives none (`outlet_count` is shown as
//     a count). Names that columns end with for other reasons (`_date` in `expected_to_date`, a number; `_month`
//     in `revenue_previous_month`) would turn those into dates, so the date formats are `ymd` and `ym`.
//   - Letters and digits only, as Evidence's own settings page requires; a trailing digit is the number of
//     decimals, as in Evidence's `usd2` or `num1`.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { queryRows, withDatabase } from "../shared/warehouse/duckdb.js";
import { CHINESE_UNITS } from "./evidence-offline/chinese-units.js";

/** The currency the warehouse's amounts are in, as published in ops.reporting_settings. */
export interface ReportingCurrency {
  /** ISO 4217 code, e.g. CNY. */
  code: string;
  /** What is shown beside amounts, e.g. ¥ (the code itself for a currency without a known symbol). */
  symbol: string;
}

/** A warehouse published before the currency was configurable holds CNY amounts (and no ops.reporting_settings). */
export const DEFAULT_REPORTING_CURRENCY: Readonly<ReportingCurrency> = { code: "CNY", symbol: "¥" };

/** One custom format as Evidence reads it from custom-formatting.json. */
export interface NumberFormat {
  /** The name a page uses: `fmt=<formatTag>`, `yFmt=<formatTag>`, ... */
  formatTag: string;
  /** Excel-style format code (Evidence formats with SheetJS ssf). */
  formatCode: string;
  valueType: "number" | "date";
  /** What the format is for (for the README, tests and whoever opens the generated file; Evidence ignores it). */
  description: string;
}

/** The named formats, with money shown in `currency`. */
export function numberFormats(currency: ReportingCurrency): NumberFormat[] {
  const symbol = symbolLiteral(currency.symbol);
  return [
    {
      formatTag: "money",
      formatCode: `${symbol}#,##0`,
      valueType: "number",
      description: `amounts in whole ${currency.code}: revenue, margin, contribution, spend, costs, values`,
    },
    {
      // The Chinese pages' money (page-languages.ts turns their fmt=money into this): ¥7,044.6万, ¥1.23亿, ¥8,532.
      // No Excel-style code can scale by 10^4; the code's prefix sends it to evidence-offline/chinese-units.js.
      formatTag: "moneycn",
      formatCode: `${CHINESE_UNITS}${/\p{L}$/u.test(currency.symbol) ? `${currency.symbol}\u00a0` : currency.symbol}`,
      valueType: "number",
      description: `amounts in ${currency.code} in 万 and 亿, for Chinese readers (the Chinese pages' money)`,
    },
    {
      formatTag: "money2",
      formatCode: `${symbol}#,##0.00`,
      valueType: "number",
      description: `amounts where cents matter: a shortfall, cost per visit (${currency.code})`,
    },
    {
      // Prices take up to 4 decimals (a web shop's 0.0125 a gram): shown to the cent, with a third and fourth
      // decimal where the price has them. SheetJS's formatter takes no optional decimals after a thousands
      // separator, so prices from 1,000 up (which have no fractions of a cent in practice) show to the cent.
      formatTag: "price",
      formatCode: `[>=1000]${symbol}#,##0.00;[>=0]${symbol}0.00##;-${symbol}0.00##`,
      valueType: "number",
      description: `unit, floor and list prices: to the cent, or to the 4 decimals a price below 1,000 may have (${currency.code})`,
    },
    {
      formatTag: "count",
      formatCode: "#,##0",
      valueType: "number",
      description: "whole numbers of things: orders, customers, units, lines, ranks, days",
    },
    {
      formatTag: "count1",
      formatCode: "#,##0.0",
      valueType: "number",
      description: "counts shared out in fractions (attribution credit), hours",
    },
    {
      formatTag: "ratio",
      formatCode: "0.00",
      valueType: "number",
      description: "ratios and averages of small numbers: lift, orders per customer, 1-5 scores",
    },
    { formatTag: "percent", formatCode: "0.0%", valueType: "number", description: "rates and shares" },
    {
      formatTag: "percent0",
      formatCode: "0%",
      valueType: "number",
      description: "rates on chart axes, thresholds",
    },
    { formatTag: "percent2", formatCode: "0.00%", valueType: "number", description: "small rates" },
    { formatTag: "ymd", formatCode: "yyyy-mm-dd", valueType: "date", description: "a day" },
    { formatTag: "ym", formatCode: "yyyy-mm", valueType: "date", description: "a month" },
  ];
}

/**
 * The symbol as a literal in a format code: quoted (so `$`, `#` or `0` in it are not read as format characters),
 * a double quote in it escaped, and a symbol ending in a letter (a bare code such as SGD, or kr) kept apart from
 * the number by a non-breaking space, so `SGD 1,234` never wraps between the two.
 */
function symbolLiteral(symbol: string): string {
  const spaced = /\p{L}$/u.test(symbol) ? `${symbol}\u00a0` : symbol;
  return spaced
    .split('"')
    .map((part) => (part === "" ? "" : `"${part}"`))
    .join('\\"');
}

/**
 * The reporting currency of a published warehouse (ops.reporting_settings), opened read-only. A warehouse
 * published before the setting existed has no such table, and its amounts are CNY.
 */
export async function readReportingCurrency(warehousePath: string): Promise<ReportingCurrency> {
  const row = await readReportingSettings(warehousePath);
  return row ? { code: row.currency_code, symbol: row.currency_symbol } : { ...DEFAULT_REPORTING_CURRENCY };
}

/**
 * The name the site's header shows (ops.reporting_settings.site_title: the config's company name), or undefined for a
 * warehouse published before it existed (the layout then shows its neutral title). The build and the live preview
 * hand it to the layout (reports/+layout.svelte) as VITE_SITE_TITLE.
 */
export async function readSiteTitle(warehousePath: string): Promise<string | undefined> {
  return (await readReportingSettings(warehousePath))?.site_title ?? undefined;
}

/** The warehouse's row of ops.reporting_settings, or undefined when it has none (published before the table existed). */
async function readReportingSettings(
  warehousePath: string,
): Promise<{ currency_code: string; currency_symbol: string; site_title?: string | null } | undefined> {
  return withDatabase(
    warehousePath,
    async (connection) => {
      const columns = await queryRows<{ column_name: string }>(
        connection,
        "select column_name from information_schema.columns " +
          "where table_schema = 'ops' and table_name = 'reporting_settings'",
      );
      if (!columns.length) return undefined;
      const withTitle = columns.some((c) => c.column_name === "site_title");
      const [row] = await queryRows<{ currency_code: string; currency_symbol: string; site_title?: string | null }>(
        connection,
        `select currency_code, currency_symbol${withTitle ? ", site_title" : ""} from ops.reporting_settings limit 1`,
      );
      return row;
    },
    { readOnly: true },
  );
}

/** Where Evidence reads custom formats from, relative to the workspace (its .evidence/template is the server's cwd). */
export const CUSTOM_FORMATTING_FILE = path.join(".evidence", "customization", "custom-formatting.json");

/**
 * Writes the named formats, money in `currency`, into an Evidence workspace. Called with the workspace locked, before
 * `evidence build` or `evidence dev` starts: Evidence reads the file when it prerenders each page (build) or
 * serves one (dev), so a site built or previewed from a warehouse shows that warehouse's currency.
 */
export async function writeNumberFormats(workspaceDir: string, currency: ReportingCurrency): Promise<string> {
  const file = path.join(workspaceDir, CUSTOM_FORMATTING_FILE);
  await mkdir(path.dirname(file), { recursive: true });
  const settings = { version: "1.0", customFormats: numberFormats(currency) };
  await writeFile(file, `${JSON.stringify(settings, null, 2)}\n`);
  return file;
}

/** Reads the warehouse's currency and writes the formats into the workspace; returns the currency, for the log. */
export async function prepareNumberFormats(workspaceDir: string, warehousePath: string): Promise<ReportingCurrency> {
  const currency = await readReportingCurrency(warehousePath);
  await writeNumberFormats(workspaceDir, currency);
  return currency;
}
