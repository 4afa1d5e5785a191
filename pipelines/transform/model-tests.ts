/**
 * Runs the tests declared beside each model against the warehouse being built. Every test is a
 * query returning the rows that break it. A test with failing rows is an error (nothing is
 * published) or a warning (published, reported, stored in ops.test_results) by its severity and
 * thresholds, as dbt's `severity` / `warn_if` / `error_if`; either carries the model, the test,
 * the failing count and a sample of those rows with their keys.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { columnList, insertRowsAsJson, queryRows, quoteIdent, quoteLiteral } from "../shared/warehouse/duckdb.js";
import type { ModelFile } from "./model-files.js";
import { testSettings, THRESHOLD, type ColumnTest, type ModelTest, type TestSettings } from "./model-spec.js";

export type TestStatus = "pass" | "warn" | "error";

export interface TestOutcome {
  readonly model: string;
  readonly file: string;
  readonly test: string;
  /** What the test was declared as: error (the default) or warn. */
  readonly severity: "error" | "warn";
  /** What this run made of it. */
  readonly status: TestStatus;
  readonly failingRows: number;
  /** Rows of the model, when a threshold needed them (a share of the rows). */
  readonly modelRows: number | null;
  /** The thresholds the status was judged by, e.g. `error_if >1%, warn_if >0`. */
  readonly thresholds: string;
  /** What the failing rows mean: the test's own description, else the column's, else the test's name. */
  readonly description: string;
  /** The test's own description in Chinese (`description_zh`), if it has one. */
  readonly descriptionZh: string | null;
  readonly sample: readonly Record<string, unknown>[];
  /** The key of each sample row (the model's key columns where the row has them, else its first column). */
  readonly sampleKeys: readonly string[];
}

interface CompiledTest {
  readonly name: string;
  /** Returns one row per violation; one statement, ready to wrap in a subquery. */
  readonly sql: string;
  readonly settings: TestSettings;
  readonly description: string;
  readonly descriptionZh: string | null;
  /** How a failing row is named in the sample keys (default: the model's key, else the first column). */
  readonly sampleKey?: (row: Record<string, unknown>) => string;
  /**
   * How many of the model's rows fail, as an aggregate over the test's rows (default `count(*)`: one row each). A
   * relationships test returns one row per missing value with its `occurrences`: its failing rows are their sum.
   */
  readonly failingRows?: string;
}

const SAMPLE_ROWS = 5;

function compileColumnTest(
  table: string,
  column: string,
  test: ColumnTest,
): Omit<CompiledTest, "settings" | "description" | "descriptionZh"> {
  const col = quoteIdent(column);
  if (test === "not_null" || (typeof test === "object" && "not_null" in test)) {
    return { name: `${column} not_null`, sql: `select * from ${table} where ${col} is null` };
  }
  if (test === "unique" || "unique" in test) {
    return {
      name: `${column} unique`,
      sql: `select ${col}, count(*) as occurrences from ${table} where ${col} is not null group by all having count(*) > 1`,
    };
  }
  if ("accepted_values" in test) {
    const values = test.accepted_values.map((v) => (typeof v === "string" ? quoteLiteral(v) : String(v))).join(", ");
    return {
      name: `${column} accepted_values`,
      sql: `select ${col}, count(*) as occurrences from ${table} where ${col} is not null and ${col} not in (${values}) group by all`,
    };
  }
  if ("accepted_range" in test) {
    const { min, max } = test.accepted_range;
    const conditions = [min !== undefined ? `${col} < ${min}` : "", max !== undefined ? `${col} > ${max}` : ""].filter(
      Boolean,
    );
    return {
      name: `${column} accepted_range`,
      sql: `select * from ${table} where ${conditions.join(" or ") || "false"}`,
    };
  }
  const [schema, target, field] = test.relationships.split(".") as [string, string, string];
  return {
    name: `${column} relationships ${test.relationships}`,
    // one row per missing value (what to add to the parent), counted as the model rows that name it: a threshold
    // that is a share of the model's rows measures the rows affected, not how many values are missing
    sql: `select child.${col}, count(*) as occurrences from ${table} as child
          where child.${col} is not null
            and not exists (select 1 from ${quoteIdent(schema)}.${quoteIdent(target)} as parent where parent.${quoteIdent(field)} = child.${col})
          group by all`,
    failingRows: "sum(occurrences)",
  };
}

