/**
 * Where and how a source table lands in the raw database: `<source>.<table>` with the source's
 * columns plus load metadata, so every raw row says which run brought it and from where.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { duckdbCreateTable, duckdbTypeOf, type TableSpec } from "../shared/contracts/column-spec.js";
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
 * Brings a raw table made by an earlier version of the contract to the contract's columns, in its order, and types: a
 * column the contract added (an optional one, such as channels.channel_name_zh) is added, empty for the rows already
 * there; a column it dropped goes; a column whose type changed is converted (price_list.floor_price, once money as
 * DECIMAL(18,2), is a price as DECIMAL(18,4): its values are kept exactly). Loads append to raw by position, so a raw
 * table of another shape would fail the next load, or worse, shift values between columns or round them to the old
 * type. The rows are copied by column name in one statement each; a table already in shape is left alone.
 */
export async function alignRawTable(connection: DuckDBConnection, source: string, table: TableSpec): Promise<void> {
  const existing = await queryRows<{ column_name: string; data_type: string }>(
    connection,
    `select column_name, data_type from duckdb_columns()
     where database_name = current_database() and schema_name = ${quoteLiteral(source)}
       and table_name = ${quoteLiteral(table.name)}
     order by column_index`,
  );
  const wanted = [
    ...table.columns.map((column) => ({ name: column.name, type: duckdbTypeOf[column.type] })),
    ...LOAD_METADATA_COLUMNS.map((c) => ({ name: c.split(" ")[0]!, type: c.split(" ")[1]! })),
  ];
  const shape = (columns: ReadonlyArray<{ name: string; type: string }>) =>
    columns.map((c) => `${c.name} ${c.type}`).join("\u0000");
  if (
    existing.length === 0 ||
    shape(existing.map((c) => ({ name: c.column_name, type: c.data_type }))) === shape(wanted)
  )
    return;
  const raw = rawTableName(source, table);
  const reshaped = `${quoteIdent(source)}.${quoteIdent(`${table.name}__reshaped`)}`;
  const typeOf = new Map(existing.map((c) => [c.column_name, c.data_type]));
  const kept = wanted.filter((column) => typeOf.has(column.name));
  // Each kept column is cast to its contract type: exact for a widened one (DECIMAL(18,2) to DECIMAL(18,4)); a value
  // the new type cannot hold fails the reshape, which then changes nothing and says which column.
  const select = kept.map((column) =>
    typeOf.get(column.name) === column.type
      ? quoteIdent(column.name)
      : `cast(${quoteIdent(column.name)} as ${column.type}) as ${quoteIdent(column.name)}`,
  );
  // One transaction (unless the caller's is already open): a run killed half-way keeps the old table whole.
  const own = await connection.run("begin transaction").then(
    () => true,
    () => false,
  );
  try {
    await connection.run(`drop table if exists ${reshaped}`);
    await connection.run(duckdbCreateTable(reshaped, table, [...LOAD_METADATA_COLUMNS]));
    await connection.run(
      `insert into ${reshaped} (${kept.map((c) => quoteIdent(c.name)).join(", ")}) select ${select.join(", ")} from ${raw}`,
    );
    await connection.run(`drop table ${raw}`);
    await connection.run(`alter table ${reshaped} rename to ${quoteIdent(table.name)}`);
    if (own) await connection.run("commit");
  } catch (error) {
    if (own) await connection.run("rollback").catch(() => undefined);
    const changed = kept
      .filter((column) => typeOf.get(column.name) !== column.type)
      .map((column) => `${column.name} ${typeOf.get(column.name)} -> ${column.type}`);
    if (!changed.length) throw error;
    throw new Error(
      `raw table ${source}.${table.name} could not be brought to the contract's types (${changed.join(", ")}): ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
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
