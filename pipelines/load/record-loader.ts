/**
 * Lands a stream of records in raw: each record is parsed with the table's zod contract; valid
 * ones are bulk-appended to a landing table, invalid ones go to quarantine with the reason and
 * the original payload. Then, in one transaction, the raw table is replaced by the landing table
 * and the counts are reconciled — a load either lands whole and balanced, or not at all.
 */
import type { DuckDBAppender, DuckDBConnection } from "@duckdb/node-api";
import type { ZodError } from "zod";
import { recordSchema, type TableSpec } from "../contracts/column-spec.js";
import { queryRows } from "../warehouse/duckdb.js";
import { landingTableName, prepareRawAndLanding, rawTableName } from "./raw-tables.js";
import { assertReconciles } from "./reconciliation.js";
import type { LoadResult, RecordStream } from "./source-stream.js";

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

/** Loads one stream as a full replacement of its raw table; returns the reconciled counts. */
export async function loadRecordStream(
  connection: DuckDBConnection,
  runId: string,
  stream: RecordStream,
): Promise<LoadResult> {
  const started = Date.now();
  const table: TableSpec = stream.table;
  const schema = recordSchema(table);
  const loadedAt = new Date().toISOString();
  await prepareRawAndLanding(connection, stream.source, table);

  const [landingSchema, landingTable] = ["landing", `${stream.source}__${table.name}`];
  const landing = await connection.createAppender(landingTable, landingSchema);
  const quarantine = await connection.createAppender("quarantine", "meta");
  let read = 0;
  let appended = 0;
  let rejected = 0;
  try {
    for await (const batch of stream.read()) {
      for (const { record, location } of batch) {
        read++;
        const parsed = schema.safeParse(record);
        if (parsed.success) {
          const row = parsed.data as Record<string, unknown>;
          for (const column of table.columns) appendText(landing, row[column.name]);
          appendText(landing, runId);
          appendText(landing, loadedAt);
          appendText(landing, location);
          landing.endRow();
          appended++;
        } else {
          for (const value of [runId, stream.source, table.name, location, describeZodError(parsed.error)]) {
            appendText(quarantine, value);
          }
          appendText(quarantine, safeJson(record));
          appendText(quarantine, loadedAt);
          quarantine.endRow();
          rejected++;
        }
      }
      landing.flushSync();
      quarantine.flushSync();
    }
  } finally {
    landing.closeSync();
    quarantine.closeSync();
  }
  const expected = stream.expectedCount ? await stream.expectedCount() : undefined;
  await replaceRawFromLanding(connection, runId, stream.source, table, { read, rejected, expected });
  return {
    source: stream.source,
    stream: table.name,
    read,
    loaded: appended,
    rejected,
    durationMs: Date.now() - started,
  };
}

/**
 * Swaps the landing table into raw and reconciles inside one transaction: the counts come from the
 * tables themselves (not from the loader's own counters), so a row lost on the way is caught.
 */
export async function replaceRawFromLanding(
  connection: DuckDBConnection,
  runId: string,
  source: string,
  table: TableSpec,
  counts: { read: number; rejected: number; expected?: number | undefined },
): Promise<void> {
  const raw = rawTableName(source, table);
  await connection.run("begin transaction");
  try {
    await connection.run(`delete from ${raw}`);
    await connection.run(`insert into ${raw} select * from ${landingTableName(source, table)}`);
    const [loadedRow] = await queryRows<{ n: number }>(
      connection,
      `select count(*) as n from ${raw} where _run_id = $1`,
      [runId],
    );
    const [rejectedRow] = await queryRows<{ n: number }>(
      connection,
      `select count(*) as n from meta.quarantine where run_id = $1 and source = $2 and stream = $3`,
      [runId, source, table.name],
    );
    assertReconciles(source, table.name, {
      read: counts.read,
      loaded: loadedRow?.n ?? 0,
      rejected: rejectedRow?.n ?? 0,
      ...(counts.expected === undefined ? {} : { expected: counts.expected }),
    });
    await connection.run("commit");
  } catch (error) {
    await connection.run("rollback");
    throw error;
  } finally {
    await connection.run(`drop table if exists ${landingTableName(source, table)}`);
  }
}