function compileModelTest(
  table: string,
  test: ModelTest,
): Omit<CompiledTest, "settings" | "description" | "descriptionZh"> {
  if ("unique" in test) {
    const cols = test.unique.map(quoteIdent).join(", ");
    return {
      name: `unique (${test.unique.join(", ")})`,
      sql: `select ${cols}, count(*) as occurrences from ${table} group by all having count(*) > 1`,
      sampleKey: (row) => test.unique.map((c) => formatValue(row[c])).join(" | "),
    };
  }
  if ("reconcile" in test) {
    const { name, left, right, tolerance } = test.reconcile;
    return {
      name: `reconcile: ${name}`,
      // The sum over no rows is null: an empty side counts as zero, so an empty warehouse reconciles.
      sql: `with l as (select coalesce((${left}), 0) as left_value), r as (select coalesce((${right}), 0) as right_value)
            select left_value, right_value, left_value - right_value as difference from l, r
            where abs(left_value - right_value) > ${tolerance}`,
      sampleKey: (row) => `${formatValue(row["left_value"])} vs ${formatValue(row["right_value"])}`,
    };
  }
  return { name: test.expect_no_rows.name, sql: test.expect_no_rows.sql };
}

/** A test's query as one statement that can be wrapped: trimmed, a trailing semicolon (allowed in the yml) dropped. */
function wrappable(sql: string): string {
  return sql.trim().replace(/;\s*$/, "");
}

/** All tests of one model, compiled to SQL. */
export function compileTests(model: ModelFile): CompiledTest[] {
  const table = `${quoteIdent(model.layer)}.${quoteIdent(model.name)}`;
  const tests: CompiledTest[] = [];
  for (const [column, spec] of Object.entries(model.spec.columns)) {
    for (const test of spec.tests) {
      const compiled = compileColumnTest(table, column, test);
      const settings = testSettings(test);
      const description = settings.description ?? spec.description ?? `${model.id}: ${compiled.name}`;
      tests.push({
        ...compiled,
        sql: wrappable(compiled.sql),
        settings,
        description: description.trim(),
        descriptionZh: chinese(settings),
      });
    }
  }
  for (const test of model.spec.tests) {
    const compiled = compileModelTest(table, test);
    const settings = testSettings(test);
    tests.push({
      ...compiled,
      sql: wrappable(compiled.sql),
      settings,
      description: (settings.description ?? compiled.name).trim(),
      descriptionZh: chinese(settings),
    });
  }
  return tests;
}

/** A test's own Chinese description, trimmed; null when it has none. */
function chinese(settings: TestSettings): string | null {
  return settings.description_zh?.trim() || null;
}

/** The columns that identify a row of the model: its first unique test's. */
function keyColumns(model: ModelFile): readonly string[] {
  const modelUnique = model.spec.tests.find((t): t is Extract<ModelTest, { unique: string[] }> => "unique" in t);
  if (modelUnique) return modelUnique.unique;
  for (const [column, spec] of Object.entries(model.spec.columns)) {
    if (spec.tests.some((t) => t === "unique" || (typeof t === "object" && "unique" in t))) return [column];
  }
  return [];
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof Date)
    return value.toISOString().slice(0, value.toISOString().endsWith("T00:00:00.000Z") ? 10 : 19);
  if (typeof value === "object")
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return String(value);
}

interface Threshold {
  readonly text: string;
  readonly op: string;
  readonly value: number;
  readonly percent: boolean;
}

function parseThreshold(text: string | undefined): Threshold {
  const match = THRESHOLD.exec(text ?? ">0")!;
  return {
    text: (text ?? ">0").replace(/\s+/g, ""),
    op: match[1]!,
    value: Number(match[2]),
    percent: match[3] === "%",
  };
}

/** Whether `failing` rows (of `total`) meet the threshold; a test without failing rows never does. */
function meets(threshold: Threshold, failing: number, total: number | null): boolean {
  if (failing <= 0) return false;
  const measured = threshold.percent ? (100 * failing) / Math.max(total ?? 0, 1) : failing;
  switch (threshold.op) {
    case ">":
      return measured > threshold.value;
    case ">=":
      return measured >= threshold.value;
    case "<":
      return measured < threshold.value;
    case "<=":
      return measured <= threshold.value;
    case "=":
    case "==":
      return measured === threshold.value;
    default:
      return measured !== threshold.value;
  }
}

