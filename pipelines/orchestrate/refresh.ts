/**
 * The main job, step by step: extract every source into raw -> build and test the models into a
 * new file -> publish it with one rename -> build the report site. Each step can also run alone.
 * A failing source is recorded and the rest still load (the failed one keeps its last good raw
 * data); a failing model, test or report stops the run before anything readers see is touched.
 */
import { existsSync, mkdirSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import path, { basename, dirname, isAbsolute, relative, sep } from "node:path";
import {
  DEFAULT_FRESHNESS_HOURS,
  reportingCurrency,
  resolvePaths,
  siteTitle,
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
import { useDuckDBResources, withDatabase } from "../shared/warehouse/duckdb.js";
import { checkSources, CheckFailedError, formatCheckReport, type CheckReport } from "./check.js";
import { connectSources, type ConnectedSources } from "./connect-sources.js";
import { checkSourceIdentities, SourceIdentityError } from "./source-identity.js";
import { newRunId, RunLog } from "./run-log.js";
import { crashPoint } from "../shared/crash-points.js";
import { DiskFullError, isNoSpaceError, PermanentError } from "../shared/errors.js";
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
  // Every database the run opens gets the config's memory limit, spill folder and threads.
  useDuckDBResources({
    ...config.duckdb,
    temp_directory: config.duckdb.temp_directory && path.resolve(paths.dataDir, config.duckdb.temp_directory),
  });
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
  let done = false;
  try {
    const result = await work();
    done = true;
    await withDatabase(ctx.paths.rawDatabase, async (c) =>
      (await RunLog.open(c, ctx.runId)).recordStep(step, started, "succeeded", rowsOf ? rowsOf(result) : null, null),
    );
    ctx.log(`✔ ${step} (${((Date.now() - started.getTime()) / 1000).toFixed(1)} s)`);
    return result;
  } catch (thrown) {
    const error = isDiskFull(ctx.paths, thrown) ? diskFullError(ctx.paths, step, thrown, done) : thrown;
    const message = error instanceof Error ? error.message : String(error);
    await withDatabase(ctx.paths.rawDatabase, async (c) =>
      (await RunLog.open(c, ctx.runId)).recordStep(step, started, "failed", null, message),
    ).catch(() => undefined);
    ctx.log(`✘ ${step} failed`);
    throw error;
  }
}

/** Below this much free space in the data folder a failure is taken for a full disk even if its message does not say. */
const NEARLY_FULL_BYTES = 1 << 20;

/** Bytes free for this process on the disk holding `path` (its nearest existing folder); undefined if unknown. */
function freeBytes(path: string): number | undefined {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

function within(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * The folder a full-disk error is about, and the setting that moves it: the file named in the error
 * (DuckDB and Node name the file they could not write; a copy names its destination last), else the
 * folder with the least free space among those the step writes to.
 */
function fullFolder(
  paths: WarehousePaths,
  step: string,
  error: unknown,
): { folder: string; label: string; setting?: string } {
  const siteParent = dirname(paths.siteDir);
  const siteEntry = `.${basename(paths.siteDir)}`;
  const describe = (path: string): { folder: string; label: string; setting?: string } => {
    if (within(paths.dataDir, path)) return { folder: paths.dataDir, label: "the data folder", setting: "data_dir" };
    // The site link and what publishing keeps beside it: `.<site>-sites/<stamp>/...`, `.<site>.link-<stamp>`.
    const top = within(siteParent, path) ? relative(siteParent, path).split(sep)[0]! : undefined;
    if (path === paths.siteDir || top?.startsWith(siteEntry)) {
      return { folder: paths.siteDir, label: "the site folder", setting: "site_dir" };
    }
    if (within(tmpdir(), path)) return { folder: tmpdir(), label: "the temporary folder", setting: "TMPDIR" };
    return { folder: dirname(path), label: "the folder" };
  };
  if (error instanceof DiskFullError) return describe(error.folder);
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const named = [...e.message.matchAll(/["'](\/[^"'\n]+)["']/g)].map((m) => m[1]!);
    if (named.length) return describe(named.at(-1)!);
  }
  const candidates = step === "reports" ? [paths.siteDir, paths.dataDir, tmpdir()] : [paths.dataDir, tmpdir()];
  let fullest = candidates[0]!;
  let least = freeBytes(fullest) ?? Infinity;
  for (const candidate of candidates.slice(1)) {
    const free = freeBytes(candidate) ?? Infinity;
    if (free < least) [fullest, least] = [candidate, free];
  }
  return describe(fullest);
}

/** A full disk as the run reports it (diskFullError), so that a step's report is not rewritten on the way up. */
class RunDiskFullError extends DiskFullError {}

/** Where a run was when the disk filled, for the steps of logStep that are not steps. */
const DURING: Readonly<Record<string, string>> = { start: "as the run started", finish: "as the run finished" };

/**
 * A full disk as one line: which folder, what readers still see (nothing is published by a run that
 * stopped before its publish step, and the site only after the warehouse), and what to do. The raw
 * DuckDB or Node error names none of that and, thrown from a model, reads like a broken model.
 * `done`: the step's work finished and only recording it failed.
 */
export function diskFullError(paths: WarehousePaths, step: string, error: unknown, done = false): DiskFullError {
  if (error instanceof RunDiskFullError) return error;
  const { folder, label, setting } = fullFolder(paths, step, error);
  const warehouse = paths.publishedWarehouse;
  const outcome =
    step === "reports"
      ? "the warehouse was published but the site was not, " +
        (existsSync(paths.siteDir) ? `so readers keep the last site ${paths.siteDir}` : "and there is no site yet")
      : (step === "publish" && done) || step === "finish"
        ? `the warehouse was published (${warehouse}), but the run log could not record it`
        : "nothing was published, " +
          (existsSync(warehouse)
            ? `so readers keep the last good warehouse ${warehouse}`
            : "and there is no warehouse yet");
  const move = setting ? `, or move ${setting} to a larger one` : "";
  return new RunDiskFullError(
    folder,
    `The disk holding ${label} ${folder} is full (no space left on device ${DURING[step] ?? `during ${step}`}): ` +
      `${outcome}. ` +
      `Free space on that disk${move}, then run the refresh again.`,
    { cause: error },
  );
}

/**
 * Whether `error` is a full disk: by its text or, for an error that is not one of ours (some libraries lose the
 * system's reason on the way up), by the data folder having (almost) no room left.
 */
export function isDiskFull(paths: WarehousePaths, error: unknown): boolean {
  if (isNoSpaceError(error)) return true;
  if (error instanceof PermanentError) return error instanceof DiskFullError;
  const free = freeBytes(paths.dataDir);
  return free !== undefined && free < NEARLY_FULL_BYTES;
}

/**
 * On a terminal, a live line with the rows read so far for the stream being loaded (rewritten in
 * place); elsewhere (a log file, the scheduler) nothing, so logs keep one plain line per stream.
 */
function progress(label: string): ((rows: number) => void) | undefined {
  if (!process.stdout.isTTY) return undefined;
  return (rows) => process.stdout.write(`\r  ${label}: ${rows.toLocaleString("en-US")} rows read…\x1b[K`);
}

/**
 * Extracts every source into raw. Never throws for a single failing stream: it is recorded and reported. `connected`:
 * sources the caller already connected (and closes), such as the refresh's after its pre-check.
 */
export async function extract(ctx: RunContext, connected?: ConnectedSources): Promise<ExtractOutcome> {
  return logStep(
    ctx,
    "extract",
    async () => {
      crashPoint("extract:start");
      // Raw data never mixes two systems: a run reading another one is refused, or (demo data) starts afresh.
      await checkSourceIdentities(ctx);
      const sources =
        connected ?? (await connectSources(ctx.config, ctx.paths, ctx.log, { fullRefresh: ctx.fullRefresh ?? false }));
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
              // A full disk is no source's failure: every later load and the build would meet it too, and a
              // warehouse published from what did fit would leave out what this load was to bring. Stop here.
              if (isDiskFull(ctx.paths, error)) throw error;
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
        if (!connected) await sources.close();
      }
      return { loads, failedStreams };
    },
    (outcome) => outcome.loads.reduce((n, l) => n + l.loaded, 0),
  );
}

/** Builds and tests every model into a new file, then publishes it. Throws (publishing nothing) on failure. */
export async function buildModelsAndPublish(ctx: RunContext): Promise<void> {
  const buildPath = ctx.paths.publishedWarehouse.replace(/\.duckdb$/, `.building.duckdb`);
  try {
    await buildAndPublish(ctx, buildPath);
  } catch (error) {
    // On a full disk the unpublished build is what holds the space the operator must free: remove it (the next
    // build starts afresh anyway). After any other failure it stays, for a look at what failed.
    if (error instanceof DiskFullError) {
      for (const suffix of ["", ".wal"]) rmSync(`${buildPath}${suffix}`, { force: true });
    }
    throw error;
  }
}

async function buildAndPublish(ctx: RunContext, buildPath: string): Promise<void> {
  const result = await logStep(
    ctx,
    "models",
    () =>
      buildWarehouse({
        projectRoot: ctx.paths.projectRoot,
        rawPath: ctx.paths.rawDatabase,
        buildPath,
        // Incremental models carry over the published warehouse's unchanged months; a full refresh rebuilds them all.
        ...(ctx.fullRefresh ? {} : { previousWarehouse: ctx.paths.publishedWarehouse }),
        runId: ctx.runId,
        freshnessHours: { "*": DEFAULT_FRESHNESS_HOURS, ...ctx.config.freshness_hours },
        riskSettings: resolveRiskSettings(ctx.config.risks),
        attributionSettings: ctx.config.attribution,
        reportingCurrency: reportingCurrency(ctx.config.reporting),
        siteTitle: siteTitle(ctx.config),
        onModel: ({ model, index, total, ms, note }) =>
          ctx.log(`  [${index}/${total}] ${model.model.id} (${ms} ms${note ? `, ${note}` : ""})`),
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
  const audiences = ctx.config.reporting.audiences;
  if (audiences.length === 0) return;
  // One site per audience (config reporting.audiences), each holding only the rows it may see.
  const { buildAudienceSites } = await import("../site/audiences.js");
  await logStep(
    ctx,
    "audience sites",
    () =>
      buildAudienceSites({
        repoRoot: ctx.paths.projectRoot,
        warehousePath: ctx.paths.publishedWarehouse,
        audiences,
        audiencesDir: ctx.paths.audiencesDir,
        scopedDir: path.join(ctx.paths.dataDir, "audiences"),
        log: (l) => ctx.log(`  ${l}`),
      }),
    (built) => built.length,
  );
  ctx.log(
    `  ${audiences.length} audience site(s) built in ${ctx.paths.audiencesDir}: ` +
      `npm run reports:serve -- --dir ${path.join(ctx.paths.audiencesDir, audiences[0]!.name)}`,
  );
}

export interface RefreshOptions {
  readonly reports?: boolean;
  /** Run the pre-refresh check first and stop when the data would not publish (default true; `--no-check`). */
  readonly check?: boolean;
}

/**
 * The pre-refresh check (check.ts) on the sources the extract will read: read-only, so a refresh it stops has
 * extracted and published nothing. Throws CheckFailedError when an error-severity model test would fail.
 */
async function preCheck(ctx: RunContext, sources: ConnectedSources): Promise<void> {
  ctx.log("▶ check (read-only: what the model tests would make of the data)");
  let report: CheckReport;
  try {
    report = await checkSources(ctx, { sources, throwOnMixedSystems: true });
  } catch (error) {
    if (error instanceof SourceIdentityError) throw error;
    // The check is an early warning, not one more way for the refresh to fail: the steps that follow meet (and
    // report) whatever stopped it, such as a raw database another process holds open.
    ctx.log(
      `  ⚠ the check could not run, so the refresh goes on without it: ${error instanceof Error ? error.message : String(error)}`,
    );
    return;
  }
  for (const line of formatCheckReport(report)) ctx.log(line);
  if (!report.wouldPublish) throw new CheckFailedError(report);
  ctx.log(`✔ check (${report.seconds.toFixed(1)} s)`);
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
  let published = false;
  try {
    // Connected once for the check and the extract, so the demo company's servers are not started twice.
    const sources =
      options.check === false
        ? undefined
        : await connectSources(ctx.config, ctx.paths, ctx.log, { fullRefresh: ctx.fullRefresh ?? false });
    let failedStreams: ExtractOutcome["failedStreams"];
    try {
      if (sources) await preCheck(ctx, sources);
      ({ failedStreams } = await extract(ctx, sources));
    } finally {
      await sources?.close();
    }
    await buildModelsAndPublish(ctx);
    published = true;
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
  } catch (thrown) {
    // A step reports a full disk itself; here what failed outside the steps: connecting the sources before the
    // extract, or recording the run's end.
    const error = isDiskFull(ctx.paths, thrown)
      ? diskFullError(ctx.paths, published ? "finish" : "start", thrown)
      : thrown;
    const message = error instanceof Error ? error.message : String(error);
    await withDatabase(ctx.paths.rawDatabase, async (c) =>
      (await RunLog.open(c, ctx.runId)).finishRun("failed", message),
    ).catch(() => undefined);
    throw error;
  }
}
