/**
 * The measured steps. Each runs in its own child process (see child.ts), so its peak memory is its own and the
 * parent can watch the whole process tree (the reports build starts Evidence and vite). Every step times itself
 * from just before the work to just after the last file is closed; process start-up and module loading are not
 * in the timings.
 */
import { existsSync, rmSync } from "node:fs";
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { ATTRIBUTION_DEFAULTS, configSchema, DEFAULT_FRESHNESS_HOURS } from "../../shared/config.js";
import { resolveRiskSettings } from "../../shared/risk-settings.js";
import { loadFileStream } from "../../load/file-loader.js";
import { buildWarehouse } from "../../transform/build-warehouse.js";
import { planModels } from "../../transform/dag.js";
import { discoverModels, LAYERS } from "../../transform/model-files.js";
import { createMacros, dropMacros } from "../../transform/macros.js";
import { compileTests } from "../../transform/model-tests.js";
import { modelProject } from "../../transform/typescript-model.js";
import { buildReports } from "../../site/build-reports.js";
import { refresh, runContext } from "../../orchestrate/refresh.js";
import { templateStreams } from "../../extract/template-files.js";
import { openDatabase, queryRows, quoteIdent, quoteLiteral, withDatabase } from "../../shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../shared/warehouse/meta-schema.js";
import { generateBenchCompany, type BenchCompanyPaths } from "./company.js";
import { previewStep } from "./preview.js";

/** Time spent in DuckDB statements, grouped by the statement's opening words (literals and numbers blanked). */
export interface StatementTime {
  readonly statement: string;
  readonly calls: number;
  readonly ms: number;
}

const statementTimes = new Map<string, { calls: number; ms: number }>();
let instrumented = false;

/**
 * Times every statement sent through DuckDBConnection.run (runAndReadAll and the other readers go through it). The
 * overhead is one clock read per statement; it is on in every measured child, ours and the baselines alike.
 */
export function instrumentStatements(): void {
  if (instrumented) return;
  instrumented = true;
  const proto = DuckDBConnection.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = proto["run"]!;
  proto["run"] = async function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      const key = statementKey(String(args[0]));
      const entry = statementTimes.get(key) ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += performance.now() - started;
      statementTimes.set(key, entry);
    }
  };
}

/**
 * `--duckdb-memory-limit`: every DuckDB database the step opens gets this memory_limit, as DuckDB would give itself
 * on a smaller machine (80% of its RAM: 1.6GB on a 2 GB machine). It applies to the plain-DuckDB baselines too, which
 * a company's `duckdb.memory_limit` (config) does not reach.
 */
export function limitDuckDBMemory(limit: string): void {
  const create = DuckDBInstance.create.bind(DuckDBInstance);
  DuckDBInstance.create = (path?: string, options?: Record<string, string>) =>
    create(path, { ...options, memory_limit: limit });
}

function statementKey(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, " ")
    .replace(/'(?:[^']|'')*'/g, "'…'")
    .replace(/\b\d+\b/g, "N")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 110);
}

/** The statement times collected so far (slowest first), and resets them. */
export function takeStatementTimes(limit = 12): StatementTime[] {
  const all = [...statementTimes.entries()]
    .map(([statement, { calls, ms }]) => ({ statement, calls, ms: Math.round(ms) }))
    .sort((a, b) => b.ms - a.ms);
  statementTimes.clear();
  return all.slice(0, limit);
}

function removeDatabase(path: string): void {
  for (const suffix of ["", ".wal"]) rmSync(path + suffix, { force: true });
}

// ---------------------------------------------------------------------------------------------------------------
// Generating the company

export async function generateStep(args: { paths: BenchCompanyPaths; seed: number; scale: number }) {
  const started = performance.now();
  const company = await generateBenchCompany(args.paths, args.seed, args.scale, (line) => console.log(line));
  return { ms: performance.now() - started, company };
}

// ---------------------------------------------------------------------------------------------------------------
// File ingest

