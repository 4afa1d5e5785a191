/**
 * The metrics the marts publish, gathered from the models' YAML (a column's `metric` or `metrics`, model-spec.ts) into
 * one table, ops.metric_definitions, which the runner writes before the models run and the glossary marts select
 * from. The words that define a metric live beside the column they define, so a glossary cannot drift from its marts.
 *
 * A mart's subject folder (models/marts/<subject>/) names the glossary its metrics join; the Chinese wording of each
 * unit is written once, in models/metric_units.yml, for every metric measured in it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { queryRows, quoteLiteral } from "../shared/warehouse/duckdb.js";
import { ModelDefinitionError, type ModelFile } from "./model-files.js";
import type { ColumnSpec } from "./model-spec.js";

/** The table of every published metric, one row per metric. */
export const METRIC_DEFINITIONS = "ops.metric_definitions";

/** In the models folder: each unit a metric may be measured in (`unit`), in Chinese. */
export const METRIC_UNITS_FILE = "metric_units.yml";

/** One row of ops.metric_definitions. */
export interface MetricDefinition {
  /** The glossary listing the metric: its mart's subject folder (`channel` for models/marts/channel/). */
  readonly glossary: string;
  readonly metric_id: string;
  readonly mart: string;
  readonly mart_column: string;
  readonly name_en: string;
  readonly name_zh: string;
  /** The column's description (a listed metric's own `formula`). */
  readonly formula: string;
  readonly formula_zh: string | null;
  readonly grain: string;
  readonly grain_zh: string;
  readonly unit: string;
  readonly unit_zh: string;
}

/** The columns of ops.metric_definitions, in order. */
const COLUMNS: readonly (keyof MetricDefinition)[] = [
  "glossary",
  "metric_id",
  "mart",
  "mart_column",
  "name_en",
  "name_zh",
  "formula",
  "formula_zh",
  "grain",
  "grain_zh",
  "unit",
  "unit_zh",
];

const unitsSchema = z.record(z.string(), z.string().trim().min(1));

/** Where a model's YAML is, for messages (beside the model, as the model tests name it). */
function specFileOf(model: ModelFile): string {
  return model.file.replace(/\.(sql|ts)$/, ".yml");
}

const publishes = (column: ColumnSpec): boolean => Boolean(column.metric ?? column.metrics);

/**
 * Every metric the models' YAML declares, with the words the glossaries show. Throws a ModelDefinitionError naming the
 * YAML file for a metric outside a mart's subject folder, a metric id taken twice, or a unit without its Chinese
 * wording. (A column the mart lacks can only be seen once the mart is built: checkMetricColumns.)
 */
export function metricDefinitions(
  projectRoot: string,
  modelsDir: string,
  models: readonly ModelFile[],
): MetricDefinition[] {
  const unitsFile = relative(projectRoot, join(modelsDir, METRIC_UNITS_FILE));
  let units: ReadonlyMap<string, string> | undefined;
  const definitions: MetricDefinition[] = [];
  const declaredAt = new Map<string, string>();
  for (const model of models) {
    const columns = Object.entries(model.spec.columns).filter(([, column]) => publishes(column));
    if (!columns.length) continue;
    const specFile = specFileOf(model);
    const glossary = glossaryOf(model, relative(modelsDir, join(projectRoot, model.file)), specFile);
    for (const [column, spec] of columns) {
      // One metric's formula is its column's description (the spec requires one); listed metrics carry their own.
      const declared = spec.metric
        ? [{ ...spec.metric, formula: spec.description?.trim() ?? "" }]
        : (spec.metrics ?? []);
      for (const metric of declared) {
        const metricId = metric.id ?? column;
        const where = `${specFile} (columns.${column})`;
        const taken = declaredAt.get(metricId);
        if (taken) {
          throw new ModelDefinitionError(
            specFile,
            `columns.${column}: the metric id ${metricId} is already declared in ${taken}; give one of them another id`,
          );
        }
        declaredAt.set(metricId, where);
        const unitZh =
          metric.unit_zh ?? (units ??= readUnits(join(modelsDir, METRIC_UNITS_FILE), unitsFile)).get(metric.unit);
        if (!unitZh) {
          throw new ModelDefinitionError(
            specFile,
            `columns.${column}: the unit "${metric.unit}" of metric ${metricId} has no Chinese wording; add it to ${unitsFile} (or give the metric unit_zh)`,
          );
        }
        definitions.push({
          glossary,
          metric_id: metricId,
          mart: model.name,
          mart_column: column,
          name_en: metric.name,
          name_zh: metric.name_zh,
          formula: metric.formula,
          formula_zh: metric.formula_zh ?? null,
          // the spec requires the model's grain wherever a column publishes a metric
          grain: metric.grain ?? model.spec.grain ?? "",
          grain_zh: metric.grain_zh ?? model.spec.grain_zh ?? "",
          unit: metric.unit,
          unit_zh: unitZh,
        });
      }
    }
  }
  return definitions;
}

