/**
 * Builds a tiny raw DuckDB file by hand, shaped exactly like the loader's: every contract table at
 * `<source>.<table>` with the load metadata columns, plus the loader's `meta` schema (empty).
 */
import { existsSync, rmSync } from "node:fs";
import { duckdbCreateTable, type TableSpec } from "../../../pipelines/shared/contracts/column-spec.js";
import { SOURCE_TABLES } from "../../../pipelines/shared/contracts/source-tables.js";
import { LOAD_METADATA_COLUMNS, rawTableName } from "../../../pipelines/load/raw-tables.js";
import { queryRows, quoteIdent, quoteLiteral, withDatabase } from "../../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../../pipelines/shared/warehouse/meta-schema.js";

/** A raw row: contract columns by name, optionally `_loaded_at` / `_run_id` / `_source_location` to override the defaults. */
export type RawRow = Record<string, string | number | boolean | null>;

/** Rows per raw table, keyed `<source>.<table>` (e.g. `order_system.orders`); tables not named stay empty. */
export type RawFixture = Record<string, RawRow[]>;

/** Every raw table the contracts define, by source. */
export const RAW_SOURCES: Readonly<Record<string, readonly TableSpec[]>> = SOURCE_TABLES.reduce<
  Record<string, TableSpec[]>
>((bySource, { source, table }) => ({ ...bySource, [source]: [...(bySource[source] ?? []), table] }), {});

export interface RawDatabaseOptions {
  /** Default `_loaded_at` of every row (UTC). */
  readonly loadedAt?: string;
  /** Default `_run_id` of every row. */
  readonly runId?: string;
}

const METADATA = ["_run_id", "_loaded_at", "_source_location"] as const;

function sqlLiteral(value: RawRow[string] | undefined): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return quoteLiteral(value);
}

/** Creates (replacing) a raw database at `path` holding `fixture`; unknown table or column names throw. */
export async function createRawDatabase(
  path: string,
  fixture: RawFixture,
  options: RawDatabaseOptions = {},
): Promise<void> {
  for (const suffix of ["", ".wal"]) if (existsSync(path + suffix)) rmSync(path + suffix);
  const loadedAt = options.loadedAt ?? "2024-04-01 02:00:00";
  const runId = options.runId ?? "raw-fixture";
  const known = new Map<string, TableSpec>();
  for (const [source, tables] of Object.entries(RAW_SOURCES))
    for (const table of tables) known.set(`${source}.${table.name}`, table);
  for (const key of Object.keys(fixture)) {
    if (!known.has(key))
      throw new Error(`fixture names ${key}, which is no raw table (expected one of ${[...known.keys()].join(", ")})`);
  }

  await withDatabase(path, async (connection) => {
    await ensureMetaSchema(connection);
    for (const [source, tables] of Object.entries(RAW_SOURCES)) {
      await connection.run(`create schema if not exists ${quoteIdent(source)}`);
      for (const table of tables) {
        const qualified = rawTableName(source, table);
        await connection.run(duckdbCreateTable(qualified, table, [...LOAD_METADATA_COLUMNS]));
        const rows = fixture[`${source}.${table.name}`] ?? [];
        if (!rows.length) continue;
        const columns = [...table.columns.map((c) => c.name), ...METADATA];
        const values = rows.map((row, index) => {
          const unknown = Object.keys(row).filter((name) => !columns.includes(name));
          if (unknown.length)
            throw new Error(
              `fixture row ${index} of ${source}.${table.name} has unknown column(s) ${unknown.join(", ")}`,
            );
          const defaults: RawRow = {
            updated_at: loadedAt,
            _run_id: runId,
            _loaded_at: loadedAt,
            _source_location: `fixture:${source}.${table.name}#${index + 1}`,
          };
          return `(${columns.map((name) => sqlLiteral(name in row ? row[name] : defaults[name])).join(", ")})`;
        });
        await connection.run(
          `insert into ${qualified} (${columns.map(quoteIdent).join(", ")}) values ${values.join(",\n")}`,
        );
      }
    }
    await connection.run("checkpoint");
  });
}

/** Runs one query against a DuckDB file opened read-only. */
export async function queryFile<T = Record<string, unknown>>(path: string, sql: string): Promise<T[]> {
  return withDatabase(path, (connection) => queryRows<T>(connection, sql), { readOnly: true });
}
