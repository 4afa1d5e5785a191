/**
 * The main job, step by step: extract every source into raw -> build and test the models into a
 * new file -> publish it with one rename -> build the report site. Each step can also run alone.
 * A failing source is recorded and the rest still load (the failed one keeps its last good raw
 * data); a failing model, test or report stops the run before anything readers see is touched.
 */
import { mkdirSync } from "node:fs";
import {
  DEFAULT_FRESHNESS_HOURS,
  reportingCurrency,
  resolvePaths,
  type WarehouseConfig,
  type WarehousePaths,
} from "../shared/config.js";
import { describeFileLoad, loadFileStream, type FileLoadResult } from "../load/file-loader.js";
import { ensureRawTables } from "../load/raw-tables.js";
import { SOURCE_TABLES } from "../shared/contracts/source-tables.js";
import { loadRecordStream } from "../load/record-loader.js";
import type { LoadResult } from "../shared/source-stream.js";
import { buildWarehouse } from "../transform/build-warehouse.js";
import { describeWarnings } from "../transform/model-tests.js";
import { publishWarehouse } from "../publish/publish-warehouse.js";
import { withDatabase } from "../shared/warehouse/duckdb.js";
import { connectSources } from "./connect-sources.js";
import { checkSourceIdentities } from "./source-identity.js";
import { newRunId, RunLog } from "./run-log.js";
import { crashPoint } from "../shared/crash-points.js";
import { resolveRiskSettings } from "../shared/risk-settings.js";

export interface RunContext {
  /** Re-read every source whole instead of what changed since the last run. */
  readonly fullRefresh?: boolean;
  readonly config: WarehouseConfig;
  readonly paths: WarehousePaths;
  readonly runId: string;
  readonly log: (line: string) => void;
}

export function runContext(
  projectRoot: string,
  config: WarehouseConfig,
  log: (line: string) => void,
  runId = newRunId(),
): RunContext {
  const paths = resolvePaths(projectRoot, config);
  mkdirSync(paths.dataDir, { recursive: true });
  return { config, paths, runId, log };
}

export interface ExtractOutcome {
  readonly loads: readonly LoadResult[];
  readonly failedStreams: ReadonlyArray<{ source: string; stream: string; error: string }>;
}

