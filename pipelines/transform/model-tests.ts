/**
 * Runs the tests declared beside each model against the warehouse being built. Every test is a
 * query returning the rows that break it; a test fails when it returns any, and the failure
 * carries the model, the test and a sample of those rows.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { queryRows, quoteIdent, quoteLiteral } from "../shared/warehouse/duckdb.js";
import type { ModelFile } from "./model-files.js";
import type { ColumnTest, ModelTest } from "./model-spec.js";

export interface TestOutcome {
  readonly model: string;
  readonly file: string;
  readonly test: string;
  readonly failingRows: number;
  readonly sample: readonly Record<string, unknown>[];
}

interface CompiledTest {
  readonly name: string;
  /** Returns one row per violation. */
  readonly sql: string;
}

function compileColumnTest(table: string, column: string, test: ColumnTest): CompiledTest {
  const col = quoteIdent(column);
  if (test === "not_null") return { name: `${column} not_null`, sql: `select * from ${table} where ${col} is null` };
  if (test === "unique") {
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
    sql: `select child.${col}, count(*) as occurrences from ${table} as child
          where child.${col} is not null
            and not exists (select 1 from ${quoteIdent(schema)}.${quoteIdent(target)} as parent where parent.${quoteIdent(field)} = child.${col})
          group by all`,
  };
}

function compileModelTest(table: string, test: ModelTest): CompiledTest {
  if ("unique" in test) {
    const cols = test.unique.map(quoteIdent).join(", ");
    return {
      name: `unique (${test.unique.join(", ")})`,
      sql: `select ${cols}, count(*) as occurrences from ${table} group by all having count(*) > 1`,
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
    };
  }
  return { name: test.expect_no_rows.name, sql: test.expect_no_rows.sql };
}

/** All tests of one model, compiled to SQL. */
export function compileTests(model: ModelFile): CompiledTest[] {
  const table = `${quoteIdent(model.layer)}.${quoteIdent(model.name)}`;
  const tests: CompiledTest[] = [];
  for (const [column, spec] of Object.entries(model.spec.columns)) {
    for (const test of spec.tests) tests.push(compileColumnTest(table, column, test));
  }
  for (const test of model.spec.tests) tests.push(compileModelTest(table, test));
  return tests;
}

/** Runs every test of the given models; returns the failures (empty when all pass). */
export async function runModelTests(
  connection: DuckDBConnection,
  models: readonly ModelFile[],
): Promise<{ run: number; failures: TestOutcome[] }> {
  const failures: TestOutcome[] = [];
  let run = 0;
  for (const model of models) {
    for (const test of compileTests(model)) {
      run++;
      let count: number;
      let sample: Record<string, unknown>[];
      try {
        const sql = test.sql.trim().replace(/;\s*$/, "");
        [{ n: count } = { n: 0 }] = await queryRows<{ n: number }>(connection, `select count(*) as n from (${sql}\n)`);
        sample = count > 0 ? await queryRows(connection, `select * from (${sql}\n) limit 5`) : [];
      } catch (error) {
        count = 1;
        sample = [{ error: error instanceof Error ? error.message : String(error) }];
      }
      if (count > 0) failures.push({ model: model.id, file: model.file, test: test.name, failingRows: count, sample });
    }
  }
  return { run, failures };
}

/** A readable multi-line summary of failed tests. */
export function describeFailures(failures: readonly TestOutcome[]): string {
  return failures
    .map((f) => {
      const rows = f.sample
        .map((r) => `      ${JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`)
        .join("\n");
      // Tests are written in the .yml beside the model: name that file, where the failing test is to be found.
      const testsFile = f.file.replace(/\.(sql|ts)$/, ".yml");
      return `  ${f.model} — test "${f.test}" (${testsFile}) failed: ${f.failingRows} failing row(s)\n${rows}`;
    })
    .join("\n");
}
