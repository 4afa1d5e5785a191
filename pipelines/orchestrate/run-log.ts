/**
 * The run log in the raw database (meta.runs, meta.run_steps, meta.loads), written through kysely
 * so its queries are typed. Every refresh leaves a row per run, per step and per loaded stream.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Kysely } from "kysely";
import type { LoadResult } from "../shared/source-stream.js";
import { kyselyOn } from "../shared/warehouse/kysely-dialect.js";
import { ensureMetaSchema, type MetaDatabase } from "../shared/warehouse/meta-schema.js";
import { crmErrorClass } from "../extract/crm-api-source.js";
import { orderSystemErrorClass } from "../extract/postgres-source.js";
import { LOAD_ERROR_CLASSES, type LoadErrorClass } from "../shared/errors.js";

// The classes are defined beside the other shared errors: the model build publishes them too (ops.loads).
export { LOAD_ERROR_CLASSES, type LoadErrorClass } from "../shared/errors.js";

/** The kind of failure a load error message describes (each source recognises its own messages). */
export function classifyLoadError(message: string): LoadErrorClass {
  const bySource = orderSystemErrorClass(message) ?? crmErrorClass(message);
  if (bySource) return bySource;
  if (/^Load of \S+ does not reconcile/.test(message)) return "reconciliation";
  return "other";
}

/**
 * meta.loads keeps a failed load's class in front of its message, `[unreachable] Order system ...`:
 * the models read the class from there (marts.source_freshness) and publish nothing else of it.
 */
export function taggedLoadError(message: string): string {
  return `[${classifyLoadError(message)}] ${message}`;
}

/** Splits a meta.loads error into its class and message (an untagged one, from before the tags, is `other`). */
export function splitLoadError(error: string): { errorClass: LoadErrorClass; message: string } {
  const match = /^\[([a-z_]+)\] ([\s\S]*)$/.exec(error);
  const errorClass = LOAD_ERROR_CLASSES.find((c) => c === match?.[1]);
  return errorClass ? { errorClass, message: match![2]! } : { errorClass: "other", message: error };
}

export class RunLog {
  private constructor(
    private readonly db: Kysely<MetaDatabase>,
    readonly runId: string,
  ) {}

  /** Opens the run log on a raw-database connection, creating the meta schema if needed. */
  static async open(connection: DuckDBConnection, runId: string): Promise<RunLog> {
    await ensureMetaSchema(connection);
    return new RunLog(kyselyOn<MetaDatabase>(connection), runId);
  }

  async startRun(): Promise<void> {
    await this.db
      .insertInto("meta.runs")
      .values({
        run_id: this.runId,
        started_at: new Date().toISOString(),
        finished_at: null,
        status: "running",
        error: null,
      })
      .onConflict((oc) => oc.column("run_id").doNothing())
      .execute();
  }

  /** Marks runs left `running` by a process that died as failed; returns their ids. */
  async markInterruptedRuns(): Promise<string[]> {
    const rows = await this.db
      .updateTable("meta.runs")
      .set({ status: "failed", error: "interrupted: the process died before the run finished" })
      .where("status", "=", "running")
      .where("run_id", "!=", this.runId)
      .returning("run_id")
      .execute();
    return rows.map((r) => r.run_id);
  }

  async finishRun(status: "succeeded" | "failed", error: string | null): Promise<void> {
    await this.db
      .updateTable("meta.runs")
      .set({ finished_at: new Date().toISOString(), status, error })
      .where("run_id", "=", this.runId)
      .execute();
  }

  async recordStep(
    step: string,
    startedAt: Date,
    status: "succeeded" | "failed" | "skipped",
    rows: number | null,
    error: string | null,
  ) {
    await this.db
      .insertInto("meta.run_steps")
      .values({
        run_id: this.runId,
        step,
        started_at: startedAt.toISOString(),
        finished_at: new Date().toISOString(),
        status,
        rows,
        error,
      })
      .execute();
  }

  async recordLoad(result: LoadResult | { source: string; stream: string; error: string; durationMs: number }) {
    const finished = new Date();
    const ok = !("error" in result);
    await this.db
      .insertInto("meta.loads")
      .values({
        run_id: this.runId,
        source: result.source,
        stream: result.stream,
        rows_read: ok ? result.read : 0,
        rows_loaded: ok ? result.loaded : 0,
        rows_rejected: ok ? result.rejected : 0,
        rows_deleted: ok ? (result.deleted ?? 0) : 0,
        started_at: new Date(finished.getTime() - result.durationMs).toISOString(),
        finished_at: finished.toISOString(),
        duration_ms: result.durationMs,
        status: ok ? "succeeded" : "failed",
        error: ok ? null : taggedLoadError(result.error),
      })
      .execute();
  }

  /** Rejected rows of this run, grouped by source, stream and reason (for the CLI summary). */
  async rejectionSummary(): Promise<
    Array<{ source: string; stream: string; reason: string; rows: number; firstLocation: string }>
  > {
    const rows = await this.db
      .selectFrom("meta.quarantine")
      .select(["source", "stream", "reason"])
      .select((eb) => eb.fn.countAll<number>().as("rows"))
      // One place to look per reason: a whole-file reject's reason does not name its file, its location does.
      .select((eb) => eb.fn.min("location").as("firstLocation"))
      .where("run_id", "=", this.runId)
      .groupBy(["source", "stream", "reason"])
      .orderBy("rows", "desc")
      .execute();
    return rows.map((r) => ({ ...r, rows: Number(r.rows) }));
  }
}

/** A sortable, readable run id: `20261127T181500Z-4f2a`. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, "0")}`;
}
