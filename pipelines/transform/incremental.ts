/**
 * Incremental models: a model whose rows for a month depend only on its inputs' rows of that month (revenue per
 * channel, region and month, say) is rebuilt, on a nightly run, only for the months whose input rows changed; every
 * other month is carried over from the published warehouse. The result is the same table a full build makes, row for
 * row (test/transform/incremental.test.ts builds both and compares them).
 *
 * The model's YAML says so, as dbt's and SQLMesh's incremental-by-time models do:
 *
 *   incremental:
 *     partition_by: month                    # the model's column holding the month (never null)
 *     inputs:                                # each input read month by month, and its rows' month
 *       core.order_lines: order_month
 *       core.returns: date_trunc('month', return_date)::date
 *
 * What changed is found, not assumed: for each partitioned input, the rows of every month are hashed in the warehouse
 * being built and compared with the hashes the published build kept of its own (ops.partition_fingerprints; hashed
 * from its tables when it kept none), and a month whose hash or row count differs is rebuilt (a row added, changed or
 * deleted all show). Everything else the model reads (a dimension such as core.channels, a setting in
 * ops) must be unchanged, hashed whole; so must the model's SQL, its `incremental` block and the macros. Otherwise,
 * or with no published warehouse, or on `--full-refresh`, the model is built in full, and the run log says why.
 *
 * The rebuilt months are the model's own SQL with `where <partition_by> in (<months>)` around it: DuckDB pushes that
 * filter down to the inputs, so only those months are read and aggregated.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { columnList, insertRowsAsJson, queryRows, quoteIdent, quoteLiteral } from "../shared/warehouse/duckdb.js";
import type { PlannedModel } from "./dag.js";
import { macroFiles } from "./macros.js";
import { ModelDefinitionError, type ModelFile } from "./model-files.js";

/** Where the published warehouse is attached while a build reads it (read-only). */
export const PREVIOUS = "previous_build";

/** Per model, how the build made it: `ops.model_builds`, which the next build reads back from the published file. */
export const MODEL_BUILDS = "ops.model_builds";

export type BuildDecision =
  | { readonly mode: "full"; readonly reason: string }
  | { readonly mode: "incremental"; readonly partitions: readonly string[]; readonly total: number };

