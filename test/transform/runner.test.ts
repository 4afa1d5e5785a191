// The model runner on tiny throwaway model folders: run order, and the errors a model author meets.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildWarehouse,
  ModelRunError,
  ModelTestFailedError,
  type BuildOptions,
} from "../../pipelines/transform/build-warehouse.js";
import { ModelCycleError, RUNNER_TABLES } from "../../pipelines/transform/dag.js";
import { ModelDefinitionError } from "../../pipelines/transform/model-files.js";
import { MacroDefinitionError } from "../../pipelines/transform/macros.js";
import { queryFile } from "./helpers/raw-database.js";
import { runnablePageQuery } from "../helpers/page-query.js";
import { withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";

let workDir: string;
let rawPath: string;
let projects = 0;

/** A fresh project folder holding `files` (paths relative to the project, e.g. `models/core/x.sql`). */
function project(files: Record<string, string>): { projectRoot: string; modelsDir: string } {
  const projectRoot = join(workDir, `project-${++projects}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(projectRoot, path)), { recursive: true });
    writeFileSync(join(projectRoot, path), text);
  }
  return { projectRoot, modelsDir: join(projectRoot, "models") };
}

/** A project holding `files`, ready to build over the shared raw database. */
function build(files: Record<string, string>) {
  const { projectRoot, modelsDir } = project(files);
  const buildPath = join(projectRoot, "warehouse.duckdb");
  return {
    buildPath,
    run: (extra: Pick<BuildOptions, "onModel"> = {}) =>
      buildWarehouse({ projectRoot, modelsDir, rawPath, buildPath, runId: "runner-test", ...extra }),
  };
}

/** Awaits a promise that must reject, and returns what it rejected with. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error("expected the build to fail, but it succeeded");
  return outcome;
}

const stagingSales = {
  "models/staging/shop/stg_shop__sales.sql": `-- grain: one row per sale\nselect sale_id, amount from raw.shop.sales`,
  "models/staging/shop/stg_shop__sales.yml": `description: Sales.\ncolumns:\n  sale_id:\n    tests: [not_null, unique]\n`,
};

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "runner-test-"));
  rawPath = join(workDir, "raw.duckdb");
  await withDatabase(rawPath, async (connection) => {
    await ensureMetaSchema(connection);
    await connection.run(`
      create schema shop;
      create table shop.sales (sale_id varchar, amount decimal(18, 2));
      insert into shop.sales values ('s1', 10.00), ('s2', 2.50);
    `);
  });
});

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("run order", () => {
  it("runs every model after the models it reads, whatever their names", async () => {
    const { buildPath, run } = build({
      ...stagingSales,
      // names sort the opposite way to the dependencies
      "models/core/zz_base.sql": `-- grain: one row per sale\nselect * from staging.stg_shop__sales`,
      "models/core/aa_derived.sql": `-- grain: one row\nwith base as (select * from core.zz_base) select sum(amount) as total from base`,
      "models/marts/aa_report.sql": `-- grain: one row\nselect d.total, (select count(*) from core.zz_base) as sales, b.run_id\nfrom core.aa_derived as d cross join ops.build_context as b`,
    });
    const order: string[] = [];
    const { models } = await run({ onModel: ({ model }) => order.push(model.model.id) });
    const ids = models.map((p) => p.model.id);
    expect(order).toEqual(ids);
    for (const planned of models) {
      for (const dependency of planned.dependsOn) {
        expect(ids.indexOf(dependency), `${planned.model.id} runs after ${dependency}`).toBeLessThan(
          ids.indexOf(planned.model.id),
        );
      }
    }
    expect(ids).toEqual(["staging.stg_shop__sales", "core.zz_base", "core.aa_derived", "marts.aa_report"]);
    const byId = new Map(models.map((p) => [p.model.id, p]));
    expect(byId.get("staging.stg_shop__sales")?.rawInputs).toEqual(["shop.sales"]);
    // a CTE is not a dependency; ops is the runner's own
    expect(byId.get("core.aa_derived")?.dependsOn).toEqual(["core.zz_base"]);
    expect(byId.get("marts.aa_report")?.dependsOn).toEqual(["core.aa_derived", "core.zz_base"]);
    expect(byId.get("marts.aa_report")?.runnerInputs).toEqual(["ops.build_context"]);
    expect(await queryFile(buildPath, "select total::varchar as total, sales, run_id from marts.aa_report")).toEqual([
      { total: "12.50", sales: 2, run_id: "runner-test" },
    ]);
  });
});

describe("the runner's own tables", () => {
  it("are all written before the first model runs: a model sees exactly RUNNER_TABLES in ops", async () => {
    const { buildPath, run } = build({
      // a table function is no table reference: this model depends on nothing and may run first
      "models/core/ops_tables.sql": `-- grain: one row per ops table\nselect schema_name || '.' || table_name as id from duckdb_tables() where schema_name = 'ops'`,
    });
    await run();
    const seen = await queryFile<{ id: string }>(buildPath, "select id from core.ops_tables order by id");
    expect(seen.map((row) => row.id)).toEqual([...RUNNER_TABLES].sort());
  });

  it("a model reading another ops table (one written after the models, say) is a ModelDefinitionError naming the file", async () => {
    const error = await rejection(build({ "models/marts/x.sql": `-- grain: x\nselect * from ops.test_results` }).run());
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect((error as ModelDefinitionError).file).toBe(join("models", "marts", "x.sql"));
    expect(error.message).toContain("reads ops.test_results, which the runner does not write before the models run");
  });
});

describe("errors name the file to fix", () => {
  it("a cycle is a ModelCycleError naming every file on it", async () => {
    const error = await rejection(
      build({
        "models/core/a.sql": `-- grain: x\nselect * from core.b`,
        "models/core/b.sql": `-- grain: x\nselect * from core.c`,
        "models/core/c.sql": `-- grain: x\nselect * from core.a`,
        "models/core/d.sql": `-- grain: x\nselect 1 as one`,
      }).run(),
    );
    expect(error).toBeInstanceOf(ModelCycleError);
    const cycle = (error as ModelCycleError).cycle.map((m) => m.file).sort();
    expect(cycle).toEqual([
      join("models", "core", "a.sql"),
      join("models", "core", "b.sql"),
      join("models", "core", "c.sql"),
    ]);
    for (const file of cycle) expect(error.message).toContain(file);
    expect(error.message).not.toContain("d.sql");
  });

  it("a model reading a table that is no model is a ModelDefinitionError naming the file", async () => {
    const error = await rejection(
      build({ ...stagingSales, "models/core/orders.sql": `-- grain: x\nselect * from core.nope` }).run(),
    );
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect((error as ModelDefinitionError).file).toBe(join("models", "core", "orders.sql"));
    expect(error.message).toContain("core.nope");
  });

  it("an unqualified or unknown-schema table is a ModelDefinitionError naming the file", async () => {
    for (const from of ["sales", "shop.sales", "raw.sales"]) {
      const error = await rejection(build({ "models/staging/x.sql": `-- grain: x\nselect * from ${from}` }).run());
      expect(error, from).toBeInstanceOf(ModelDefinitionError);
      expect((error as ModelDefinitionError).file).toBe(join("models", "staging", "x.sql"));
      expect(error.message).toContain("which is unknown");
    }
  });

  it("only staging may read raw", async () => {
    const error = await rejection(
      build({ "models/core/sneaky.sql": `-- grain: x\nselect * from raw.shop.sales` }).run(),
    );
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect((error as ModelDefinitionError).file).toBe(join("models", "core", "sneaky.sql"));
    expect(error.message).toContain("only staging models may read raw");
  });

  it("a model without a grain comment is a ModelDefinitionError naming the file", async () => {
    const error = await rejection(
      build({ ...stagingSales, "models/core/no_grain.sql": `select * from staging.stg_shop__sales` }).run(),
    );
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect((error as ModelDefinitionError).file).toBe(join("models", "core", "no_grain.sql"));
    expect(error.message).toContain("grain");
  });

  it("SQL that does not parse is a ModelDefinitionError naming the file", async () => {
    const error = await rejection(
      build({ ...stagingSales, "models/core/typo.sql": `-- grain: x\nselect * frm staging.stg_shop__sales` }).run(),
    );
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect((error as ModelDefinitionError).file).toBe(join("models", "core", "typo.sql"));
    expect(error.message).toContain("does not parse");
  });

  it("SQL that parses but does not run is a ModelRunError naming the model and the file", async () => {
    const error = await rejection(
      build({
        ...stagingSales,
        "models/core/bad_column.sql": `-- grain: x\nselect no_such_column from staging.stg_shop__sales`,
      }).run(),
    );
    expect(error).toBeInstanceOf(ModelRunError);
    expect(error.message).toContain("core.bad_column");
    expect(error.message).toContain(join("models", "core", "bad_column.sql"));
    expect(error.message).toContain("no_such_column");
  });

  it("a model outside the layer folders is a ModelDefinitionError", async () => {
    const error = await rejection(build({ "models/exports/x.sql": `-- grain: x\nselect 1 as one` }).run());
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect(error.message).toContain(join("models", "exports", "x.sql"));
  });

  it("a malformed YAML spec is a ModelDefinitionError naming the YAML file", async () => {
    const error = await rejection(
      build({
        "models/core/x.sql": `-- grain: x\nselect 1 as one`,
        "models/core/x.yml": `columns:\n  one:\n    tests: [{relationships: core.x}]\n`,
      }).run(),
    );
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect(error.message).toContain(join("models", "core", "x.yml"));
    expect(error.message).toContain("schema.table.column");
  });
});

describe("SQL macros (models/macros/)", () => {
  const withTax = {
    "models/macros/money.sql": [
      "-- an amount with 10% tax on it",
      "create or replace macro macros.with_tax(amount) as amount * 1.1;",
      "-- the tax on an amount: built on the macro before it",
      "create or replace macro macros.tax_of(amount) as macros.with_tax(amount) - amount;",
    ].join("\n"),
  };

  it("are created before any model, usable in models and their YAML tests, and dropped before publishing", async () => {
    const { buildPath, run } = build({
      ...stagingSales,
      ...withTax,
      "models/core/taxed_sales.sql": `-- grain: one row per sale\nselect sale_id, macros.with_tax(amount) as gross, macros.tax_of(amount) as tax from staging.stg_shop__sales`,
      "models/core/taxed_sales.yml": [
        "columns:",
        "  sale_id:",
        "    tests: [unique]",
        "tests:",
        "  - expect_no_rows:",
        "      name: gross is the amount with tax",
        "      sql: select * from core.taxed_sales where gross <> macros.with_tax(gross - tax)",
      ].join("\n"),
    });
    const { models, testsRun } = await run();
    // the macro folder holds no model
    expect(models.map((p) => p.model.id)).toEqual(["staging.stg_shop__sales", "core.taxed_sales"]);
    expect(models.find((p) => p.model.id === "core.taxed_sales")?.dependsOn).toEqual(["staging.stg_shop__sales"]);
    expect(testsRun).toBe(4);
    expect(
      await queryFile(buildPath, "select sale_id, gross::varchar as gross, tax::varchar as tax from core.taxed_sales"),
    ).toEqual([
      { sale_id: "s1", gross: "11.000", tax: "1.000" },
      { sale_id: "s2", gross: "2.750", tax: "0.250" },
    ]);
    // The tables hold the results; the file readers open has no macros, nor their schema.
    expect(
      await queryFile(
        buildPath,
        `select function_name from duckdb_functions() where not internal
         union all select schema_name from duckdb_schemas() where schema_name = 'macros'`,
      ),
    ).toEqual([]);
  });

  it("a macro file that does not run is a MacroDefinitionError naming the file", async () => {
    const error = await rejection(
      build({
        ...stagingSales,
        ...withTax,
        "models/macros/zz_broken.sql": "create or replace macro macros.half(amount) as amount / no_such_function(2);",
      }).run(),
    );
    expect(error).toBeInstanceOf(MacroDefinitionError);
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect((error as MacroDefinitionError).file).toBe(join("models", "macros", "zz_broken.sql"));
    expect(error.message).toContain(`${join("models", "macros", "zz_broken.sql")}: does not run`);
    expect(error.message).toContain("no_such_function");
  });

  it("a macro file may create only scalar macros in the schema macros, each in one file", async () => {
    for (const [sql, expected] of [
      ["create or replace macro with_tax(amount) as amount * 1.1;", /creates the macro main\.with_tax/],
      ["create or replace macro macros.sales() as table select 1 as one;", /creates the table macro macros\.sales/],
      ["create table macros.rates as select 1.1 as rate;", /creates the table macros\.rates/],
      [
        "create or replace macro macros.with_tax(amount) as amount * 1.2;",
        /redefines macros\.with_tax, already defined in models\/macros\/money\.sql/,
      ],
    ] as const) {
      const error = await rejection(build({ ...stagingSales, ...withTax, "models/macros/other.sql": sql }).run());
      expect(error, sql).toBeInstanceOf(MacroDefinitionError);
      expect(error.message, sql).toContain(join("models", "macros", "other.sql"));
      expect(error.message, sql).toMatch(expected);
    }
  });
});

describe("YAML tests", () => {
  it("every failing test is reported with its model, its file and sample rows; nothing stops at the first", async () => {
    const error = await rejection(
      build({
        ...stagingSales,
        "models/core/sales.sql": `-- grain: one row per sale, twice over\nselect * from staging.stg_shop__sales union all select * from staging.stg_shop__sales`,
        "models/core/sales.yml": [
          "columns:",
          "  sale_id:",
          "    tests: [unique, not_null, {accepted_values: [s1]}, {relationships: staging.stg_shop__sales.sale_id}]",
          "  amount:",
          "    tests: [{accepted_range: {min: 5}}]",
          "tests:",
          "  - reconcile: {name: amounts match staging, left: select sum(amount) from core.sales, right: select sum(amount) from staging.stg_shop__sales}",
          "  - expect_no_rows: {name: nothing small, sql: select * from core.sales where amount < 5}",
        ].join("\n"),
      }).run(),
    );
    expect(error).toBeInstanceOf(ModelTestFailedError);
    const failures = (error as ModelTestFailedError).failures;
    expect(failures.map((f) => f.test).sort()).toEqual(
      [
        "amount accepted_range",
        "nothing small",
        "reconcile: amounts match staging",
        "sale_id accepted_values",
        "sale_id unique",
      ].sort(),
    );
    for (const failure of failures) {
      expect(failure.model).toBe("core.sales");
      expect(failure.file).toBe(join("models", "core", "sales.sql"));
    }
    const reconcile = failures.find((f) => f.test.startsWith("reconcile"));
    expect(reconcile?.sample).toEqual([{ left_value: 25, right_value: 12.5, difference: 12.5 }]);
    expect(error.message).toContain(
      'core.sales — test "sale_id unique" (models/core/sales.yml) failed: 2 failing row(s)',
    );
  });

  it("a NULL where the model's YAML says not_null fails that test, with the row", async () => {
    const error = await rejection(
      build({
        ...stagingSales,
        "models/core/z.sql": `-- grain: one row per sale\nselect sale_id, case when amount >= 10 then null else amount end as amount from staging.stg_shop__sales`,
        "models/core/z.yml": `columns:\n  sale_id:\n    tests: [not_null]\n  amount:\n    tests: [not_null]\n`,
      }).run(),
    );
    expect(error).toBeInstanceOf(ModelTestFailedError);
    const failures = (error as ModelTestFailedError).failures;
    expect(failures.map((f) => f.test)).toEqual(["amount not_null"]);
    expect(failures[0]?.failingRows).toBe(1);
  });

  it("a test that cannot run (a column the model lacks) fails rather than passing", async () => {
    const error = await rejection(
      build({
        ...stagingSales,
        "models/core/y.sql": `-- grain: x\nselect * from staging.stg_shop__sales`,
        "models/core/y.yml": `columns:\n  sales_id:\n    tests: [not_null]\n`,
      }).run(),
    );
    expect(error).toBeInstanceOf(ModelTestFailedError);
    // Tests are counted many to a query: the broken one names itself, and the staging model's tests counted in the
    // same query still pass.
    const { failures, warnings } = error as ModelTestFailedError;
    expect(failures.map((f) => f.test)).toEqual(["sales_id not_null"]);
    expect(warnings).toEqual([]);
    expect(String(failures[0]?.sample[0]?.["error"])).toContain("sales_id");
  });
});

describe("test severity and thresholds", () => {
  // four sales, one of them small: each test below finds 1 failing row of 4 (25%)
  const fourSales = {
    "models/staging/shop/stg_shop__sales.sql": `-- grain: one row per sale\nselect sale_id, amount from raw.shop.sales union all select 's3', 20.00 union all select 's4', 30.00`,
    "models/staging/shop/stg_shop__sales.yml": `description: Sales.\ncolumns:\n  sale_id:\n    tests: [not_null, unique]\n`,
  };
  const withTests = (yaml: string[]) => ({
    ...fourSales,
    "models/core/sales.sql": `-- grain: one row per sale\nselect sale_id, case when amount < 5 then null else amount end as amount, case when sale_id = 's1' then 'x' else sale_id end as code from staging.stg_shop__sales`,
    "models/core/sales.yml": ["columns:", "  sale_id:", "    tests: [unique]", ...yaml].join("\n"),
  });

  it("a warn test publishes and is reported with its count, sample keys and description, and stored in ops.test_results", async () => {
    const { buildPath, run } = build(
      withTests([
        "  amount:",
        "    tests:",
        "      - not_null: { severity: warn, description: Sales without an amount - fix them in the shop. }",
        "  code:",
        "    tests: [{ relationships: staging.stg_shop__sales.sale_id, severity: warn }]",
        "tests:",
        "  - expect_no_rows: { name: no small sales, sql: select * from core.sales where amount < 15 }",
        "    severity: warn",
      ]),
    );
    const result = await run();
    expect(result.warnings.map((w) => [w.test, w.status, w.failingRows, w.sampleKeys])).toEqual([
      // the model's key (sale_id, from its unique test) names a failing row; a grouped test's first column does
      ["amount not_null", "warn", 1, ["s2"]],
      ["code relationships staging.stg_shop__sales.sale_id", "warn", 1, ["x"]],
      ["no small sales", "warn", 1, ["s1"]],
    ]);
    expect(result.warnings[0]?.description).toBe("Sales without an amount - fix them in the shop.");
    // a test without a description is described by its name
    expect(result.warnings[2]?.description).toBe("no small sales");
    const stored = await queryFile<{
      test: string;
      severity: string;
      status: string;
      failing_rows: number;
      sample_keys: string[];
    }>(
      buildPath,
      "select test, severity, status, failing_rows, sample_keys from ops.test_results where model = 'core.sales' order by test",
    );
    expect(stored).toEqual([
      { test: "amount not_null", severity: "warn", status: "warn", failing_rows: 1, sample_keys: ["s2"] },
      {
        test: "code relationships staging.stg_shop__sales.sale_id",
        severity: "warn",
        status: "warn",
        failing_rows: 1,
        sample_keys: ["x"],
      },
      { test: "no small sales", severity: "warn", status: "warn", failing_rows: 1, sample_keys: ["s1"] },
      { test: "sale_id unique", severity: "error", status: "pass", failing_rows: 0, sample_keys: [] },
    ]);
  });

  it("a warning's Chinese description is stored and published beside the English one; the Chinese data-quality page shows it, else the English", async () => {
    const { buildPath, run } = build(
      withTests([
        "  amount:",
        "    tests:",
        "      - not_null:",
        "          severity: warn",
        "          description: Sales without an amount - fix them in the shop.",
        "          description_zh: >",
        "            没有金额的销售：请在店铺系统中补上金额。",
        "tests:",
        "  - expect_no_rows: { name: no small sales, sql: select * from core.sales where amount < 15 }",
        "    severity: warn",
      ]),
    );
    const result = await run();
    expect(result.warnings.map((w) => [w.test, w.description, w.descriptionZh])).toEqual([
      [
        "amount not_null",
        "Sales without an amount - fix them in the shop.",
        "没有金额的销售：请在店铺系统中补上金额。",
      ],
      ["no small sales", "no small sales", null],
    ]);
    const expected = [
      {
        test: "amount not_null",
        description: "Sales without an amount - fix them in the shop.",
        description_zh: "没有金额的销售：请在店铺系统中补上金额。",
      },
      { test: "no small sales", description: "no small sales", description_zh: null },
    ];
    expect(
      await queryFile(
        buildPath,
        "select test, description, description_zh from ops.test_results where status = 'warn' order by test",
      ),
    ).toEqual(expected);
    expect(
      await queryFile(
        buildPath,
        "select test, description, description_zh from marts.data_quality_warnings order by test",
      ),
    ).toEqual(expected);
    // the page's own query, as each reader's page runs it
    for (const [language, shown] of [
      ["zh", ["没有金额的销售：请在店铺系统中补上金额。", "no small sales"]],
      ["en", ["Sales without an amount - fix them in the shop.", "no small sales"]],
    ] as const) {
      const rows = await queryFile<{ test: string; description: string }>(
        buildPath,
        runnablePageQuery("data-quality.md", "warnings", language),
      );
      expect(rows.sort((a, b) => a.test.localeCompare(b.test)).map((r) => r.description)).toEqual(shown);
    }
  });

  it("error_if and warn_if thresholds, in rows or as a share of the model's rows, decide between error, warning and pass", async () => {
    const error = await rejection(
      build(
        withTests([
          "  amount:",
          "    tests:",
          // 1 of 4 rows = 25%: over 10% is an error
          '      - not_null: { error_if: ">10%" }',
          "tests:",
          // 25% is not over 50%: a warning (warn_if defaults to any row)
          "  - expect_no_rows: { name: small sales under half, sql: select * from core.sales where amount is null }",
          '    error_if: ">50%"',
          // 1 row is not over 1 row: a warning
          "  - expect_no_rows: { name: at most one small sale, sql: select * from core.sales where amount is null }",
          '    error_if: ">1"',
          // warn only from 2 rows: 1 row passes
          "  - expect_no_rows: { name: warn from two, sql: select * from core.sales where amount is null }",
          "    severity: warn",
          '    warn_if: ">=2"',
        ]),
      ).run(),
    );
    expect(error).toBeInstanceOf(ModelTestFailedError);
    const failed = error as ModelTestFailedError;
    expect(failed.failures.map((f) => [f.test, f.failingRows, f.modelRows])).toEqual([["amount not_null", 1, 4]]);
    expect(failed.message).toContain(
      'core.sales — test "amount not_null" (models/core/sales.yml) failed: 1 failing row(s) (25.0% of 4)',
    );
    expect(failed.warnings.map((w) => w.test)).toEqual(["small sales under half", "at most one small sale"]);
    expect(failed.message).toContain("(and 2 test(s) warned)");
  });

  it("a warn test that cannot run is an error: a broken test never passes as a warning", async () => {
    const error = await rejection(
      build(withTests(["  no_such_column:", "    tests: [{ not_null: { severity: warn } }]"])).run(),
    );
    expect(error).toBeInstanceOf(ModelTestFailedError);
    expect((error as ModelTestFailedError).failures.map((f) => [f.test, f.severity, f.status])).toEqual([
      ["no_such_column not_null", "warn", "error"],
    ]);
  });

  it("a threshold that is not one is a ModelDefinitionError naming the YAML file", async () => {
    const error = await rejection(
      build(withTests(["  amount:", '    tests: [{ not_null: { error_if: "more than 10" } }]'])).run(),
    );
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect(error.message).toContain(join("models", "core", "sales.yml"));
    expect(error.message).toContain('">1%"');
  });
});