export interface IngestResult {
  readonly ms: number;
  readonly rows: number;
  readonly rejected: number;
  readonly tables: ReadonlyArray<{ table: string; rows: number; ms: number; error?: string }>;
  readonly statements?: StatementTime[];
}

/** Our loader: every template file through loadFileStream (header mapping, validation, quarantine, reconciliation). */
export async function ingestLoaderStep(args: { templatesDir: string; dbPath: string }): Promise<IngestResult> {
  instrumentStatements();
  removeDatabase(args.dbPath);
  const tables: Array<{ table: string; rows: number; ms: number; error?: string }> = [];
  let rejected = 0;
  const started = performance.now();
  await withDatabase(args.dbPath, async (connection) => {
    await ensureMetaSchema(connection);
    for (const stream of templateStreams(args.templatesDir)) {
      const tableStarted = performance.now();
      try {
        const result = await loadFileStream(connection, "bench", stream, { fullRefresh: true });
        rejected += result.rejected;
        tables.push({ table: stream.table.name, rows: result.read, ms: performance.now() - tableStarted });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        tables.push({ table: stream.table.name, rows: 0, ms: performance.now() - tableStarted, error: message });
      }
    }
  });
  const ms = performance.now() - started;
  const statements = takeStatementTimes();
  return { ms, rows: tables.reduce((n, t) => n + t.rows, 0), rejected, tables, statements };
}

/** Plain DuckDB on the same files: `create table … as select * from read_csv(file)`, sniffing and all. */
export async function ingestPlainStep(args: { templatesDir: string; dbPath: string }): Promise<IngestResult> {
  instrumentStatements();
  removeDatabase(args.dbPath);
  const files = templateStreams(args.templatesDir).map((s) => ({ table: s.table.name, file: s.files[0]! }));
  const tables: Array<{ table: string; rows: number; ms: number }> = [];
  const started = performance.now();
  await withDatabase(args.dbPath, async (connection) => {
    for (const { table, file } of files) {
      const tableStarted = performance.now();
      const reader = await connection.runAndReadAll(
        `create table ${quoteIdent(table)} as select * from read_csv(${quoteLiteral(file)})`,
      );
      const rows = Number(reader.getRowsJS()[0]?.[0] ?? 0);
      tables.push({ table, rows, ms: performance.now() - tableStarted });
    }
  });
  const ms = performance.now() - started;
  takeStatementTimes();
  return { ms, rows: tables.reduce((n, t) => n + t.rows, 0), rejected: 0, tables };
}

// ---------------------------------------------------------------------------------------------------------------
// Model build

export interface BuildTimes {
  readonly ms: number;
  /** Start to the last model built: setup (for the runner: discovering and planning too) plus the models. */
  readonly modelsMs: number;
  /** From the last model built to the end: the tests, then detach, checkpoint and close. */
  readonly testsMs: number;
  readonly models: number;
  readonly tests: number;
  readonly failedTests: number;
  readonly slowest: ReadonlyArray<{ model: string; ms: number }>;
}