/** The macro files' contents as one hash, taken once per build (a macro's new body changes what a model computes). */
export function macrosDigest(modelsDir: string): string {
  const hash = createHash("sha256");
  for (const file of macroFiles(modelsDir)) hash.update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

/** What the build of a model depends on beyond its inputs' data: its SQL, its `incremental` block and the macros. */
export function definitionHash(model: ModelFile, macros: string): string {
  return createHash("sha256")
    .update(model.sql)
    .update("\0")
    .update(JSON.stringify(model.spec.incremental ?? {}))
    .update("\0")
    .update(macros)
    .digest("hex")
    .slice(0, 32);
}

/** Refuses an `incremental` block the runner cannot honour, naming the model's YAML. */
export function checkIncrementalSpec(planned: PlannedModel): void {
  const { model } = planned;
  const spec = model.spec.incremental;
  if (!spec) return;
  const yml = model.file.replace(/\.(sql|ts)$/, ".yml");
  if (model.script) throw new ModelDefinitionError(yml, "a TypeScript model cannot be incremental");
  if (planned.rawInputs.length) {
    throw new ModelDefinitionError(yml, "a model reading raw tables cannot be incremental: make a later model so");
  }
  for (const input of Object.keys(spec.inputs)) {
    if (!planned.dependsOn.includes(input)) {
      throw new ModelDefinitionError(
        yml,
        `incremental.inputs names ${input}, which the model does not read (it reads ${planned.dependsOn.join(", ")})`,
      );
    }
  }
}

/** A table's content as one value (order-insensitive, duplicate-sensitive) and its row count. */
async function tableFingerprint(connection: DuckDBConnection, table: string): Promise<string> {
  const [row] = await queryRows<{ fingerprint: string }>(
    connection,
    `select coalesce(sum(hash(t)::hugeint), 0)::varchar || '/' || count(*) as fingerprint from ${table} as t`,
  );
  return row!.fingerprint;
}

/** Per month of `expression` in `table`: the hash of its rows and their count. Null months are one month, `null`. */
async function monthFingerprints(
  connection: DuckDBConnection,
  table: string,
  expression: string,
): Promise<Map<string, string>> {
  const rows = await queryRows<{ month: string | null; fingerprint: string }>(
    connection,
    `select (${expression})::varchar as month, sum(hash(t)::hugeint)::varchar || '/' || count(*) as fingerprint
     from ${table} as t group by 1`,
  );
  return new Map(rows.map((r) => [r.month ?? "null", r.fingerprint]));
}

/**
 * Each input's month fingerprints as this build took them, kept in the warehouse: the next build reads the published
 * ones from here instead of hashing the published input again (a scan of every order line saved each night).
 */
export const PARTITION_FINGERPRINTS = "ops.partition_fingerprints";

/** The month fingerprints the published build stored, by `<input>\0<expression>` (none when it stored none). */
async function storedMonthFingerprints(connection: DuckDBConnection): Promise<Map<string, Map<string, string>>> {
  const stored = new Map<string, Map<string, string>>();
  if (!(await tableExists(connection, PREVIOUS, PARTITION_FINGERPRINTS))) return stored;
  const rows = await queryRows<{ input: string; expression: string; month: string; fingerprint: string }>(
    connection,
    `select input, expression, month, fingerprint from ${PREVIOUS}.${PARTITION_FINGERPRINTS}`,
  );
  for (const { input, expression, month, fingerprint } of rows) {
    const key = `${input}\0${expression}`;
    if (!stored.has(key)) stored.set(key, new Map());
    stored.get(key)!.set(month, fingerprint);
  }
  return stored;
}

async function tableExists(connection: DuckDBConnection, database: string, id: string): Promise<boolean> {
  const [schema, name] = id.split(".");
  const [row] = await queryRows<{ n: number }>(
    connection,
    `select count(*)::integer as n from duckdb_tables() where database_name = $1 and schema_name = $2 and table_name = $3`,
    [database, schema!, name!],
  );
  return (row?.n ?? 0) > 0;
}

/** What deciding a model's build needs, read or taken once per build. */
export interface IncrementalContext {
  /** The name of the database being built (DuckDB names a database after its file). */
  readonly currentDatabase: string;
  /** A table's fingerprint, by `<database>:<schema.table>`, taken once per build. */
  readonly fingerprints: Map<string, string>;
  /**
   * This build's month fingerprints of an input, by `<input>\0<expression>`: stored with the build
   * (storePartitionFingerprints).
   */
  readonly months: Map<string, Map<string, string>>;
  /** The published build's: each model's definition hash (ops.model_builds) and its stored month fingerprints. */
  readonly previous: {
    readonly definitions: ReadonlyMap<string, string>;
    readonly months: ReadonlyMap<string, ReadonlyMap<string, string>>;
  };
}

/**
 * Starts a build's decisions; with `previousAttached`, reads what the published warehouse (attached as PREVIOUS) kept
 * of its own build.
 */
export async function incrementalContext(
  connection: DuckDBConnection,
  previousAttached: boolean,
): Promise<IncrementalContext> {
  const [row] = await queryRows<{ name: string }>(connection, "select current_database() as name");
  const definitions = new Map<string, string>();
  if (previousAttached && (await tableExists(connection, PREVIOUS, MODEL_BUILDS))) {
    const rows = await queryRows<{ model: string; definition: string }>(
      connection,
      `select model, definition from ${PREVIOUS}.${MODEL_BUILDS}`,
    );
    for (const { model, definition } of rows) definitions.set(model, definition);
  }
  return {
    currentDatabase: row!.name,
    fingerprints: new Map(),
    months: new Map(),
    previous: {
      definitions,
      months: previousAttached ? await storedMonthFingerprints(connection) : new Map(),
    },
  };
}

/**
 * Whether `planned` may be built incrementally against the published warehouse attached as PREVIOUS, and which months
 * to rebuild.
 */
export async function decideBuild(
  connection: DuckDBConnection,
  planned: PlannedModel,
  definition: string,
  { currentDatabase, fingerprints, months: monthsTaken, previous }: IncrementalContext,
): Promise<BuildDecision> {
  const { model } = planned;
  const spec = model.spec.incremental!;
  if (!(await tableExists(connection, PREVIOUS, model.id))) {
    return { mode: "full", reason: "the published warehouse does not have it" };
  }
  if (previous.definitions.get(model.id) !== definition) {
    return { mode: "full", reason: "its SQL, its incremental block or a macro changed since the published build" };
  }
  // Everything read whole must be as the published build read it.
  const fingerprint = async (database: string, id: string): Promise<string> => {
    const key = `${database}:${id}`;
    let value = fingerprints.get(key);
    if (value === undefined) {
      value = (await tableExists(connection, database, id))
        ? await tableFingerprint(connection, `${database === PREVIOUS ? `${PREVIOUS}.` : ""}${id}`)
        : "missing";
      fingerprints.set(key, value);
    }
    return value;
  };
  const partitioned = new Set(Object.keys(spec.inputs));
  for (const input of [...planned.dependsOn, ...planned.runnerInputs]) {
    if (partitioned.has(input)) continue;
    const current = await fingerprint(currentDatabase, input);
    if (current !== (await fingerprint(PREVIOUS, input))) {
      return { mode: "full", reason: `${input}, which it reads whole, changed` };
    }
  }
  // The months whose rows changed in any partitioned input.
  const changed = new Set<string>();
  const months = new Set<string>();
  for (const [input, expression] of Object.entries(spec.inputs)) {
    if (!(await tableExists(connection, PREVIOUS, input))) {
      return { mode: "full", reason: `the published warehouse does not have ${input}` };
    }
    const key = `${input}\0${expression}`;
    let now = monthsTaken.get(key);
    if (!now) {
      now = await monthFingerprints(connection, input, expression);
      monthsTaken.set(key, now);
    }
    const before =
      previous.months.get(key) ?? (await monthFingerprints(connection, `${PREVIOUS}.${input}`, expression));
    for (const month of new Set([...now.keys(), ...before.keys()])) {
      months.add(month);
      if (now.get(month) !== before.get(month)) changed.add(month);
    }
  }
  if (changed.has("null")) {
    return { mode: "full", reason: "input rows without a month changed" };
  }
  return { mode: "incremental", partitions: [...changed].sort(), total: months.size };
}

/**
 * Builds `target` from the published table, less the months to rebuild, and the model's SQL for those months. The
 * partition column's type is read from the published table, so the months are compared as what they are.
 */
export async function buildIncrementally(
  connection: DuckDBConnection,
  model: ModelFile,
  target: string,
  partitions: readonly string[],
): Promise<void> {
  const column = quoteIdent(model.spec.incremental!.partition_by);
  if (partitions.length === 0) {
    await connection.run(`create table ${target} as select * from ${PREVIOUS}.${target}`);
    return;
  }
  const [typed] = await queryRows<{ type: string }>(
    connection,
    `select typeof(${column}) as type from ${PREVIOUS}.${target} limit 1`,
  );
  const months = partitions.map((p) => `cast(${quoteLiteral(p)} as ${typed?.type ?? "date"})`).join(", ");
  await connection.run(`
    create table ${target} as
    select * from (
${model.sql}
    ) where ${column} in (${months});
    insert into ${target} select * from ${PREVIOUS}.${target} where ${column} not in (${months});`);
}

/** An incremental model's partition column may not be null: such rows would belong to no month and be lost. */
export async function checkPartitionColumn(
  connection: DuckDBConnection,
  model: ModelFile,
  target: string,
): Promise<void> {
  const column = model.spec.incremental!.partition_by;
  let nulls: Array<{ n: number }>;
  try {
    nulls = await queryRows<{ n: number }>(
      connection,
      `select count(*)::integer as n from ${target} where ${quoteIdent(column)} is null`,
    );
  } catch (error) {
    throw new ModelDefinitionError(
      model.file.replace(/\.(sql|ts)$/, ".yml"),
      `incremental.partition_by names ${column}, which is not a column of ${model.id}`,
      { cause: error },
    );
  }
  if ((nulls[0]?.n ?? 0) > 0) {
    throw new ModelDefinitionError(
      model.file.replace(/\.(sql|ts)$/, ".yml"),
      `${model.id} has ${nulls[0]!.n} rows with no ${column}: an incremental model's partition column is never null`,
    );
  }
}

/**
 * Stores the month fingerprints this build took (PARTITION_FINGERPRINTS), for the next build. Every incremental model's
 * inputs are fingerprinted, also when the model was built in full, so the next night has them.
 */
export async function storePartitionFingerprints(
  connection: DuckDBConnection,
  plan: readonly PlannedModel[],
  months: Map<string, Map<string, string>>,
): Promise<void> {
  for (const { model } of plan) {
    for (const [input, expression] of Object.entries(model.spec.incremental?.inputs ?? {})) {
      const key = `${input}\0${expression}`;
      if (!months.has(key)) months.set(key, await monthFingerprints(connection, input, expression));
    }
  }
  const columns = { input: "varchar", expression: "varchar", month: "varchar", fingerprint: "varchar" };
  await connection.run(`create table ${PARTITION_FINGERPRINTS} (${columnList(columns)})`);
  await insertRowsAsJson(
    connection,
    PARTITION_FINGERPRINTS,
    columns,
    [...months].flatMap(([key, byMonth]) => {
      const [input, expression] = key.split("\0") as [string, string];
      return [...byMonth].map(([month, fingerprint]) => ({ input, expression, month, fingerprint }));
    }),
  );
}

/** How a model was built: a row of ops.model_builds. */
export interface ModelBuild {
  readonly model: string;
  readonly definition: string;
  readonly built: "full" | "incremental";
  readonly partitionsRebuilt?: number;
  readonly partitions?: number;
  readonly reason?: string;
}

/**
 * Writes how each model was built (ops.model_builds), once every model has run: the next build reads it back from the
 * published file, and no model may read it (it is not one of RUNNER_TABLES).
 */
export async function storeModelBuilds(connection: DuckDBConnection, builds: readonly ModelBuild[]): Promise<void> {
  const columns = {
    model: "varchar",
    definition: "varchar",
    built: "varchar",
    partitions_rebuilt: "integer",
    partitions: "integer",
    reason: "varchar",
  };
  await connection.run(`create table ${MODEL_BUILDS} (${columnList(columns)}, primary key (model))`);
  await insertRowsAsJson(
    connection,
    MODEL_BUILDS,
    columns,
    builds.map((b) => ({
      model: b.model,
      definition: b.definition,
      built: b.built,
      partitions_rebuilt: b.partitionsRebuilt ?? null,
      partitions: b.partitions ?? null,
      reason: b.reason ?? null,
    })),
  );
}
