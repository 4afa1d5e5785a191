// Metrics declared beside their columns (a mart column's `metric` / `metrics` in its YAML) become the rows of
// ops.metric_definitions, written before the models run, which a glossary mart selects from; and the mistakes a model
// author can make in them stop the build with an error naming the YAML file to fix.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWarehouse } from "../../pipelines/transform/build-warehouse.js";
import { discoverModels, ModelDefinitionError } from "../../pipelines/transform/model-files.js";
import { metricDefinitions } from "../../pipelines/transform/metric-definitions.js";
import { modelSpecSchema } from "../../pipelines/transform/model-spec.js";
import { withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { queryFile } from "./helpers/raw-database.js";

let workDir: string;
let rawPath: string;
let projects = 0;

/** Builds a fresh project holding `files` (paths relative to the project) over an empty raw database. */
async function build(files: Record<string, string>, currency?: { code: string; symbol: string }) {
  const projectRoot = join(workDir, `project-${++projects}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(projectRoot, path)), { recursive: true });
    writeFileSync(join(projectRoot, path), text);
  }
  const buildPath = join(projectRoot, "warehouse.duckdb");
  const result = await buildWarehouse({
    projectRoot,
    rawPath,
    buildPath,
    runId: "metric-test",
    ...(currency ? { reportingCurrency: currency } : {}),
  });
  return { buildPath, result };
}

/** Awaits a build that must fail, and returns its error. */
async function buildError(files: Record<string, string>): Promise<Error> {
  const outcome = await build(files).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error("expected the build to fail, but it succeeded");
  return outcome;
}

const UNITS = "models/metric_units.yml";
const MART_SQL = "models/marts/sales/sales_monthly.sql";
const MART_YML = "models/marts/sales/sales_monthly.yml";

/** A mart of the `sales` subject publishing three metrics from two columns, and the units they are measured in. */
const salesMart = {
  [UNITS]: "CNY: CNY\nratio: 比率\n",
  [MART_SQL]: `-- grain: one row per month\nselect date '2024-01-01' as month, 100.00 as revenue, 0.25 as actual_value`,
  [MART_YML]: [
    "description: Sales per month.",
    "grain: one row per month",
    "grain_zh: 每月一行",
    "columns:",
    "  month:",
    "    tests: [unique]",
    "  revenue:",
    "    description: sum(line_amount) of completed orders",
    "    metric: { name: Revenue, name_zh: 销售额, unit: CNY, formula_zh: 已完成订单的金额合计 }",
    "  actual_value:",
    "    description: The measured value of a goal.",
    "    metrics:",
    "      - { id: online_share, name: Online share, name_zh: 线上占比, unit: ratio, formula: online revenue / revenue }",
    "      - id: repeat_share",
    "        name: Repeat share",
    "        name_zh: 复购占比",
    "        unit: ratio",
    "        unit_zh: 比例",
    "        grain: one row per month (the same goal)",
    "        grain_zh: 每月一行（同一目标）",
    "        formula: repeat revenue / revenue",
    "",
  ].join("\n"),
  // a glossary as the project's are: a select from the runner's table
  "models/marts/sales/sales_glossary.sql": `-- grain: one row per metric\nselect * exclude (glossary) from ops.metric_definitions where glossary = 'sales'`,
};

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "metric-definitions-test-"));
  rawPath = join(workDir, "raw.duckdb");
  await withDatabase(rawPath, (connection) => ensureMetaSchema(connection));
});

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("ops.metric_definitions", () => {
  it("holds every metric the marts' YAML declares, with its words, before the glossary mart that reads it runs", async () => {
    const { buildPath, result } = await build(salesMart);
    expect(await queryFile(buildPath, "select * from marts.sales_glossary order by metric_id")).toEqual([
      {
        metric_id: "online_share",
        mart: "sales_monthly",
        mart_column: "actual_value",
        name_en: "Online share",
        name_zh: "线上占比",
        formula: "online revenue / revenue",
        formula_zh: null,
        grain: "one row per month",
        grain_zh: "每月一行",
        unit: "ratio",
        unit_zh: "比率",
      },
      {
        metric_id: "repeat_share",
        mart: "sales_monthly",
        mart_column: "actual_value",
        name_en: "Repeat share",
        name_zh: "复购占比",
        formula: "repeat revenue / revenue",
        formula_zh: null,
        // the metric's own grain and unit wording, where it gives them
        grain: "one row per month (the same goal)",
        grain_zh: "每月一行（同一目标）",
        unit: "ratio",
        unit_zh: "比例",
      },
      {
        // the id is the column's name; the formula is the column's description
        metric_id: "revenue",
        mart: "sales_monthly",
        mart_column: "revenue",
        name_en: "Revenue",
        name_zh: "销售额",
        formula: "sum(line_amount) of completed orders",
        formula_zh: "已完成订单的金额合计",
        grain: "one row per month",
        grain_zh: "每月一行",
        unit: "CNY",
        unit_zh: "CNY",
      },
    ]);
    // the folder under models/marts/ names the glossary
    expect(await queryFile(buildPath, "select distinct glossary from ops.metric_definitions")).toEqual([
      { glossary: "sales" },
    ]);
    const glossary = result.models.find((planned) => planned.model.id === "marts.sales_glossary");
    expect(glossary?.runnerInputs).toEqual(["ops.metric_definitions"]);
  });

  it("gives money in the reporting currency: the YAML's CNY is the configured code", async () => {
    const { buildPath } = await build(salesMart, { code: "GBP", symbol: "£" });
    expect(
      await queryFile(buildPath, "select metric_id, unit, unit_zh from ops.metric_definitions order by metric_id"),
    ).toEqual([
      { metric_id: "online_share", unit: "ratio", unit_zh: "比率" },
      { metric_id: "repeat_share", unit: "ratio", unit_zh: "比例" },
      { metric_id: "revenue", unit: "GBP", unit_zh: "GBP" },
    ]);
  });

  it("is there, empty, when no model declares a metric", async () => {
    const { buildPath } = await build({ "models/marts/x.sql": "-- grain: one row\nselect 1 as one" });
    expect(await queryFile(buildPath, "select count(*)::integer as n from ops.metric_definitions")).toEqual([{ n: 0 }]);
  });
});

describe("the project's glossaries", () => {
  const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

  it("declare, in the marts' YAML, every metric a page looks up by id, in the glossary the page reads", async () => {
    const definitions = metricDefinitions(projectRoot, join(projectRoot, "models"), await discoverModels(projectRoot));
    const ids = (glossary: string) => definitions.filter((d) => d.glossary === glossary).map((d) => d.metric_id);
    // reports/customers/glossary.md, segments/index.md and churn.md name these
    expect(ids("customers")).toEqual(
      expect.arrayContaining([
        "recency_score",
        "frequency_score",
        "monetary_score",
        "rfm_segment",
        "churn_status",
        "gone_quiet",
        "churn_rate",
        "key_customer",
        "key_customer_gone_quiet",
        "key_customer_churn_rate",
      ]),
    );
    expect(ids("channel")).toEqual(expect.arrayContaining(["revenue", "contribution", "is_blind_spot"]));
    expect(new Set(definitions.map((d) => d.glossary))).toEqual(new Set(["channel", "customers"]));
    // the customer pages show the formula in words to Chinese readers
    expect(definitions.filter((d) => d.glossary === "customers" && !d.formula_zh).map((d) => d.metric_id)).toEqual([]);
  });
});

describe("a mistake in a metric is a ModelDefinitionError naming the YAML file", () => {
  it("a metric on a column the mart does not have names the column", async () => {
    const error = await buildError({
      ...salesMart,
      [MART_SQL]: `-- grain: one row per month\nselect date '2024-01-01' as month, 100.00 as revenue`,
    });
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect((error as ModelDefinitionError).file).toBe(join("models", "marts", "sales", "sales_monthly.yml"));
    expect(error.message).toContain(
      "columns.actual_value publishes the metric online_share, repeat_share, but marts.sales_monthly has no column actual_value",
    );
  });

  it("a mart publishing metrics without a grain says to state it in English and Chinese", async () => {
    const error = await buildError({
      ...salesMart,
      [MART_YML]: salesMart[MART_YML].replace("grain: one row per month\ngrain_zh: 每月一行\n", ""),
    });
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect((error as ModelDefinitionError).file).toBe(join("models", "marts", "sales", "sales_monthly.yml"));
    expect(error.message).toContain("grain: the columns publish metrics (revenue, actual_value)");
    expect(error.message).toContain("grain, grain_zh");
  });

  it("a grain without its Chinese wording is refused", async () => {
    const error = await buildError({
      ...salesMart,
      [MART_YML]: salesMart[MART_YML].replace("grain_zh: 每月一行\n", ""),
    });
    expect((error as ModelDefinitionError).file).toBe(join("models", "marts", "sales", "sales_monthly.yml"));
    expect(error.message).toContain("grain_zh: give the grain in English and in Chinese");
  });

  it("a unit without its Chinese wording names the unit and the units file", async () => {
    const error = await buildError({ ...salesMart, [UNITS]: "CNY: CNY\n" });
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect((error as ModelDefinitionError).file).toBe(join("models", "marts", "sales", "sales_monthly.yml"));
    expect(error.message).toContain(
      `columns.actual_value: the unit "ratio" of metric online_share has no Chinese wording; add it to ${join("models", "metric_units.yml")}`,
    );
  });

  it("a metric id declared twice names both places", async () => {
    const error = await buildError({
      ...salesMart,
      "models/marts/sales/sales_daily.sql": "-- grain: one row per day\nselect 1.00 as revenue",
      "models/marts/sales/sales_daily.yml": [
        "grain: one row per day",
        "grain_zh: 每日一行",
        "columns:",
        "  revenue:",
        "    description: revenue of the day",
        "    metric: { name: Daily revenue, name_zh: 日销售额, unit: CNY }",
        "",
      ].join("\n"),
    });
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect(error.message).toContain("the metric id revenue is already declared in");
    expect(error.message).toContain(join("models", "marts", "sales", "sales_daily.yml"));
    expect(error.message).toContain(join("models", "marts", "sales", "sales_monthly.yml"));
  });

  it("a metric outside a mart's subject folder is refused", async () => {
    const spec =
      "grain: one row\ngrain_zh: 一行\ncolumns:\n  one:\n    description: one\n    metric: { name: One, name_zh: 一, unit: CNY }\n";
    const core = await buildError({
      [UNITS]: "CNY: CNY\n",
      "models/core/x.sql": "-- grain: x\nselect 1 as one",
      "models/core/x.yml": spec,
    });
    expect((core as ModelDefinitionError).file).toBe(join("models", "core", "x.yml"));
    expect(core.message).toContain("only marts publish metrics");
    const loose = await buildError({
      [UNITS]: "CNY: CNY\n",
      "models/marts/x.sql": "-- grain: x\nselect 1 as one",
      "models/marts/x.yml": spec,
    });
    expect((loose as ModelDefinitionError).file).toBe(join("models", "marts", "x.yml"));
    expect(loose.message).toContain("models/marts/<subject>/");
  });
});

describe("the spec of a metric", () => {
  const column = (value: Record<string, unknown>) =>
    modelSpecSchema.safeParse({ grain: "g", grain_zh: "粒度", columns: { c: value } });
  const messages = (value: Record<string, unknown>) => {
    const parsed = column(value);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };
  const metric = { name: "Revenue", name_zh: "销售额", unit: "CNY" };

  it("takes its formula from the column's description, which it therefore requires", () => {
    expect(column({ description: "sum(amount)", metric }).success).toBe(true);
    expect(messages({ metric })).toEqual([
      "columns.c.description: a column publishing a metric describes it: the description is the metric's formula in the glossary",
    ]);
    // the formula is the description: a single metric cannot say another
    expect(column({ description: "sum(amount)", metric: { ...metric, formula: "other" } }).success).toBe(false);
  });

  it("lists several metrics under metrics, each with its own id and formula", () => {
    const listed = { ...metric, id: "a", formula: "x" };
    expect(column({ metrics: [listed, { ...listed, id: "b" }] }).success).toBe(true);
    expect(column({ metrics: [listed, { ...metric, id: "b" }] }).success).toBe(false);
    expect(column({ metrics: [listed, { ...metric, formula: "y" }] }).success).toBe(false);
    expect(messages({ metrics: [listed] })).toEqual([
      "columns.c.metrics: list two or more metrics under metrics; a column's one metric is metric",
    ]);
    expect(messages({ description: "d", metric, metrics: [listed, { ...listed, id: "b" }] })).toEqual([
      "columns.c: write metric (one) or metrics (a list), not both",
    ]);
  });

  it("refuses a misspelt key and an id that is not lower case with underscores", () => {
    expect(column({ description: "d", metric: { ...metric, name_cn: "x" } }).success).toBe(false);
    expect(messages({ description: "d", metric: { ...metric, id: "Revenue-Growth" } })).toEqual([
      "columns.c.metric.id: write a metric id in lower case with underscores, e.g. revenue_growth",
    ]);
  });
});