function slowest(perModel: Map<string, number>): Array<{ model: string; ms: number }> {
  return [...perModel.entries()]
    .map(([model, ms]) => ({ model, ms: Math.round(ms) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 6);
}

/** The runner: buildWarehouse, every model in dependency order and every YAML test. */
export async function buildRunnerStep(args: { projectRoot: string; rawPath: string; buildPath: string }) {
  instrumentStatements();
  removeDatabase(args.buildPath);
  const perModel = new Map<string, number>();
  let lastModelAt = 0;
  const started = performance.now();
  const result = await buildWarehouse({
    projectRoot: args.projectRoot,
    rawPath: args.rawPath,
    buildPath: args.buildPath,
    runId: "bench",
    freshnessHours: { "*": DEFAULT_FRESHNESS_HOURS },
    riskSettings: resolveRiskSettings(),
    attributionSettings: { ...ATTRIBUTION_DEFAULTS },
    onModel: ({ model, ms }) => {
      perModel.set(model.model.id, ms);
      lastModelAt = performance.now();
    },
  });
  const ms = performance.now() - started;
  takeStatementTimes();
  const times: BuildTimes = {
    ms,
    modelsMs: lastModelAt - started,
    testsMs: ms - (lastModelAt - started),
    models: result.models.length,
    tests: result.testsRun,
    failedTests: 0,
    slowest: slowest(perModel),
  };
  return times;
}

/**
 * The same SQL with no runner: models planned before the clock starts, then the macros and for each model in order
 * `create table … as <sql>` (the TypeScript model's own build), optionally followed by the very same test
 * queries, then the macros dropped, detach, checkpoint and close like the runner.
 */
export async function buildBareStep(args: {
  projectRoot: string;
  rawPath: string;
  buildPath: string;
  /** A warehouse the runner built, to copy its ops tables from. */
  opsFrom: string;
  tests: boolean;
}): Promise<BuildTimes> {
  instrumentStatements();
  removeDatabase(args.buildPath);
  const models = await discoverModels(args.projectRoot);
  const plan = await withDatabase(":memory:", async (c) => {
    await createMacros(c, args.projectRoot);
    return planModels(c, models);
  });
  const perModel = new Map<string, number>();
  const started = performance.now();
  const db = await openDatabase(args.buildPath);
  let modelsMs = 0;
  let tests = 0;
  let failedTests = 0;
  try {
    const c = db.connection;
    await c.run(`attach ${quoteLiteral(args.rawPath)} as raw (read_only)`);
    await createMacros(c, args.projectRoot);
    for (const layer of LAYERS) await c.run(`create schema if not exists ${quoteIdent(layer)}`);
    // The runner's own tables (ops.*: load counts, freshness limits, …) are inputs of some models: copied as
    // the runner last wrote them, whichever they are.
    await c.run(`attach ${quoteLiteral(args.opsFrom)} as runner_build (read_only); create schema if not exists ops;`);
    const opsTables = await queryRows<{ name: string }>(
      c,
      "select table_name as name from duckdb_tables() where database_name = 'runner_build' and schema_name = 'ops'",
    );
    for (const { name } of opsTables) {
      await c.run(`create table ops.${quoteIdent(name)} as select * from runner_build.ops.${quoteIdent(name)}`);
    }
    await c.run("detach runner_build");
    for (const { model } of plan) {
      const modelStarted = performance.now();
      const target = `${quoteIdent(model.layer)}.${quoteIdent(model.name)}`;
      if (model.script) await model.script.build(c, target, modelProject(args.projectRoot));
      else await c.run(`create table ${target} as\n${model.sql}`);
      perModel.set(model.id, performance.now() - modelStarted);
    }
    modelsMs = performance.now() - started;
    if (args.tests) {
      for (const { model } of plan) {
        for (const test of compileTests(model)) {
          tests++;
          const [row] = await queryRows<{ n: number }>(c, `select count(*) as n from (${test.sql}\n)`);
          if ((row?.n ?? 0) > 0) failedTests++;
        }
      }
    }
    await dropMacros(c);
    await c.run("detach raw");
    await c.run("checkpoint");
  } finally {
    db.close();
  }
  const ms = performance.now() - started;
  takeStatementTimes();
  return { ms, modelsMs, testsMs: ms - modelsMs, models: plan.length, tests, failedTests, slowest: slowest(perModel) };
}

// ---------------------------------------------------------------------------------------------------------------
// Refresh

export interface RefreshTimes {
  readonly ms: number;
  readonly ok: boolean;
  readonly error?: string;
  /** Seconds per step of the job (extract, models, publish, reports), from its own log. */
  readonly steps: Record<string, number>;
  /** The slowest streams of the extract (ms) and whether each was loaded or skipped as unchanged. */
  readonly streams: ReadonlyArray<{ stream: string; ms: number; read: number }>;
  readonly skippedFiles: number;
}

/**
 * The whole job (`refresh`) against a folder of templates, full or incremental, with or without the reports
 * build after it.
 */
export async function refreshStep(args: {
  projectRoot: string;
  dataDir: string;
  siteDir: string;
  templatesDir: string;
  fullRefresh: boolean;
  reports: boolean;
  /** Bundle the pages even when the last build's bundles could be reused (what a first build or a page edit costs). */
  fullReportsBuild?: boolean;
}): Promise<RefreshTimes> {
  const config = configSchema.parse({
    data_dir: args.dataDir,
    site_dir: args.siteDir,
    sources: { templates: { dir: args.templatesDir } },
  });
  const stepStarted = new Map<string, number>();
  const steps: Record<string, number> = {};
  const streams: Array<{ stream: string; ms: number; read: number }> = [];
  const log = (line: string) => {
    console.log(line);
    const begin = /^▶ (\w+)/.exec(line);
    if (begin) stepStarted.set(begin[1]!, performance.now());
    const end = /^✔ (\w+)/.exec(line);
    if (end) steps[end[1]!] = (performance.now() - (stepStarted.get(end[1]!) ?? performance.now())) / 1000;
    const stream = /^ {2}(\w+\.\w+): (\d+) read, .*\((\d+) ms\)$/.exec(line);
    if (stream) streams.push({ stream: stream[1]!, read: Number(stream[2]), ms: Number(stream[3]) });
  };
  const ctx = runContext(args.projectRoot, config, log, `bench-${args.fullRefresh ? "full" : "incr"}-${Date.now()}`);
  const started = performance.now();
  let ok = false;
  let error: string | undefined;
  try {
    const outcome = await refresh({ ...ctx, fullRefresh: args.fullRefresh }, { reports: false });
    ok = outcome.ok;
    if (!ok) error = outcome.failedStreams.map((f) => `${f.source}.${f.stream}: ${f.error}`).join("; ");
    if (args.reports) {
      // What refresh's reports step does (buildSite), in the same process, but in a workspace of the benchmark's
      // own: the default one is shared with every other reports build on the machine and refuses a second user.
      log("▶ reports");
      await buildReports({
        repoRoot: args.projectRoot,
        warehousePath: ctx.paths.publishedWarehouse,
        outDir: ctx.paths.siteDir,
        workspaceName: "bench",
        fullBuild: args.fullReportsBuild ?? false,
        log: (line) => console.log(`  ${line}`),
      });
      log("✔ reports");
    }
  } catch (caught) {
    error = caught instanceof Error ? caught.message.split("\n")[0] : String(caught);
  }
  const ms = performance.now() - started;
  const skippedFiles = await countSkippedFiles(ctx.paths.rawDatabase, ctx.runId);
  return {
    ms,
    ok,
    ...(error ? { error } : {}),
    steps,
    streams: streams.sort((a, b) => b.ms - a.ms).slice(0, 4),
    skippedFiles,
  };
}

/** Files the run did not load because their content was loaded before (template files: one per table). */
async function countSkippedFiles(rawPath: string, runId: string): Promise<number> {
  if (!existsSync(rawPath)) return 0;
  return withDatabase(
    rawPath,
    async (c) => {
      const [row] = await queryRows<{ loaded: number; tables: number }>(
        c,
        `select (select count(*) from meta.file_loads where run_id = $1) as loaded,
                (select count(distinct stream) from meta.file_loads) as tables`,
        [runId],
      );
      return Math.max(0, (row?.tables ?? 0) - (row?.loaded ?? 0));
    },
    { readOnly: true },
  );
}

export const STEPS = {
  generate: generateStep,
  "ingest-loader": ingestLoaderStep,
  "ingest-plain": ingestPlainStep,
  "build-runner": buildRunnerStep,
  "build-bare": buildBareStep,
  refresh: refreshStep,
  preview: previewStep,
} as const;

export type StepName = keyof typeof STEPS;