/** Records a step in the run log (in the raw database, opened only briefly so other steps can use it). */
async function logStep<T>(
  ctx: RunContext,
  step: string,
  work: () => Promise<T>,
  rowsOf?: (result: T) => number,
): Promise<T> {
  const started = new Date();
  ctx.log(`▶ ${step}`);
  try {
    const result = await work();
    await withDatabase(ctx.paths.rawDatabase, async (c) =>
      (await RunLog.open(c, ctx.runId)).recordStep(step, started, "succeeded", rowsOf ? rowsOf(result) : null, null),
    );
    ctx.log(`✔ ${step} (${((Date.now() - started.getTime()) / 1000).toFixed(1)} s)`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await withDatabase(ctx.paths.rawDatabase, async (c) =>
      (await RunLog.open(c, ctx.runId)).recordStep(step, started, "failed", null, message),
    ).catch(() => undefined);
    ctx.log(`✘ ${step} failed`);
    throw error;
  }
}

/**
 * On a terminal, a live line with the rows read so far for the stream being loaded (rewritten in
 * place); elsewhere (a log file, the scheduler) nothing, so logs keep one plain line per stream.
 */
function progress(label: string): ((rows: number) => void) | undefined {
  if (!process.stdout.isTTY) return undefined;
  return (rows) => process.stdout.write(`\r  ${label}: ${rows.toLocaleString("en-US")} rows read…\x1b[K`);
}

/** Extracts every source into raw. Never throws for a single failing stream: it is recorded and reported. */
export async function extract(ctx: RunContext): Promise<ExtractOutcome> {
  return logStep(
    ctx,
    "extract",
    async () => {
      crashPoint("extract:start");
      // Raw data never mixes two systems: a run reading another one is refused, or (demo data) starts afresh.
      await checkSourceIdentities(ctx);
      const sources = await connectSources(ctx.config, ctx.paths, ctx.log, { fullRefresh: ctx.fullRefresh ?? false });
      const loads: LoadResult[] = [];
      const failedStreams: Array<{ source: string; stream: string; error: string }> = [];
      try {
        await withDatabase(ctx.paths.rawDatabase, async (connection) => {
          const runLog = await RunLog.open(connection, ctx.runId);
          await ensureRawTables(connection, SOURCE_TABLES);
          const streams = [
            ...sources.recordStreams.map((s) => ({
              source: s.source,
              stream: s.table.name,
              load: () => loadRecordStream(connection, ctx.runId, s, progress(`${s.source}.${s.table.name}`)),
            })),
            ...sources.fileStreams.map((s) => ({
              source: s.source,
              stream: s.table.name,
              load: () => loadFileStream(connection, ctx.runId, s, { fullRefresh: ctx.fullRefresh ?? false }),
            })),
          ];
          for (const { source, stream, load } of streams) {
            const started = Date.now();
            try {
              const result = await load();
              loads.push(result);
              await runLog.recordLoad(result);
              if (process.stdout.isTTY) process.stdout.write("\r\x1b[K");
              // Rows a file's rows took the place of (a corrected month, a key sent again) are counted, never silent.
              const superseded = "superseded" in result && result.superseded ? `, ${result.superseded} superseded` : "";
              ctx.log(
                `  ${source}.${stream}: ${result.read} read, ${result.loaded} loaded, ${result.rejected} quarantined${superseded}${result.deleted ? `, ${result.deleted} deleted in the source` : ""} (${result.durationMs} ms)`,
              );
              // Per file: replacements (rows out -> rows in), held files and how to accept them, schema drift.
              if ("drift" in result) for (const line of describeFileLoad(result as FileLoadResult)) ctx.log(line);
            } catch (error) {
              const message = error instanceof Error ? error.message : String(error);
              failedStreams.push({ source, stream, error: message });
              await runLog.recordLoad({ source, stream, error: message, durationMs: Date.now() - started });
              ctx.log(`  ✘ ${source}.${stream}: ${message}`);
            }
          }
          crashPoint("extract:streams-done");
          const rejections = await runLog.rejectionSummary();
          if (rejections.length) {
            ctx.log(`  quarantined rows by reason (see meta.quarantine in ${ctx.paths.rawDatabase}):`);
            for (const r of rejections.slice(0, 20)) {
              const where = r.rows === 1 ? `at ${r.firstLocation}` : `e.g. at ${r.firstLocation}`;
              ctx.log(`    ${r.source}.${r.stream}: ${r.rows} × ${r.reason} (${where})`);
            }
          }
        });
      } finally {
        await sources.close();
      }
      return { loads, failedStreams };
    },
    (outcome) => outcome.loads.reduce((n, l) => n + l.loaded, 0),
  );
}

/** Builds and tests every model into a new file, then publishes it. Throws (publishing nothing) on failure. */
export async function buildModelsAndPublish(ctx: RunContext): Promise<void> {
  const buildPath = ctx.paths.publishedWarehouse.replace(/\.duckdb$/, `.building.duckdb`);
  const result = await logStep(
    ctx,
    "models",
    () =>
      buildWarehouse({
        projectRoot: ctx.paths.projectRoot,
        rawPath: ctx.paths.rawDatabase,
        buildPath,
        runId: ctx.runId,
        freshnessHours: { "*": DEFAULT_FRESHNESS_HOURS, ...ctx.config.freshness_hours },
        riskSettings: resolveRiskSettings(ctx.config.risks),
        attributionSettings: ctx.config.attribution,
        reportingCurrency: reportingCurrency(ctx.config.reporting),
        onModel: ({ model, index, total, ms }) => ctx.log(`  [${index}/${total}] ${model.model.id} (${ms} ms)`),
      }),
    (r) => r.models.length,
  );
  const { warnings } = result;
  ctx.log(
    `  ${result.models.length} models built, ${result.testsRun - warnings.length} tests passed` +
      (warnings.length ? `, ${warnings.length} warned (published; data to fix, stored in ops.test_results):` : ""),
  );
  if (warnings.length) ctx.log(describeWarnings(warnings));
  await logStep(ctx, "publish", async () => publishWarehouse(buildPath, ctx.paths.publishedWarehouse));
  ctx.log(`  published ${ctx.paths.publishedWarehouse}`);
}

/** Builds the static report site from the published warehouse. */
export async function buildSite(ctx: RunContext): Promise<void> {
  const { buildReports } = await import("../site/build-reports.js");
  await logStep(ctx, "reports", () =>
    buildReports({
      repoRoot: ctx.paths.projectRoot,
      warehousePath: ctx.paths.publishedWarehouse,
      outDir: ctx.paths.siteDir,
      log: (l) => ctx.log(`  ${l}`),
    }),
  );
  ctx.log(`  site built in ${ctx.paths.siteDir}; to read it: npm run reports:serve (then open http://127.0.0.1:8080)`);
}

export interface RefreshOptions {
  readonly reports?: boolean;
}

/** The whole job. Resolves to false (after publishing what is good) when any source failed to load. */
export async function refresh(
  ctx: RunContext,
  options: RefreshOptions = {},
): Promise<{ ok: boolean; failedStreams: ExtractOutcome["failedStreams"] }> {
  await withDatabase(ctx.paths.rawDatabase, async (c) => {
    const runLog = await RunLog.open(c, ctx.runId);
    // Only one refresh runs at a time (the refresh lock), so a run still marked running was interrupted.
    const interrupted = await runLog.markInterruptedRuns();
    if (interrupted.length) ctx.log(`earlier run(s) ${interrupted.join(", ")} died before finishing; marked failed`);
    await runLog.startRun();
  });
  ctx.log(`refresh ${ctx.runId}`);
  try {
    const { failedStreams } = await extract(ctx);
    await buildModelsAndPublish(ctx);
    crashPoint("run:published");
    if (options.reports !== false) await buildSite(ctx);
    crashPoint("run:before-finish");
    const ok = failedStreams.length === 0;
    const summary = ok
      ? null
      : `${failedStreams.length} source stream(s) failed: ${failedStreams.map((f) => `${f.source}.${f.stream}`).join(", ")}`;
    await withDatabase(ctx.paths.rawDatabase, async (c) =>
      (await RunLog.open(c, ctx.runId)).finishRun(ok ? "succeeded" : "failed", summary),
    );
    return { ok, failedStreams };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await withDatabase(ctx.paths.rawDatabase, async (c) =>
      (await RunLog.open(c, ctx.runId)).finishRun("failed", message),
    ).catch(() => undefined);
    throw error;
  }
}
