/**
 * Opening DuckDB files. Every DuckDB connection in the product goes through here so that
 * lock conflicts, closing and read-only opens are handled the same way everywhere.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

/** A warehouse file could not be opened; the message says why and what to do. */
export class WarehouseOpenError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const hint = /lock/i.test(reason)
      ? ` Another process holds ${path} open (a preview server, a notebook, another refresh?). Close it and run again.`
      : "";
    super(`Could not open DuckDB file ${path}: ${reason}.${hint}`, { cause });
    this.name = "WarehouseOpenError";
  }
}

export interface OpenOptions {
  readOnly?: boolean;
}

/**
 * DuckDB's resource settings for every database this process opens (config `duckdb:`): how much memory it may use
 * before it spills to disk, where it spills, and how many threads it runs. Unset, DuckDB's own defaults apply (80% of
 * the machine's memory, a `.tmp` folder beside each database file, one thread per core).
 */
export interface DuckDBResourceSettings {
  readonly memory_limit?: string | undefined;
  readonly temp_directory?: string | undefined;
  readonly threads?: number | undefined;
}

let resourceSettings: DuckDBResourceSettings = {};

/**
 * Sets the resource settings every later openDatabase uses (a run sets them once from its config). Process-wide on
 * purpose: the refresh opens the raw database, the build and the published warehouse from many modules, and a limit
 * that one of them forgot would be no limit.
 */
export function useDuckDBResources(settings: DuckDBResourceSettings): void {
  resourceSettings = { ...settings };
}

/** The resource settings in force, as DuckDB's configuration options (strings). */
function resourceOptions(): Record<string, string> {
  const options: Record<string, string> = {};
  if (resourceSettings.memory_limit) options["memory_limit"] = resourceSettings.memory_limit;
  if (resourceSettings.temp_directory) options["temp_directory"] = resourceSettings.temp_directory;
  if (resourceSettings.threads) options["threads"] = String(resourceSettings.threads);
  return options;
}

export interface OpenDatabase {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  close(): void;
}

/** Opens (creating if needed) a DuckDB file or `:memory:` and one connection to it. */
export async function openDatabase(path: string, options: OpenOptions = {}): Promise<OpenDatabase> {
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, {
      ...resourceOptions(),
      ...(options.readOnly ? { access_mode: "READ_ONLY" } : {}),
    });
  } catch (error) {
    throw new WarehouseOpenError(path, error);
  }
  const connection = await instance.connect();
  return {
    instance,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs `fn` with a connection to `path`, closing it afterwards whatever happens. */
export async function withDatabase<T>(
  path: string,
  fn: (connection: DuckDBConnection) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const db = await openDatabase(path, options);
  try {
    return await fn(db.connection);
  } finally {
    db.close();
  }
}

/** Converts DuckDB's JS values into plain JSON-friendly ones: bigints become numbers when safe. */
export function plainValue(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  return value;
}

/** Runs a query and returns its rows as plain objects. */
export async function queryRows<T = Record<string, unknown>>(
  connection: DuckDBConnection,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const reader = await connection.runAndReadAll(sql, params.map(toDuckDBParam) as never);
  return reader.getRowObjectsJS().map((row) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) out[key] = plainValue(value);
    return out as T;
  });
}

/** DuckDB binds strings, numbers, booleans, bigints and null; dates travel as ISO strings. */
export function toDuckDBParam(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return null;
  return value;
}

/** Double-quotes an identifier for DuckDB SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Single-quotes a string literal for DuckDB SQL. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A table's columns and their DuckDB types, in order: `{ run_id: "varchar", sample_keys: "varchar[]" }`. */
export type ColumnTypes = Readonly<Record<string, string>>;

/** `name type, ...` for a create table or a struct type. */
export function columnList(columns: ColumnTypes): string {
  return Object.entries(columns)
    .map(([name, type]) => `${quoteIdent(name)} ${type}`)
    .join(", ");
}

/**
 * Inserts `rows` (objects keyed by column name) into `table` by name, all in one JSON parameter cast to the columns'
 * types: a thousand rows written as literals take several times as long to parse, and a bound parameter needs no
 * quoting.
 */
export async function insertRowsAsJson(
  connection: DuckDBConnection,
  table: string,
  columns: ColumnTypes,
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
): Promise<void> {
  if (!rows.length) return;
  const prepared = await connection.prepare(
    `insert into ${table} by name
     select unnest(cast($1::json as struct(${columnList(columns)})[]), recursive := true)`,
  );
  prepared.bindVarchar(1, JSON.stringify(rows));
  await prepared.run();
}
