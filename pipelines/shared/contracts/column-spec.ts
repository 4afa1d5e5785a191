/**
 * A tiny declarative description of a source table. One spec per entity drives the
 * raw DuckDB DDL, the PostgreSQL DDL the demo order system is created with, and the
 * zod validator every extracted record passes through — so the three never drift.
 */
import { z } from "zod";
import { startsLikeFormula } from "../spreadsheet-safe.js";

/**
 * Logical column types; each maps to one DuckDB type and one PostgreSQL type. `money` is an amount, kept to the cent
 * (at most 2 decimals); `price` is a price or cost per unit, which shops quote to 4 decimals (0.0125 a gram).
 */
export type ColumnType =
  | "text"
  | "integer"
  | "bigint"
  | "double"
  | "money"
  | "price"
  | "date"
  | "timestamp"
  | "boolean";

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** Missing values allowed (default false). */
  readonly nullable?: boolean;
  /** Closed list of values the source promises (checked at extract time). */
  readonly values?: readonly string[];
  /**
   * An identifier (an id, key or code), which may not start like a spreadsheet formula (see
   * FORMULA_TRIGGERS). Default: a text column without a closed list of values that is part of the
   * primary key or is named `*_id`, `*_key`, `*_code` or `sku`. Set it to say otherwise.
   */
  readonly identifier?: boolean;
  /** The value the CSV template's example row shows, where the generic one would not explain the column. */
  readonly example?: string;
  /**
   * For an optional column: what it enables, and what the warehouse does when it is empty or absent (shown in the
   * templates README, so a company mapping its exports knows what leaving it out costs).
   */
  readonly whenMissing?: string;
}

export interface TableSpec {
  /** Entity name, used as the raw table name (e.g. `orders`). */
  readonly name: string;
  readonly description: string;
  readonly primaryKey: readonly string[];
  /** Column whose value grows when a row changes (incremental extracts). */
  readonly cursorColumn?: string;
  readonly columns: readonly ColumnSpec[];
  /**
   * A table a source may not have: an API answering 404 for it delivers nothing (noted, not an error). Its raw
   * table exists all the same, empty, so the models reading it still run.
   */
  readonly optional?: boolean;
  /**
   * What a company without this table loses (templates README). Absent: the table is needed for the warehouse's
   * core figures (orders, their lines, products, channels, regions).
   */
  readonly whenAbsent?: string;
}

export const duckdbTypeOf: Record<ColumnType, string> = {
  text: "VARCHAR",
  integer: "INTEGER",
  bigint: "BIGINT",
  double: "DOUBLE",
  money: "DECIMAL(18,2)",
  price: "DECIMAL(18,4)",
  date: "DATE",
  timestamp: "TIMESTAMP",
  boolean: "BOOLEAN",
};

export const postgresTypeOf: Record<ColumnType, string> = {
  text: "text",
  integer: "integer",
  bigint: "bigint",
  double: "double precision",
  money: "numeric(18,2)",
  price: "numeric(18,4)",
  date: "date",
  timestamp: "timestamp",
  boolean: "boolean",
};

// What a spreadsheet reads as a formula is defined once, in plain JavaScript the report site's data files use too.
export { FORMULA_TRIGGERS, startsLikeFormula } from "../spreadsheet-safe.js";

/**
 * Why an identifier starting like a formula is rejected. Ids reach leadership's spreadsheets through
 * every download of every report table, and no id needs these characters in front, so the record is
 * quarantined rather than loaded (free text is neutralised where it is written out instead).
 */
export const FORMULA_IDENTIFIER_REASON =
  "starts with =, +, -, @, a tab or a carriage return, which spreadsheets run as a formula; no identifier needs them: correct it at the source";