/** The glossary a mart's metrics join: its folder under models/marts/. Metrics belong to marts, in a subject folder. */
function glossaryOf(model: ModelFile, pathInModels: string, specFile: string): string {
  const [layer, subject, ...rest] = pathInModels.split(sep);
  if (layer !== "marts") {
    throw new ModelDefinitionError(
      specFile,
      `only marts publish metrics (the glossaries list marts' columns), and ${model.id} is a ${layer} model`,
    );
  }
  if (!subject || !rest.length) {
    throw new ModelDefinitionError(
      specFile,
      "a mart publishing metrics lives in a subject folder, models/marts/<subject>/, which names the glossary listing them",
    );
  }
  return subject;
}

function readUnits(path: string, file: string): ReadonlyMap<string, string> {
  if (!existsSync(path)) return new Map();
  const parsed = unitsSchema.safeParse(parseYaml(readFileSync(path, "utf8")) ?? {});
  if (!parsed.success) {
    throw new ModelDefinitionError(
      file,
      `write each unit and its Chinese wording on a line (ratio: 比率): ${parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ")}`,
    );
  }
  return new Map(Object.entries(parsed.data));
}

/**
 * Writes ops.metric_definitions (before the models run: the glossary marts read it), with money in the reporting
 * currency: the YAML writes it CNY whatever the currency (`CNY per visit` becomes `GBP per visit`).
 */
export async function storeMetricDefinitions(
  connection: DuckDBConnection,
  definitions: readonly MetricDefinition[],
  currencyCode: string,
): Promise<void> {
  await connection.run(`
    create table ${METRIC_DEFINITIONS} (
        glossary varchar not null,
        metric_id varchar primary key,
        mart varchar not null,
        mart_column varchar not null,
        name_en varchar not null,
        name_zh varchar not null,
        formula varchar not null,
        formula_zh varchar,
        grain varchar not null,
        grain_zh varchar not null,
        unit varchar not null,
        unit_zh varchar not null
    )
  `);
  if (!definitions.length) return;
  const literal = (value: string | null) => (value === null ? "null" : quoteLiteral(value));
  const inCurrency = (unit: string) => unit.replaceAll("CNY", currencyCode);
  const rows = definitions
    .map((definition) => ({
      ...definition,
      unit: inCurrency(definition.unit),
      unit_zh: inCurrency(definition.unit_zh),
    }))
    .map((definition) => `(${COLUMNS.map((c) => literal(definition[c])).join(", ")})`);
  await connection.run(`insert into ${METRIC_DEFINITIONS} (${COLUMNS.join(", ")}) values ${rows.join(", ")}`);
}

/**
 * After a mart is built: every column its YAML declares a metric on exists in it. Otherwise the glossary would point
 * readers at a column that is not there; the error names the YAML file and the column.
 */
export async function checkMetricColumns(connection: DuckDBConnection, model: ModelFile): Promise<void> {
  const declared = Object.entries(model.spec.columns).filter(([, column]) => publishes(column));
  if (!declared.length) return;
  const built = await queryRows<{ name: string }>(
    connection,
    "select column_name as name from duckdb_columns() where schema_name = $1 and table_name = $2",
    [model.layer, model.name],
  );
  const columns = new Set(built.map((c) => c.name));
  for (const [column, spec] of declared) {
    if (columns.has(column)) continue;
    const ids = spec.metric ? [spec.metric.id ?? column] : (spec.metrics ?? []).map((m) => m.id);
    throw new ModelDefinitionError(
      specFileOf(model),
      `columns.${column} publishes the metric ${ids.join(", ")}, but ${model.id} has no column ${column} (its columns: ${[...columns].join(", ")})`,
    );
  }
}