/** Whether judging a test's failing rows needs the model's row count (a threshold given as a share of the rows). */
export function needsModelRows(settings: TestSettings): boolean {
  return parseThreshold(settings.error_if).percent || parseThreshold(settings.warn_if).percent;
}

/**
 * What `failing` rows make of a test, by its severity and thresholds (dbt's `severity`, `error_if`, `warn_if`);
 * `modelRows` is needed only for a threshold that is a share of the rows (see needsModelRows).
 */
export function judgeFailingRows(settings: TestSettings, failing: number, modelRows: number | null): TestStatus {
  const severity = settings.severity ?? "error";
  if (severity === "error" && meets(parseThreshold(settings.error_if), failing, modelRows)) return "error";
  return meets(parseThreshold(settings.warn_if), failing, modelRows) ? "warn" : "pass";
}

/**
 * How many tests share one counting query. Each test's count is a scalar subquery of its own, so batching changes no
 * result; it saves the per-query round trip that dominated small builds (1,500 tests, one query each, took twice as
 * long). Much larger batches get slower again as DuckDB plans one huge query.
 */
const TESTS_PER_QUERY = 25;

/** The SQL that counts a test's failing rows: its own query, wrapped. */
function countingSql(test: CompiledTest): string {
  return `(select cast(coalesce(${test.failingRows ?? "count(*)"}, 0) as bigint) from (${test.sql}\n))`;
}

/**
 * Each test's failing-row count, or the error that kept it from running. Counted TESTS_PER_QUERY at a time; a batch
 * that fails is counted again test by test, so one broken test names itself and does not take its neighbours down.
 */
async function countFailingRows(
  connection: DuckDBConnection,
  tests: readonly CompiledTest[],
): Promise<Array<number | Error>> {
  const counts: Array<number | Error> = [];
  for (let start = 0; start < tests.length; start += TESTS_PER_QUERY) {
    const batch = tests.slice(start, start + TESTS_PER_QUERY);
    try {
      const [row] = await queryRows<Record<string, number | bigint | null>>(
        connection,
        `select ${batch.map((test, i) => `${countingSql(test)} as t${i}`).join(",\n")}`,
      );
      batch.forEach((_, i) => counts.push(Number(row?.[`t${i}`] ?? 0)));
    } catch {
      for (const test of batch) {
        try {
          const [row] = await queryRows<{ n: number | bigint | null }>(connection, `select ${countingSql(test)} as n`);
          counts.push(Number(row?.n ?? 0));
        } catch (error) {
          counts.push(error instanceof Error ? error : new Error(String(error)));
        }
      }
    }
  }
  return counts;
}

/** Runs every test of the given models; returns the errors (empty when none), the warnings and every outcome. */
export async function runModelTests(
  connection: DuckDBConnection,
  models: readonly ModelFile[],
): Promise<{ run: number; failures: TestOutcome[]; warnings: TestOutcome[]; outcomes: TestOutcome[] }> {
  const tests = models.flatMap((model) => compileTests(model).map((test) => ({ model, test })));
  const counts = await countFailingRows(
    connection,
    tests.map(({ test }) => test),
  );
  const modelRows = new Map<ModelFile, number>();
  const outcomes: TestOutcome[] = [];
  for (const [index, { model, test }] of tests.entries()) {
    const table = `${quoteIdent(model.layer)}.${quoteIdent(model.name)}`;
    const severity = test.settings.severity ?? "error";
    const errorIf = parseThreshold(test.settings.error_if);
    const warnIf = parseThreshold(test.settings.warn_if);
    const thresholds =
      severity === "error" ? `error_if ${errorIf.text}, warn_if ${warnIf.text}` : `warn_if ${warnIf.text}`;
    const counted = counts[index]!;
    let count: number;
    let sample: Record<string, unknown>[] = [];
    let status: TestStatus;
    let usedRows: number | null = null;
    try {
      if (counted instanceof Error) throw counted;
      count = counted;
      if (count > 0) {
        // ORDER BY ALL makes the sample the same run after run; a row it cannot sort is sampled unsorted
        sample = await queryRows(connection, `select * from (${test.sql}\n) order by all limit ${SAMPLE_ROWS}`).catch(
          () => queryRows(connection, `select * from (${test.sql}\n) limit ${SAMPLE_ROWS}`),
        );
      }
      if (count > 0 && needsModelRows(test.settings)) {
        if (!modelRows.has(model)) {
          const [row] = await queryRows<{ n: number }>(connection, `select count(*) as n from ${table}`);
          modelRows.set(model, Number(row?.n));
        }
        usedRows = modelRows.get(model)!;
      }
      status = judgeFailingRows(test.settings, count, usedRows);
    } catch (error) {
      // A test that cannot run is broken, whatever its severity: it must not pass, nor pass as a warning.
      count = 1;
      sample = [{ error: error instanceof Error ? error.message : String(error) }];
      status = "error";
    }
    const keys = keyColumns(model);
    const sampleKeys = sample.map((row) => {
      if ("error" in row && Object.keys(row).length === 1) return "(the test could not run)";
      if (test.sampleKey) return test.sampleKey(row);
      if (keys.length && keys.every((k) => k in row)) return keys.map((k) => formatValue(row[k])).join(" | ");
      return formatValue(Object.values(row)[0]);
    });
    outcomes.push({
      model: model.id,
      file: model.file,
      test: test.name,
      severity,
      status,
      failingRows: count,
      modelRows: usedRows,
      thresholds,
      description: test.description,
      descriptionZh: test.descriptionZh,
      sample,
      sampleKeys,
    });
  }
  return {
    run: outcomes.length,
    failures: outcomes.filter((o) => o.status === "error"),
    warnings: outcomes.filter((o) => o.status === "warn"),
    outcomes,
  };
}

