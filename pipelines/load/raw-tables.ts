/**
 * Where and how a source table lands in the raw database: `<source>.<table>` with the source's
 * columns plus load metadata, so every raw row says which run brought it and from where.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { duckdbCreateTable, type TableSpec } from "../shared/contracts/column-spec.js";
import { quoteIdent } from "../shared/warehouse/duckdb.js";

/** Load metadata columns on every raw table. */
export const LOAD_METADATA_COLUMNS = [
  "_run_id VARCHAR NOT NULL",
  "_loaded_at TIMESTAMP NOT NULL",
  "_source_location VARCHAR NOT NULL",
] as const;

export function rawTableName(source: string, table: TableSpec): string {
  return `${quoteIdent(source)}.${quoteIdent(table.name)}`;
}

/** A scratch table a load fills before it replaces the raw table in one transaction. */
export function landingTableName(source: string, table: TableSpec): string {
  return `${quoteIdent("landing")}.${quoteIdent(`${source}__${table.name}`)}`;
}

/** Creates the raw table (if missing) and an empty landing table of the same shape. */
export async function prepareRawAndLanding(connection: DuckDBConnection, source: string, table: TableSpec) {
  await connection.run(`create schema if not exists ${quoteIdent(source)}; create schema if not exists landing;`);
  await connection.run(
    duckdbCreateTable(rawTableName(source, table), table, [...LOAD_METADATA_COLUMNS]).replace(
      /^create table/,
      "create table if not exists",
    ),
  );
  await connection.run(`drop table if exists ${landingTableName(source, table)}`);
  await connection.run(duckdbCreateTable(landingTableName(source, table), table, [...LOAD_METADATA_COLUMNS]));
}

/**
 * Creates every contract table in raw that is not there yet (empty), so the models build even
 * when a source has never loaded (its first extract failed, or the company does not have it).
 */
export async function ensureRawTables(
  connection: DuckDBConnection,
  tables: ReadonlyArray<{ source: string; table: TableSpec }>,
): Promise<void> {
  for (const { source, table } of tables) {
    await connection.run(`create schema if not exists ${quoteIdent(source)}`);
    await connection.run(
      duckdbCreateTable(rawTableName(source, table), table, [...LOAD_METADATA_COLUMNS]).replace(
        /^create table/,
        "create table if not exists",
      ),
    );
  }
}
