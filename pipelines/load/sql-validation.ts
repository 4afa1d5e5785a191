/**
 * The table contracts expressed as SQL, for sources DuckDB reads itself (CSV, spreadsheets): one
 * pass computes, per row, every way it breaks the contract. Same rules as the zod validators in
 * contracts/column-spec.ts, so a record is judged the same whichever path it takes.
 *
 * Rows are the contract's columns as cleaned text (`cleanedSql`: trimmed, blank cells null), named
 * after the contract, plus each non-text column parsed once (`parsedSelectSql`). Which columns a file
 * lacks is known per file, so it is part of the statement, not of every row.
 */
import {
  decimalsCheckSql,
  duckdbTypeOf,
  FORMULA_IDENTIFIER_REASON,
  FORMULA_TRIGGERS,
  isIdentifierColumn,
  MONEY_DECIMALS,
  MONEY_DECIMALS_REASON,
  PRICE_DECIMALS,
  PRICE_DECIMALS_REASON,
  type ColumnSpec,
  type TableSpec,
} from "../shared/contracts/column-spec.js";
import { quoteIdent, quoteLiteral } from "../shared/warehouse/duckdb.js";
import { quotedValueSql } from "../shared/quarantine-reasons.js";

/** A regex character class of FORMULA_TRIGGERS. */
const REGEX_ESCAPES: Readonly<Record<string, string>> = { "-": "\\-", "\t": "\\t", "\r": "\\r" };
const FORMULA_CLASS = `[${FORMULA_TRIGGERS.map((c) => REGEX_ESCAPES[c] ?? c).join("")}]`;
/** Quotes, then a formula character: how a spreadsheet-safe export writes text a spreadsheet would run (a regex). */
const QUOTED_FORMULA = `^'+${FORMULA_CLASS}`;
/**
 * A text starting like a formula. A regex: measured on the demo's 65,000 partner-file lines, `ascii(v) in (...)` or a
 * chain of prefix() calls over the cleaned identifiers doubled the time of the whole load; this costs next to nothing.
 */
const FORMULA_START = `^${FORMULA_CLASS}`;

/**
 * `nullif(trim(text), '')`: blank cells are missing values. trim() builds a new string, which costs
 * more than the rest of the judging, so it runs only where there is something to trim: a space at
 * either end, or a non-ASCII character (trim also removes Unicode spaces such as U+00A0 and U+3000).
 *
 * A cell starting with a single quote before a formula character (`'=SUM(A1)`, `'+86 139 ...`) is
 * read without that quote: it is how the templates exporter, and spreadsheet-safe exports in general
 * (OWASP's advice on CSV injection), write text a spreadsheet would otherwise run. The exporter
 * quotes text already starting with quotes before such a character once more, so every value comes
 * back exactly as it was. Only cells starting with a quote pay for the check.
 */
export function cleanedSql(text: string): string {
  const unquoted = `case when regexp_matches(${text}, ${quoteLiteral(QUOTED_FORMULA)}) then substr(${text}, 2) else ${text} end`;
  return (
    `nullif(case when prefix(${text}, '''') then trim(${unquoted}) ` +
    `when prefix(${text}, ' ') or suffix(${text}, ' ') or strlen(${text}) <> length(${text}) then trim(${text}) ` +
    `else ${text} end, '')`
  );
}

/** The column holding a column's parsed value (see parsedSelectSql). */
function parsed(table: TableSpec, column: ColumnSpec): string {
  return quoteIdent(`__parsed_${table.columns.indexOf(column)}`);
}

/** Whether a column's typed value is cast from its text (exact, where a double might not be): money and prices. */
function isDecimal(column: ColumnSpec): boolean {
  return column.type === "money" || column.type === "price";
}

/**
 * The type a column's text is parsed as to judge it: integers as BIGINT (range checked on load), money and prices as
 * DOUBLE.
 */
function parseType(column: ColumnSpec): string {
  if (column.type === "integer" || column.type === "bigint") return "BIGINT";
  if (isDecimal(column)) return "DOUBLE";
  return duckdbTypeOf[column.type];
}