/** "12 failing row(s) (3.4% of 350)". */
function countText(outcome: TestOutcome): string {
  const share =
    outcome.modelRows !== null
      ? ` (${((100 * outcome.failingRows) / Math.max(outcome.modelRows, 1)).toFixed(1)}% of ${outcome.modelRows})`
      : "";
  return `${outcome.failingRows} failing row(s)${share}`;
}

/** A readable multi-line summary of failed tests. */
export function describeFailures(failures: readonly TestOutcome[]): string {
  return failures
    .map((f) => {
      const rows = f.sample
        .map((r) => `      ${JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`)
        .join("\n");
      // Tests are written in the .yml beside the model: name that file, where the failing test is to be found.
      const testsFile = f.file.replace(/\.(sql|ts)$/, ".yml");
      return `  ${f.model} — test "${f.test}" (${testsFile}) failed: ${countText(f)}\n${rows}`;
    })
    .join("\n");
}

/** One line per warning: the model, the test, the count and up to 5 sample keys, then what it means. */
export function describeWarnings(warnings: readonly TestOutcome[]): string {
  return warnings
    .map((w) => {
      const keys = w.sampleKeys.length ? `, e.g. ${w.sampleKeys.join(", ")}` : "";
      const meaning = w.description && w.description !== w.test ? `\n      ${w.description}` : "";
      return `  warn ${w.model} — "${w.test}": ${countText(w)}${keys}${meaning}`;
    })
    .join("\n");
}

/** The columns of ops.test_results. */
const TEST_RESULT_COLUMNS = {
  run_id: "varchar",
  model: "varchar",
  test: "varchar",
  severity: "varchar",
  status: "varchar",
  failing_rows: "bigint",
  model_rows: "bigint",
  thresholds: "varchar",
  sample_keys: "varchar[]",
  description: "varchar",
  description_zh: "varchar",
  tests_file: "varchar",
};

/** Stores every test's outcome in `ops.test_results` of the warehouse being built, for reports to show. */
export async function storeTestResults(
  connection: DuckDBConnection,
  runId: string,
  outcomes: readonly TestOutcome[],
): Promise<void> {
  await connection.run(`create or replace table ops.test_results (${columnList(TEST_RESULT_COLUMNS)})`);
  await insertRowsAsJson(
    connection,
    "ops.test_results",
    TEST_RESULT_COLUMNS,
    outcomes.map((o) => ({
      run_id: runId,
      model: o.model,
      test: o.test,
      severity: o.severity,
      status: o.status,
      failing_rows: o.failingRows,
      model_rows: o.modelRows,
      thresholds: o.thresholds,
      sample_keys: o.sampleKeys,
      description: o.description,
      description_zh: o.descriptionZh,
      tests_file: o.file.replace(/\.(sql|ts)$/, ".yml"),
    })),
  );
}
