/**
 * Where and how a source table lands in the raw database: `<source>.<table>` with the source's
 * columns plus load metadata, so every raw row says which run brought it and from where.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { duckdbCreateTable, type TableSpec } from "../shared/contracts/column-spec.js";
import { queryRows, quoteIdent, quoteLiteral } from "../shared/warehouse/duckdb.js";

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
  await alignRawTable(connection, source, table);
  await connection.run(`drop table if exists ${landingTableName(source, table)}`);
  await connection.run(duckdbCreateTable(landingTableName(source, table), table, [...LOAD_METADATA_COLUMNS]));
}

/**
 * Brings a raw table made by an earlier version of the contract to the contract's columns, in its order: a column
 * the contract added (an optional one, such as channels.channel_name_zh) is added, empty for the rows already
 * there; a column it dropped goes. Loads append to raw by position, so a raw table of another shape would fail the
 * next load (or, worse, shift values between columns). The rows are copied by column name in one statement each;
 * a table already in shape is left alone.
 */
export async function alignRawTable(connection: DuckDBConnection, source: string, table: TableSpec): Promise<void> {
  const existing = (
    await queryRows<{ column_name: string }>(
      connection,
      `select column_name from duckdb_columns()
       where database_name = current_database() and schema_name = ${quoteLiteral(source)}
         and table_name = ${quoteLiteral(table.name)}
       order by column_index`,
    )
  ).map((row) => row.column_name);
  const wanted = [...table.columns.map((column) => column.name), ...LOAD_METADATA_COLUMNS.map((c) => c.split(" ")[0]!)];
  if (existing.length === 0 || existing.join("\u0000") === wanted.join("\u0000")) return;
  const raw = rawTableName(source, table);
  const reshaped = `${quoteIdent(source)}.${quoteIdent(`${table.name}__reshaped`)}`;
  const kept = wanted.filter((column) => existing.includes(column)).map(quoteIdent);
  // One transaction (unless the caller's is already open): a run killed half-way keeps the old table whole.
  const own = await connection.run("begin transaction").then(
    () => true,
    () => false,
  );
  try {
    await connection.run(`drop table if exists ${reshaped}`);
    await connection.run(duckdbCreateTable(reshaped, table, [...LOAD_METADATA_COLUMNS]));
    await connection.run(`insert into ${reshaped} (${kept.join(", ")}) select ${kept.join(", ")} from ${raw}`);
    await connection.run(`drop table ${raw}`);
    await connection.run(`alter table ${reshaped} rename to ${quoteIdent(table.name)}`);
    if (own) await connection.run("commit");
  } catch (error) {
    if (own) await connection.run("rollback").catch(() => undefined);
    throw error;
  }
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
    await alignRawTable(connection, source, table);
  }
}
