/**
 * Lands a stream of records in raw: each record is parsed with the table's zod contract; valid
 * ones are bulk-appended to a landing table, invalid ones go to quarantine with the reason and
 * the original payload. Then the landing table reaches raw in one transaction per unit of work:
 * - full streams: once, at the end, replacing the raw table (a failed extract changes nothing);
 * - incremental streams: per batch, merged by primary key, with the stream's cursor saved in the
 *   same transaction — so the saved state never runs ahead of what is durably stored.
 * Every unit of work is reconciled from the tables themselves: rows read = loaded + quarantined
 * + deleted, or nothing of it is kept. A record the source marks deleted counts as deleted in
 * both modes: an incremental load removes its key from raw, a full load leaves it out of the new
 * raw table.
 *
 * Bulk data movement (appenders, insert…select of rows) is SQL; the bookkeeping in `meta`
 * (stream state, quarantine counts) goes through kysely, typed by the meta schema.
 */
import type { DuckDBAppender, DuckDBConnection } from "@duckdb/node-api";
import { sql, type Kysely } from "kysely";
import type { ZodError } from "zod";
import { duckdbTypeOf, recordSchema, type TableSpec } from "../shared/contracts/column-spec.js";
import { queryRows, quoteIdent, quoteLiteral } from "../shared/warehouse/duckdb.js";
import { kyselyOn } from "../shared/warehouse/kysely-dialect.js";
import type { MetaDatabase } from "../shared/warehouse/meta-schema.js";
import { landingTableName, prepareRawAndLanding, rawTableName } from "./raw-tables.js";
import { assertReconciles } from "./reconciliation.js";
import type { LoadResult, RecordStream, SourceRecord } from "../shared/source-stream.js";
import { crashPoint } from "../shared/crash-points.js";

/** Formats a zod error as `field: problem; field: problem`. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "record"}: ${issue.message}`)
    .join("; ");
}

function appendText(appender: DuckDBAppender, value: unknown): void {
  if (value === null || value === undefined) appender.appendNull();
  else appender.appendVarchar(typeof value === "string" ? value : String(value));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "null";
  } catch {
    return String(value);
  }
}

async function countRows(connection: DuckDBConnection, query: string, params: unknown[] = []): Promise<number> {
  const [row] = await queryRows<{ n: number }>(connection, `select count(*) as n from (${query})`, params);
  return row?.n ?? 0;
}

/**
 * A key delivered more than once in one unit of work: the later record wins (it is the newer
 * version), the earlier ones go to quarantine with the reason, so nothing vanishes and the counts
 * still reconcile. Returns how many were moved.
 */
export async function quarantineSupersededDuplicates(
  connection: DuckDBConnection,
  runId: string,
  source: string,
  table: TableSpec,
): Promise<number> {
  const landing = landingTableName(source, table);
  const keys = table.primaryKey.map(quoteIdent).join(", ");
  const superseded = `select rowid from ${landing} qualify row_number() over (partition by ${keys} order by rowid desc) > 1`;
  const moved = await countRows(connection, superseded);
  if (moved === 0) return 0;
  const contractColumns = table.columns.map((c) => `${quoteIdent(c.name)} := ${quoteIdent(c.name)}`).join(", ");
  await connection.run(`
    insert into meta.quarantine
    select ${quoteLiteral(runId)}, ${quoteLiteral(source)}, ${quoteLiteral(table.name)}, _source_location,
           'duplicate key (${table.primaryKey.join(", ")}): a later record with the same key was loaded instead',
           to_json(struct_pack(${contractColumns}))::varchar, _loaded_at
    from ${landing} where rowid in (${superseded})`);
  await connection.run(`delete from ${landing} where rowid in (${superseded})`);
  return moved;
}

type MetaDb = Kysely<MetaDatabase>;

/** The saved extract state of a stream, or undefined before its first successful load. */
export async function readStreamState(connection: DuckDBConnection, source: string, stream: string): Promise<unknown> {
  return readState(kyselyOn<MetaDatabase>(connection), source, stream);
}

async function readState(db: MetaDb, source: string, stream: string): Promise<unknown> {
  const row = await db
    .selectFrom("meta.stream_state")
    .select("state")
    .where("source", "=", source)
    .where("stream", "=", stream)
    .executeTakeFirst();
  return row ? JSON.parse(row.state) : undefined;
}

async function saveStreamState(db: MetaDb, runId: string, source: string, stream: string, state: unknown) {
  const values = {
    state: JSON.stringify(state),
    run_id: runId,
    updated_at: sql<string>`(now() at time zone 'UTC')`,
  };
  await db
    .insertInto("meta.stream_state")
    .values({ source, stream, ...values })
    .onConflict((oc) => oc.columns(["source", "stream"]).doUpdateSet(values))
    .execute();
}