/** Whether a column is an identifier (see ColumnSpec.identifier). */
export function isIdentifierColumn(table: TableSpec, column: ColumnSpec): boolean {
  if (column.identifier !== undefined) return column.identifier;
  if (column.type !== "text" || column.values) return false;
  return table.primaryKey.includes(column.name) || /(_id|_key|_code)$|^sku$/.test(column.name);
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoTimestamp = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Turns a driver value (Date, number, numeric string) into the canonical string/number form. */
function normaliseTemporal(kind: "date" | "timestamp") {
  return z.preprocess(
    (v) => (v instanceof Date ? (kind === "date" ? v.toISOString().slice(0, 10) : v.toISOString()) : v),
    z
      .string()
      .regex(kind === "date" ? isoDate : isoTimestamp, `expected an ISO ${kind}`)
      .refine((s) => !Number.isNaN(Date.parse(s)), `not a real ${kind}`),
  );
}

const finiteNumber = z.preprocess(
  (v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v),
  z.number().finite(),
);

/** The decimals a `money` column keeps (DECIMAL(18,2)): amounts are to the cent. */
export const MONEY_DECIMALS = 2;
export const MONEY_DECIMALS_REASON = `money with more than ${MONEY_DECIMALS} decimals`;
/** The decimals a `price` column keeps (DECIMAL(18,4)). */
export const PRICE_DECIMALS = 4;
export const PRICE_DECIMALS_REASON = `price with more than ${PRICE_DECIMALS} decimals`;

/**
 * Whether a number has at most `decimals` decimals. The tolerance grows with the value: a double holds an amount
 * over a million only approximately (1234567.89 × 10,000 comes out 0.000002 off a whole number, 123456789.01 × 100
 * 0.000001 off), and such a value must pass; one more decimal (0.00125 for a price, 0.125 for money) never does.
 * The SQL check (sql-validation.ts, decimalsCheckSql) is the same.
 */
export function hasAtMostDecimals(n: number, decimals: number): boolean {
  const scaled = n * 10 ** decimals;
  return Math.abs(scaled - Math.round(scaled)) < Math.max(1e-6, Math.abs(scaled) * 1e-14);
}

/** hasAtMostDecimals as SQL, for a DOUBLE expression: true when the value has more decimals than `decimals`. */
export function decimalsCheckSql(value: string, decimals: number): string {
  const scaled = `(${value} * ${10 ** decimals})`;
  return `abs(${scaled} - round(${scaled})) >= greatest(1e-6, abs(${scaled}) * 1e-14)`;
}

function zodForColumn(column: ColumnSpec, identifier: boolean): z.ZodType {
  let schema: z.ZodType;
  switch (column.type) {
    case "text":
      schema = column.values
        ? z.enum(column.values as [string, ...string[]])
        : identifier
          ? z.string().refine((s) => !startsLikeFormula(s), FORMULA_IDENTIFIER_REASON)
          : z.string();
      break;
    case "integer":
    case "bigint":
      schema = finiteNumber.pipe(z.number().int());
      break;
    case "double":
      schema = finiteNumber;
      break;
    case "money":
      // Money is kept to the cent; more decimals means the source is not what we think it is.
      schema = finiteNumber.refine((n) => hasAtMostDecimals(n, MONEY_DECIMALS), MONEY_DECIMALS_REASON);
      break;
    case "price":
      // A price per unit has at most 4 decimals (a web shop's 0.0125 a gram).
      schema = finiteNumber.refine((n) => hasAtMostDecimals(n, PRICE_DECIMALS), PRICE_DECIMALS_REASON);
      break;
    case "date":
      schema = normaliseTemporal("date");
      break;
    case "timestamp":
      schema = normaliseTemporal("timestamp");
      break;
    case "boolean":
      schema = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());
      break;
  }
  return column.nullable
    ? schema
        .nullable()
        .optional()
        .transform((v) => v ?? null)
    : schema;
}

/** A zod validator for one record of the table; unknown fields are rejected so drift is never silent. */
export function recordSchema(table: TableSpec) {
  const shape: Record<string, z.ZodType> = {};
  for (const column of table.columns) shape[column.name] = zodForColumn(column, isIdentifierColumn(table, column));
  return z.strictObject(shape);
}

/** `CREATE TABLE` for DuckDB with the given qualified name and extra (metadata) columns. */
export function duckdbCreateTable(qualifiedName: string, table: TableSpec, extraColumns: string[] = []): string {
  const columns = table.columns.map((c) => `"${c.name}" ${duckdbTypeOf[c.type]}`);
  return `create table ${qualifiedName} (${[...columns, ...extraColumns].join(", ")})`;
}

/** `CREATE TABLE` for PostgreSQL (the demo order system). */
export function postgresCreateTable(qualifiedName: string, table: TableSpec): string {
  const columns = table.columns.map((c) => `"${c.name}" ${postgresTypeOf[c.type]}${c.nullable ? "" : " not null"}`);
  columns.push(`primary key (${table.primaryKey.map((k) => `"${k}"`).join(", ")})`);
  return `create table ${qualifiedName} (${columns.join(", ")})`;
}