/** The select list parsing each non-text column's cleaned text once, for the checks and the typed value. */
export function parsedSelectSql(table: TableSpec): string {
  const columns = table.columns.filter((c) => c.type !== "text");
  return columns.length
    ? columns.map((c) => `try_cast(${quoteIdent(c.name)} as ${parseType(c)}) as ${parsed(table, c)}`).join(", ")
    : "null as __parsed_none";
}

/** The ways a column's value can break the contract: the condition, and the reason it gives. */
function checkColumn(table: TableSpec, column: ColumnSpec, missing: ReadonlySet<string>): Array<[string, string]> {
  const name = column.name;
  const v = quoteIdent(name);
  if (missing.has(name)) return column.nullable ? [] : [["true", quoteLiteral(`${name}: column missing from file`)]];
  const checks: Array<[string, string]> = [];
  if (!column.nullable) checks.push([`${v} is null`, quoteLiteral(`${name}: required`)]);
  if (column.type !== "text") {
    const value = parsed(table, column);
    checks.push([
      `${v} is not null and ${value} is null`,
      // The value quoted for operators; the published warehouse gets the reason without it (quarantine-reasons.ts).
      `${quoteLiteral(`${name}: not a ${column.type}`)} || ${quotedValueSql(v)}`,
    ]);
    // the same rule as the records' contract (hasAtMostDecimals): the tolerance grows with the value
    if (column.type === "money") {
      checks.push([
        `${value} is not null and ${decimalsCheckSql(value, MONEY_DECIMALS)}`,
        quoteLiteral(`${name}: ${MONEY_DECIMALS_REASON}`),
      ]);
    }
    if (column.type === "price") {
      checks.push([
        `${value} is not null and ${decimalsCheckSql(value, PRICE_DECIMALS)}`,
        quoteLiteral(`${name}: ${PRICE_DECIMALS_REASON}`),
      ]);
    }
  }
  if (column.values) {
    const list = column.values.map(quoteLiteral).join(", ");
    checks.push([
      `${v} is not null and ${v} not in (${list})`,
      quoteLiteral(`${name}: not one of ${column.values.join(", ")}`),
    ]);
  }
  if (isIdentifierColumn(table, column)) {
    checks.push([
      `regexp_matches(${v}, ${quoteLiteral(FORMULA_START)})`,
      quoteLiteral(`${name}: ${FORMULA_IDENTIFIER_REASON}`),
    ]);
  }
  return checks;
}

/**
 * An SQL expression giving the reasons a row breaks the contract, '' when it does not, for a file
 * lacking the `missing` contract columns; over the cleaned columns and parsedSelectSql's. Most rows
 * pass, so one boolean test comes first and the reasons are spelled out only for the rows failing it.
 */
export function rejectionReasonSql(table: TableSpec, missing: readonly string[] = []): string {
  const known = new Set(missing);
  const checks = table.columns.flatMap((c) => checkColumn(table, c, known));
  if (!checks.length) return "''";
  const failed = checks.map(([condition]) => `(${condition})`).join(" or ");
  const reasons = checks.map(([condition, reason]) => `case when ${condition} then ${reason} end`).join(", ");
  return `case when coalesce(${failed}, false) then concat_ws('; ', ${reasons}) else '' end`;
}

/** The select list giving a row's values in the table's types; only the values of rows that passed (`judged` is '') matter. */
export function typedSelectSql(table: TableSpec, judged: string): string {
  return table.columns
    .map((c) => {
      const v = quoteIdent(c.name);
      const typed =
        c.type === "text"
          ? v
          : isDecimal(c)
            ? `cast(${v} as ${duckdbTypeOf[c.type]})` // from the text: exact, where a double might not be
            : c.type === "integer"
              ? `cast(${parsed(table, c)} as ${duckdbTypeOf.integer})`
              : parsed(table, c);
      // Integers (range), money and prices (from the text) could fail on a rejected row's value: cast only valid rows.
      const guarded = c.type === "integer" || isDecimal(c);
      return `${guarded ? `case when ${judged} = '' then ${typed} end` : typed} as ${v}`;
    })
    .join(", ");
}
