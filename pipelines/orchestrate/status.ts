/**
 * `npm run status`: the last runs, what failed, and how stale each source is — read from the run
 * log in the raw database (read-only, so it works while a refresh runs... once that refresh has
 * released the file; DuckDB allows one writer or many readers).
 */
import { DEFAULT_FRESHNESS_HOURS, type WarehouseConfig } from "../shared/config.js";
import { withDatabase } from "../shared/warehouse/duckdb.js";
import { kyselyOn } from "../shared/warehouse/kysely-dialect.js";
import type { MetaDatabase } from "../shared/warehouse/meta-schema.js";
import { splitLoadError, type LoadErrorClass } from "./run-log.js";

export interface SourceFreshness {
  readonly source: string;
  readonly lastSuccessAt: Date | null;
  readonly ageHours: number | null;
  readonly limitHours: number;
  readonly lastAttemptFailed: boolean;
  /** The failed attempt's message, for operators (the published warehouse gets only its class). */
  readonly lastError: string | null;
  readonly lastErrorClass: LoadErrorClass | null;
  readonly isStale: boolean;
}

export interface WarehouseStatus {
  readonly runs: ReadonlyArray<{
    runId: string;
    startedAt: Date;
    finishedAt: Date | null;
    status: string;
    error: string | null;
  }>;
  readonly failedSteps: ReadonlyArray<{ runId: string; step: string; error: string | null }>;
  readonly sources: readonly SourceFreshness[];
}

/** DuckDB hands timestamps back as Dates (UTC); kysely's row types say string. */
const toDate = (value: unknown): Date | null =>
  value === null || value === undefined
    ? null
    : value instanceof Date
      ? value
      : new Date(`${String(value).replace(" ", "T")}Z`);

/** Reads the status from the raw database. */
export async function readStatus(
  rawPath: string,
  config: WarehouseConfig,
  now = new Date(),
  limit = 10,
): Promise<WarehouseStatus> {
  return withDatabase(
    rawPath,
    async (connection) => {
      const db = kyselyOn<MetaDatabase>(connection);
      const runs = await db
        .selectFrom("meta.runs")
        .select(["run_id", "started_at", "finished_at", "status", "error"])
        .orderBy("started_at", "desc")
        .limit(limit)
        .execute();
      const lastFailed = runs.find((r) => r.status === "failed");
      const failedSteps = lastFailed
        ? await db
            .selectFrom("meta.run_steps")
            .select(["run_id", "step", "error"])
            .where("run_id", "=", lastFailed.run_id)
            .where("status", "=", "failed")
            .execute()
        : [];
      const loads = await db
        .selectFrom("meta.loads")
        .select(["source", "stream", "status", "finished_at", "error"])
        .orderBy("finished_at", "asc")
        .execute();
      const bySource = new Map<
        string,
        { lastSuccessByStream: Map<string, Date | null>; failedStreams: Map<string, string | null> }
      >();
      for (const load of loads) {
        const entry = bySource.get(load.source) ?? { lastSuccessByStream: new Map(), failedStreams: new Map() };
        // Per stream the latest attempt wins; the source is as fresh as its stalest stream (a CRM whose customers
        // never loaded has never loaded, whatever its other entities did).
        if (load.status === "failed") entry.failedStreams.set(load.stream, load.error);
        else entry.failedStreams.delete(load.stream);
        if (load.status === "succeeded") entry.lastSuccessByStream.set(load.stream, toDate(load.finished_at));
        else if (!entry.lastSuccessByStream.has(load.stream)) entry.lastSuccessByStream.set(load.stream, null);
        bySource.set(load.source, entry);
      }
      const stalest = (byStream: Map<string, Date | null>): Date | null => {
        const dates = [...byStream.values()];
        if (dates.some((date) => date === null)) return null;
        return (dates as Date[]).reduce((a, b) => (b < a ? b : a));
      };
      const sources = [...bySource].map(([source, streams]): SourceFreshness => {
        const entry = { ...streams, lastSuccess: stalest(streams.lastSuccessByStream) };
        const limitHours = config.freshness_hours[source] ?? DEFAULT_FRESHNESS_HOURS;
        const ageHours = entry.lastSuccess ? (now.getTime() - entry.lastSuccess.getTime()) / 3_600_000 : null;
        const lastAttemptFailed = entry.failedStreams.size > 0;
        const failed = lastAttemptFailed ? splitLoadError([...entry.failedStreams.values()][0] ?? "") : null;
        return {
          source,
          lastSuccessAt: entry.lastSuccess,
          ageHours,
          limitHours,
          lastAttemptFailed,
          lastError: failed?.message ?? null,
          lastErrorClass: failed?.errorClass ?? null,
          isStale: lastAttemptFailed || ageHours === null || ageHours > limitHours,
        };
      });
      return {
        runs: runs.map((r) => ({
          runId: r.run_id,
          startedAt: toDate(r.started_at)!,
          finishedAt: toDate(r.finished_at),
          status: r.status,
          error: r.error,
        })),
        failedSteps: failedSteps.map((s) => ({ runId: s.run_id, step: s.step, error: s.error })),
        sources,
      };
    },
    { readOnly: true },
  );
}

function ago(hours: number): string {
  return hours < 1
    ? `${Math.round(hours * 60)} min ago`
    : hours < 48
      ? `${hours.toFixed(1)} h ago`
      : `${(hours / 24).toFixed(1)} days ago`;
}

/** The status as lines for a terminal. */
export function formatStatus(status: WarehouseStatus): string[] {
  const lines = ["Last runs:"];
  if (status.runs.length === 0) lines.push("  (none yet: run `npm run refresh`)");
  for (const run of status.runs) {
    const took = run.finishedAt
      ? `${Math.round((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000)} s`
      : "still running (or killed)";
    lines.push(
      `  ${run.runId}  ${run.status.padEnd(9)}  started ${run.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ${took}`,
    );
    if (run.error) lines.push(`      ${run.error.split("\n")[0]}`);
  }
  if (status.failedSteps.length) {
    lines.push("", `Failed steps of run ${status.failedSteps[0]!.runId}:`);
    for (const step of status.failedSteps) lines.push(`  ${step.step}: ${(step.error ?? "").split("\n")[0]}`);
  }
  lines.push("", "Sources:");
  for (const s of status.sources) {
    const when = s.lastSuccessAt
      ? `last loaded ${s.lastSuccessAt.toISOString().slice(0, 16).replace("T", " ")} UTC (${ago(s.ageHours!)})`
      : "never loaded";
    const verdict = s.lastAttemptFailed
      ? `STALE: the last attempt failed (${(s.lastError ?? "").split("\n")[0]}) — ${s.lastErrorClass}`
      : s.isStale
        ? `STALE: older than its ${s.limitHours} h limit`
        : `fresh (limit ${s.limitHours} h)`;
    lines.push(`  ${s.source.padEnd(14)} ${when}  ${verdict}`);
  }
  return lines;
}