/** Puts a stream's saved state back to `state` (undefined: as before its first load). */
async function restoreStreamState(db: MetaDb, runId: string, source: string, stream: string, state: unknown) {
  if (state === undefined) {
    await db.deleteFrom("meta.stream_state").where("source", "=", source).where("stream", "=", stream).execute();
  } else {
    await saveStreamState(db, runId, source, stream, state);
  }
}

/** Records of this run's load of one stream that are in quarantine. */
async function quarantinedCount(db: MetaDb, runId: string, source: string, stream: string): Promise<number> {
  const row = await db
    .selectFrom("meta.quarantine")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("run_id", "=", runId)
    .where("source", "=", source)
    .where("stream", "=", stream)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Validates one batch into the landing appender and the quarantine; returns what it did. */
class BatchWriter {
  private readonly schema;
  private readonly keySchema;
  readonly deletedKeys: Record<string, unknown>[] = [];
  appended = 0;
  rejected = 0;

  constructor(
    private readonly table: TableSpec,
    private readonly meta: { runId: string; source: string; loadedAt: string },
    private readonly landing: DuckDBAppender,
    private readonly quarantine: DuckDBAppender,
  ) {
    this.schema = recordSchema(table);
    this.keySchema = recordSchema({
      ...table,
      columns: table.columns.filter((c) => table.primaryKey.includes(c.name)),
    }).strip();
  }

  write({ record, location, deleted }: SourceRecord): void {
    if (deleted) {
      const key = this.keySchema.safeParse(record);
      if (key.success) {
        this.deletedKeys.push(key.data);
        return;
      }
      this.reject(record, location, `deleted record without a valid key: ${describeZodError(key.error)}`);
      return;
    }
    const parsed = this.schema.safeParse(record);
    if (!parsed.success) {
      this.reject(record, location, describeZodError(parsed.error));
      return;
    }
    const row = parsed.data as Record<string, unknown>;
    for (const column of this.table.columns) appendText(this.landing, row[column.name]);
    appendText(this.landing, this.meta.runId);
    appendText(this.landing, this.meta.loadedAt);
    appendText(this.landing, location);
    this.landing.endRow();
    this.appended++;
  }

  private reject(record: unknown, location: string, reason: string): void {
    const { runId, source, loadedAt } = this.meta;
    for (const value of [runId, source, this.table.name, location, reason, safeJson(record), loadedAt]) {
      appendText(this.quarantine, value);
    }
    this.quarantine.endRow();
    this.rejected++;
  }

  flush(): void {
    this.landing.flushSync();
    this.quarantine.flushSync();
  }
}

/** Loads one stream into raw (replacing it, or merging into it for incremental streams). */
export async function loadRecordStream(
  connection: DuckDBConnection,
  runId: string,
  stream: RecordStream,
  onProgress?: (rowsRead: number) => void,
): Promise<LoadResult> {
  const started = Date.now();
  const { source, table } = stream;
  const incremental = stream.mode === "incremental";
  const loadedAt = new Date().toISOString();
  const db = kyselyOn<MetaDatabase>(connection);
  await prepareRawAndLanding(connection, source, table);
  const savedState = incremental ? await readState(db, source, table.name) : undefined;

  const landing = await connection.createAppender(`${source}__${table.name}`, "landing");
  const quarantine = await connection.createAppender("quarantine", "meta");
  const writer = new BatchWriter(table, { runId, source, loadedAt }, landing, quarantine);
  let read = 0;
  let loaded = 0;
  let deleted = 0;
  let lastState: unknown;
  try {
    for await (const batch of stream.read(savedState)) {
      if (batch.state !== undefined) lastState = batch.state;
      for (const record of batch.records) {
        read++;
        writer.write(record);
      }
      writer.flush();
      onProgress?.(read);
      if (incremental) {
        const merged = await mergeLandingIntoRaw(connection, db, runId, source, table, writer.deletedKeys, batch.state);
        loaded += merged.loaded;
        deleted += merged.deleted;
      } else {
        // A full load replaces raw, so a deleted record is simply not carried over: it is only counted.
        deleted += writer.deletedKeys.length;
      }
      writer.deletedKeys.length = 0;
    }
  } finally {
    landing.closeSync();
    quarantine.closeSync();
  }
  const expected = stream.expectedCount ? await stream.expectedCount() : undefined;
  if (incremental) {
    const quarantined = await quarantinedCount(db, runId, source, table.name);
    try {
      assertReconciles(source, table.name, {
        read,
        loaded: loaded + deleted,
        rejected: quarantined,
        expected,
        keptMergedBatches: loaded + deleted > 0,
      });
    } catch (error) {
      // Each batch was merged (with its cursor) as it came, so a mismatch found at the end cannot undo them. The
      // rows merged are real rows of the source, by key; what must not stand is a cursor past rows this load may
      // have missed. Put it back where the load started: the next run reads everything again, merging by key.
      await restoreStreamState(db, runId, source, table.name, savedState);
      throw error;
    }
    await connection.run(`drop table if exists ${landingTableName(source, table)}`);
  } else {
    loaded = await replaceRawFromLanding(connection, runId, source, table, {
      read,
      deleted,
      expected,
      state: lastState,
    });
  }
  return {
    source,
    stream: table.name,
    read,
    loaded,
    // Reconciled above: everything read and neither loaded nor deleted is in quarantine.
    rejected: read - loaded - deleted,
    deleted,
    durationMs: Date.now() - started,
  };
}

function keyMatch(table: TableSpec, left: string, right: string): string {
  return table.primaryKey.map((k) => `${left}.${quoteIdent(k)} = ${right}.${quoteIdent(k)}`).join(" and ");
}

/**
 * Merges the landing table into raw by primary key and saves the stream's state, in one
 * transaction. Returns the rows accepted (a key delivered twice in one batch counts both times;
 * the later version wins) and the keys deleted.
 */
async function mergeLandingIntoRaw(
  connection: DuckDBConnection,
  db: MetaDb,
  runId: string,
  source: string,
  table: TableSpec,
  deletedKeys: readonly Record<string, unknown>[],
  state: unknown,
): Promise<{ loaded: number; deleted: number }> {
  const raw = rawTableName(source, table);
  const landing = landingTableName(source, table);
  const keys = table.primaryKey.map(quoteIdent).join(", ");
  await connection.run("begin transaction");
  try {
    await quarantineSupersededDuplicates(connection, runId, source, table);
    await connection.run(`delete from ${raw} as t using ${landing} as l where ${keyMatch(table, "t", "l")}`);
    if (deletedKeys.length) {
      const keyColumns = table.columns.filter((c) => table.primaryKey.includes(c.name));
      const values = deletedKeys
        .map(
          (k) => `(${keyColumns.map((c) => `${quoteLiteral(String(k[c.name]))}::${duckdbTypeOf[c.type]}`).join(", ")})`,
        )
        .join(", ");
      await connection.run(
        `delete from ${raw} as t using (values ${values}) as d(${keys}) where ${keyMatch(table, "t", "d")}`,
      );
    }
    const before = await countRows(connection, `select 1 from ${raw} where _run_id = $1`, [runId]);
    const landed = await countRows(connection, `select 1 from ${landing}`);
    await connection.run(`insert into ${raw} select * from ${landing}`);
    const after = await countRows(connection, `select 1 from ${raw} where _run_id = $1`, [runId]);
    if (after - before !== landed) {
      throw new Error(`merge into ${source}.${table.name} stored ${after - before} rows, expected ${landed}`);
    }
    if (state !== undefined) await saveStreamState(db, runId, source, table.name, state);
    await connection.run(`delete from ${landing}`);
    crashPoint("load:before-commit");
    await connection.run("commit");
    crashPoint("load:batch-merged");
    return { loaded: landed, deleted: deletedKeys.length };
  } catch (error) {
    await connection.run("rollback");
    throw error;
  }
}

/**
 * Swaps the landing table into raw and reconciles inside one transaction: the counts come from the
 * tables themselves (not from the loader's own counters), so a row lost on the way is caught.
 * `deleted`: records read that the source marked deleted (not landed). Returns the rows loaded.
 */
export async function replaceRawFromLanding(
  connection: DuckDBConnection,
  runId: string,
  source: string,
  table: TableSpec,
  counts: { read: number; deleted?: number; expected?: number | undefined; state?: unknown },
): Promise<number> {
  const db = kyselyOn<MetaDatabase>(connection);
  const raw = rawTableName(source, table);
  await connection.run("begin transaction");
  try {
    await quarantineSupersededDuplicates(connection, runId, source, table);
    await connection.run(`delete from ${raw}`);
    await connection.run(`insert into ${raw} select * from ${landingTableName(source, table)}`);
    const loaded = await countRows(connection, `select 1 from ${raw} where _run_id = $1`, [runId]);
    const rejected = await quarantinedCount(db, runId, source, table.name);
    assertReconciles(source, table.name, {
      read: counts.read,
      loaded: loaded + (counts.deleted ?? 0),
      rejected,
      expected: counts.expected,
    });
    if (counts.state !== undefined) await saveStreamState(db, runId, source, table.name, counts.state);
    crashPoint("load:before-commit");
    await connection.run("commit");
    return loaded;
  } catch (error) {
    await connection.run("rollback");
    throw error;
  } finally {
    await connection.run(`drop table if exists ${landingTableName(source, table)}`);
  }
}
