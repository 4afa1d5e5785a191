/**
 * Builds a complete warehouse into a NEW DuckDB file: raw attached read-only, the models' shared SQL macros created
 * (macros.ts), every model run in dependency order as a table, every model test run and its outcome stored in
 * ops.test_results.
 * Only a build without a failing error-severity test is handed to publish (warnings are published
 * with it); the file being built is never the one readers have open.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { openDatabase, queryRows, quoteIdent, quoteLiteral } from "../shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../shared/warehouse/meta-schema.js";
import { planModels, type PlannedModel } from "./dag.js";
import { discoverModels, LAYERS, type ModelFile } from "./model-files.js";
import { createMacros, dropMacros } from "./macros.js";
import {
  buildIncrementally,
  checkIncrementalSpec,
  checkPartitionColumn,
  decideBuild,
  definitionHash,
  incrementalContext,
  macrosDigest,
  PREVIOUS,
  storeModelBuilds,
  storePartitionFingerprints,
  type BuildDecision,
  type ModelBuild,
} from "./incremental.js";
import { checkMetricColumns, metricDefinitions, storeMetricDefinitions } from "./metric-definitions.js";
import { describeFailures, runModelTests, storeTestResults, type TestOutcome } from "./model-tests.js";
import { crashPoint } from "../shared/crash-points.js";
import { modelProject } from "./typescript-model.js";
import { LOAD_ERROR_CLASSES, PermanentError } from "../shared/errors.js";
import { publishedReasonSql } from "../shared/quarantine-reasons.js";
import { ATTRIBUTION_DEFAULTS, DEFAULT_SITE_TITLE, type AttributionSettings } from "../shared/config.js";
import { resolveRiskSettings, type RiskSetting } from "../shared/risk-settings.js";

/** A model's SQL failed to run; names the model, its file and DuckDB's message. */
export class ModelRunError extends PermanentError {
  constructor(
    readonly model: ModelFile,
    cause: unknown,
  ) {
    super(`Model ${model.id} (${model.file}) failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = "ModelRunError";
  }
}

/** Model tests of severity error failed: nothing is published. */
export class ModelTestFailedError extends PermanentError {
  constructor(
    readonly failures: readonly TestOutcome[],
    readonly warnings: readonly TestOutcome[] = [],
  ) {
    super(
      `${failures.length} model test(s) failed, so the warehouse was not published:\n${describeFailures(failures)}` +
        (warnings.length ? `\n(and ${warnings.length} test(s) warned)` : ""),
    );
    this.name = "ModelTestFailedError";
  }
}

export interface BuildOptions {
  readonly projectRoot: string;
  /** The loader's raw database (attached read-only as `raw`). */
  readonly rawPath: string;
  /** Where to build; must not be the published file. Replaced if it exists. */
  readonly buildPath: string;
  /**
   * The published warehouse, read-only: incremental models (incremental.ts) carry over its months whose inputs did not
   * change. Not given, or not there, and every model is built in full.
   */
  readonly previousWarehouse?: string;
  readonly runId: string;
  readonly modelsDir?: string;
  /** How many hours old each source may be (by source name; `*` for the rest) before reports flag it. */
  readonly freshnessHours?: Readonly<Record<string, number>>;
  /** The risk register's thresholds and responses, one per risk (ops.risk_settings); the defaults when not given. */
  readonly riskSettings?: readonly RiskSetting[];
  /** The attribution marts' settings (ops.attribution_settings); the defaults when not given. */
  readonly attributionSettings?: AttributionSettings;
  /** The reporting currency (ops.reporting_settings); CNY when not given. */
  readonly reportingCurrency?: { readonly code: string; readonly symbol: string };
  /** The name the report site shows in its header (ops.reporting_settings.site_title); a neutral title when not given. */
  readonly siteTitle?: string;
  /** After each model; `note` says how an incremental model was built ("2 of 24 months rebuilt", or why in full). */
  readonly onModel?: (event: { model: PlannedModel; index: number; total: number; ms: number; note?: string }) => void;
}

export interface BuildResult {
  readonly models: readonly PlannedModel[];
  readonly testsRun: number;
  /** Tests that failed with severity warn (or under their error threshold): published, to be fixed in the data. */
  readonly warnings: readonly TestOutcome[];
}

/** What the build writes to `ops` beside the loader's bookkeeping: the settings models read. */
interface OperationalSettings {
  readonly freshnessHours: Readonly<Record<string, number>>;
  readonly riskSettings: readonly RiskSetting[];
  readonly attributionSettings: AttributionSettings;
  readonly reportingCurrency: { readonly code: string; readonly symbol: string };
  readonly siteTitle: string;
}

/**
 * SQL: a failed load's class from its meta.loads error, `[unreachable] Order system ...` (pipelines/orchestrate/
 * run-log.ts), and only a class this project defines: anything else, an untagged error included, is `other`.
 */
function errorClassSql(error: string, status: string): string {
  const tag = `regexp_extract(${error}, '^\\[([a-z_]+)\\] ', 1)`;
  const known = LOAD_ERROR_CLASSES.map(quoteLiteral).join(", ");
  return `case when ${status} <> 'succeeded' then case when ${tag} in (${known}) then ${tag} else 'other' end end`;
}

/**
 * Copies the loader's bookkeeping the reports may show, and writes the configured settings the models read
 * (freshness limits, risk thresholds and responses, attribution). Of the bookkeeping, only what holds no record's
 * content and no error text: quarantine payloads and the values a reason quotes can be personal data, and an error
 * message can quote a server, a file or a broken response. Counts, statuses, error classes and reasons without the
 * values are published; the rest stays in the raw database for operators (`npm run status`, `npm run quarantine`).
 */
async function copyOperationalTables(
  connection: DuckDBConnection,
  runId: string,
  settings: OperationalSettings,
): Promise<void> {
  const [meta] = await queryRows<{ n: number }>(
    connection,
    "select count(*) as n from duckdb_tables() where database_name = 'raw' and schema_name = 'meta'",
  );
  // A raw database that never saw a load has no bookkeeping yet: read from an empty copy instead.
  const from = meta && meta.n > 0 ? "raw.meta" : "empty_meta";
  if (from === "empty_meta") await ensureMetaSchema(connection, "empty_meta");
  await connection.run(`
    create schema if not exists ops;
    create table ops.build_context as select ${quoteLiteral(runId)} as run_id, (now() at time zone 'UTC') as built_at;
    create table ops.loads as
      select * exclude (error), ${errorClassSql("error", "status")} as error_class from ${from}.loads;
    create table ops.quarantine_summary as
      select run_id, source, stream, ${publishedReasonSql("reason")} as reason, count(*) as rows
      from ${from}.quarantine group by all;
    drop schema if exists empty_meta cascade;
    create table ops.freshness_limits (source varchar, max_age_hours double);
    create table ops.risk_settings (
        risk_id varchar primary key,
        threshold double not null,
        min_roi double,
        min_conversion_ratio double,
        min_target_attainment double,
        response_zh varchar not null,
        response_en varchar not null
    );
    create table ops.attribution_settings (half_life_days double, lookback_days integer, markov_order integer);
    create table ops.reporting_settings (
        currency_code varchar not null, currency_symbol varchar not null, site_title varchar not null
    );
  `);
  await connection.run("insert into ops.reporting_settings values ($1, $2, $3)", [
    settings.reportingCurrency.code,
    settings.reportingCurrency.symbol,
    settings.siteTitle,
  ]);
  for (const [source, hours] of Object.entries(settings.freshnessHours)) {
    await connection.run("insert into ops.freshness_limits values ($1, $2)", [source, hours]);
  }
  for (const risk of settings.riskSettings) {
    await connection.run("insert into ops.risk_settings values ($1, $2, $3, $4, $5, $6, $7)", [
      risk.risk_id,
      risk.threshold,
      risk.min_roi,
      risk.min_conversion_ratio,
      risk.min_target_attainment,
      risk.response_zh,
      risk.response_en,
    ]);
  }
  const { half_life_days, lookback_days, markov_order } = settings.attributionSettings;
  await connection.run("insert into ops.attribution_settings values ($1, $2, $3)", [
    half_life_days,
    lookback_days,
    markov_order,
  ]);
}

/**
 * What each model reads, from the plan (`ops.model_dependencies`: a model and a model or raw table it reads), so the
 * lineage mart can say which sources feed each published table. Written before the models run: they may read it.
 */
async function storeModelDependencies(connection: DuckDBConnection, plan: readonly PlannedModel[]): Promise<void> {
  await connection.run("create table ops.model_dependencies (model varchar, depends_on varchar, kind varchar)");
  const rows = plan.flatMap(({ model, dependsOn, rawInputs }) => [
    ...dependsOn.map((input) => [model.id, input, "model"]),
    ...rawInputs.map((input) => [model.id, input, "raw"]),
  ]);
  if (!rows.length) return;
  await connection.run(
    `insert into ops.model_dependencies values ${rows.map((r) => `(${r.map(quoteLiteral).join(", ")})`).join(", ")}`,
  );
}

/** The one published table that is not a model: the model tests' own warnings, written after the tests ran. */
export const DATA_QUALITY_WARNINGS = "marts.data_quality_warnings";

/**
 * The data-quality page's table: the tests that warned (published, data to fix), with their counts and meaning. It is
 * the tests' own output, so it is written after them rather than built as a model; sample keys are model keys (ids).
 */
async function publishDataQualityWarnings(connection: DuckDBConnection): Promise<void> {
  await connection.run(`
    create table ${DATA_QUALITY_WARNINGS} as
    select
        model,
        test,
        failing_rows,
        model_rows,
        case when model_rows > 0 then round(failing_rows / model_rows, 4) end as failing_share,
        thresholds,
        array_to_string(sample_keys, ', ') as sample_keys,
        description,
        description_zh,
        tests_file
    from ops.test_results
    where status = 'warn'
    order by model, test
  `);
}

/** Builds models and runs their tests into `buildPath`; throws (leaving nothing published) on any failure. */
export async function buildWarehouse(options: BuildOptions): Promise<BuildResult> {
  const modelsDir = options.modelsDir ?? join(options.projectRoot, "models");
  const models = await discoverModels(options.projectRoot, modelsDir);
  // Read from the YAML before anything is built, so a mistake in a metric stops the build at once.
  const metrics = metricDefinitions(options.projectRoot, modelsDir, models);
  for (const suffix of ["", ".wal"]) if (existsSync(options.buildPath + suffix)) rmSync(options.buildPath + suffix);
  const db = await openDatabase(options.buildPath);
  try {
    const connection = db.connection;
    await connection.run(`attach ${quoteLiteral(options.rawPath)} as raw (read_only)`);
    // Before any model is planned or built: a model calling a macro is bound against it.
    await createMacros(connection, options.projectRoot, modelsDir);
    const plan = await planModels(connection, models);
    for (const planned of plan) checkIncrementalSpec(planned);
    // The published warehouse, for the incremental models; one that cannot be read (written by another DuckDB, say)
    // only means every model is built in full.
    let previous = false;
    let noPrevious = "no published warehouse to build on";
    if (options.previousWarehouse && existsSync(options.previousWarehouse)) {
      try {
        await connection.run(`attach ${quoteLiteral(options.previousWarehouse)} as ${PREVIOUS} (read_only)`);
        previous = true;
      } catch (error) {
        noPrevious = `the published warehouse could not be read (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`;
      }
    }
    const incremental = await incrementalContext(connection, previous);
    const macros = macrosDigest(modelsDir);
    const project = modelProject(options.projectRoot);
    for (const layer of LAYERS) await connection.run(`create schema if not exists ${quoteIdent(layer)}`);
    const reportingCurrency = options.reportingCurrency ?? { code: "CNY", symbol: "¥" };
    await copyOperationalTables(connection, options.runId, {
      freshnessHours: options.freshnessHours ?? {},
      riskSettings: options.riskSettings ?? resolveRiskSettings(),
      attributionSettings: options.attributionSettings ?? { ...ATTRIBUTION_DEFAULTS },
      reportingCurrency,
      siteTitle: options.siteTitle ?? DEFAULT_SITE_TITLE,
    });
    await storeModelDependencies(connection, plan);
    await storeMetricDefinitions(connection, metrics, reportingCurrency.code);
    const modelBuilds: ModelBuild[] = [];
    let index = 0;
    for (const planned of plan) {
      const started = Date.now();
      const { model } = planned;
      const target = `${quoteIdent(model.layer)}.${quoteIdent(model.name)}`;
      const definition = definitionHash(model, macros);
      let decision: BuildDecision = { mode: "full", reason: noPrevious };
      try {
        if (model.spec.incremental && previous) {
          decision = await decideBuild(connection, planned, definition, incremental);
        }
        if (decision.mode === "incremental") await buildIncrementally(connection, model, target, decision.partitions);
        else if (model.script) await model.script.build(connection, target, project);
        else await connection.run(`create table ${target} as\n${model.sql}`);
      } catch (error) {
        throw new ModelRunError(model, error);
      }
      if (model.spec.incremental) await checkPartitionColumn(connection, model, target);
      modelBuilds.push({
        model: model.id,
        definition,
        built: decision.mode,
        ...(decision.mode === "incremental"
          ? { partitionsRebuilt: decision.partitions.length, partitions: decision.total }
          : model.spec.incremental
            ? { reason: decision.reason }
            : {}),
      });
      await checkMetricColumns(connection, model);
      const note = !model.spec.incremental
        ? undefined
        : decision.mode === "incremental"
          ? `${decision.partitions.length} of ${decision.total} months rebuilt`
          : `built in full: ${decision.reason}`;
      options.onModel?.({
        model: planned,
        index: ++index,
        total: plan.length,
        ms: Date.now() - started,
        ...(note ? { note } : {}),
      });
      crashPoint("models:model-built");
    }
    if (previous) await connection.run(`detach ${PREVIOUS}`);
    await storeModelBuilds(connection, modelBuilds);
    await storePartitionFingerprints(connection, plan, incremental.months);
    const { run, failures, warnings, outcomes } = await runModelTests(
      connection,
      plan.map((p) => p.model),
    );
    await storeTestResults(connection, options.runId, outcomes);
    await publishDataQualityWarnings(connection);
    if (failures.length) throw new ModelTestFailedError(failures, warnings);
    crashPoint("models:tests-passed");
    // The tables hold what the macros computed; the published file is data only.
    await dropMacros(connection);
    await connection.run("detach raw");
    await connection.run("checkpoint");
    return { models: plan, testsRun: run, warnings };
  } finally {
    db.close();
  }
}
