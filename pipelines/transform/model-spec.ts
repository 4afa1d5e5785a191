/**
 * The YAML beside a model: its description, its columns and the tests run before the warehouse is published.
 * Modelled on dbt's schema files, one model per file.
 *
 *   description: Revenue per channel, region and month.
 *   columns:
 *     channel_id:
 *       description: The channel.
 *       tests: [not_null, {relationships: core.channels.channel_id}]
 *     list_price:
 *       tests: [{not_null: {severity: warn, description: "..."}}]
 *   incremental:                           # optional: built month by month on a nightly run (incremental.ts)
 *     partition_by: month
 *     inputs: { core.order_lines: order_month }
 *   tests:
 *     - unique: [channel_id, region_id, month]
 *     - reconcile: {name: ..., left: "select ...", right: "select ...", tolerance: 0.005}
 *     - expect_no_rows: {name: ..., sql: "select ... where something is wrong"}
 *       severity: warn
 *       error_if: ">1%"
 *
 * Every test may carry settings, as dbt's test configs: `severity` (error, the default, stops the publish; warn
 * publishes and reports), `warn_if` / `error_if` (a threshold on the failing rows, ">100" rows or ">1%" of the
 * model's rows; default ">0"), a `description` (what the failing rows mean and what to do about them) and a
 * `description_zh` (the same in Chinese, for the Chinese data-quality page; it falls back to `description`). A test
 * written as one word (not_null, unique) takes them as its value; any other test takes them beside its own key.
 *
 * A mart's column may publish a metric: the glossary of the mart's subject (its folder, models/marts/<subject>/) then
 * lists it, with the column's description as its formula and, once per model, the grain readers see beside it:
 *
 *   grain: one row per channel per month
 *   grain_zh: 每渠道每月一行
 *   columns:
 *     revenue:
 *       description: sum(order_lines.line_amount) of completed orders
 *       metric: { name: Revenue, name_zh: 销售额, unit: CNY }
 *     actual_value:
 *       description: The measured value.
 *       metrics:
 *         - { id: online_share, name: Online share, name_zh: 线上占比, unit: ratio, formula: online revenue / revenue }
 *         - { id: region_coverage_rate, ..., formula: ... }
 *
 * A metric's id is the column's name unless it says `id`; `unit_zh` (the unit in Chinese) defaults to the wording in
 * models/metric_units.yml; `formula_zh` says the formula in words for Chinese readers; `grain` and `grain_zh` on a
 * metric replace the model's for a value computed at another grain. A column publishing several metrics lists them
 * under `metrics`, each with its own id and formula. The runner publishes every declaration as
 * ops.metric_definitions (metric-definitions.ts) before the models run.
 */
import { z } from "zod";

/** `>100` (rows) or `>1%` (of the model's rows): an operator and a number. */
export const THRESHOLD = /^\s*(>=|<=|!=|<>|==|=|>|<)\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/;

const threshold = z
  .string()
  .regex(
    THRESHOLD,
    'write a threshold as an operator and a number of rows or a share of the rows, e.g. ">100" or ">1%"',
  );

const settingsShape = {
  severity: z.enum(["error", "warn"]).optional(),
  warn_if: threshold.optional(),
  error_if: threshold.optional(),
  description: z.string().optional(),
  /** The description in Chinese, shown on the Chinese data-quality page (which falls back to `description`). */
  description_zh: z.string().optional(),
};
const settings = z.strictObject(settingsShape);
export type TestSettings = z.infer<typeof settings>;

/** A one-word test with settings: `{not_null: {severity: warn}}` (or `{not_null: null, severity: warn}`). */
const notNullWithSettings = z
  .strictObject({ not_null: settings.nullable(), ...settingsShape })
  .transform(({ not_null, ...beside }) => ({ not_null: true as const, ...beside, ...(not_null ?? {}) }));
const uniqueWithSettings = z
  .strictObject({ unique: settings.nullable(), ...settingsShape })
  .transform(({ unique, ...beside }) => ({ unique: true as const, ...beside, ...(unique ?? {}) }));

const columnTest = z.union([
  z.literal("not_null"),
  z.literal("unique"),
  notNullWithSettings,
  uniqueWithSettings,
  z.strictObject({
    accepted_values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
    ...settingsShape,
  }),
  z.strictObject({
    relationships: z.string().regex(/^\w+\.\w+\.\w+$/, "write relationships as schema.table.column"),
    ...settingsShape,
  }),
  z.strictObject({
    accepted_range: z.strictObject({ min: z.number().optional(), max: z.number().optional() }),
    ...settingsShape,
  }),
]);
export type ColumnTest = z.infer<typeof columnTest>;

const modelTest = z.union([
  z.strictObject({ unique: z.array(z.string()).min(1), ...settingsShape }),
  z.strictObject({
    reconcile: z.strictObject({
      name: z.string(),
      left: z.string(),
      right: z.string(),
      /** Largest allowed absolute difference (default 0: equal to the cent). */
      tolerance: z.number().nonnegative().default(0),
    }),
    ...settingsShape,
  }),
  z.strictObject({ expect_no_rows: z.strictObject({ name: z.string(), sql: z.string() }), ...settingsShape }),
]);
export type ModelTest = z.infer<typeof modelTest>;

const text = z.string().trim().min(1);

/** What a metric says of itself; its formula is its column's description (or, in a list, its own `formula`). */
const metricShape = {
  /** The metric's id in the glossary, when it is not the column's name. */
  id: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, "write a metric id in lower case with underscores, e.g. revenue_growth")
    .optional(),
  name: text,
  name_zh: text,
  unit: text,
  /** The unit in Chinese, when it is not the wording models/metric_units.yml gives the unit. */
  unit_zh: text.optional(),
  /** The formula in words, for Chinese readers. */
  formula_zh: text.optional(),
  /** The grain the value is computed at, when it is not the model's (`grain` and `grain_zh` at the top). */
  grain: text.optional(),
  grain_zh: text.optional(),
};
const metric = z.strictObject(metricShape);
/** One of several metrics a column publishes: each names itself and says its own formula. */
const listedMetric = z.strictObject({ ...metricShape, id: metricShape.id.unwrap(), formula: text });

const column = z.strictObject({
  description: z.string().optional(),
  tests: z.array(columnTest).default([]),
  /** The metric this column publishes in its subject's glossary; its formula is the description. */
  metric: metric.optional(),
  /** The metrics this column publishes, when it carries more than one (each with its own id and formula). */
  metrics: z
    .array(listedMetric)
    .min(2, "list two or more metrics under metrics; a column's one metric is metric")
    .optional(),
});
export type ColumnSpec = z.infer<typeof column>;

export const modelSpecSchema = z
  .strictObject({
    description: z.string().optional(),
    /** The grain in readers' words, shown in the glossary beside every metric the model's columns publish. */
    grain: text.optional(),
    /** The same grain in Chinese. */
    grain_zh: text.optional(),
    columns: z
      .record(z.string(), column.nullable())
      .default({})
      .transform((columns) => {
        const out: Record<string, ColumnSpec> = {};
        for (const [name, spec] of Object.entries(columns)) out[name] = spec ?? { tests: [] };
        return out;
      }),
    tests: z.array(modelTest).default([]),
    /**
     * Built month by month on a nightly run (incremental.ts): the model's column holding the month, and each input
     * read month by month with the SQL giving its rows' month. Every other input is read whole.
     */
    incremental: z
      .strictObject({
        partition_by: z.string().regex(/^[a-z_][a-z0-9_]*$/, "name the model's month column, e.g. month"),
        inputs: z
          .record(
            z.string().regex(/^\w+\.\w+$/, "name an input as <layer>.<name>, e.g. core.order_lines"),
            z.string().trim().min(1),
          )
          .refine((inputs) => Object.keys(inputs).length > 0, "name at least one input read month by month"),
      })
      .optional(),
  })
  .superRefine((spec, context) => {
    const publishing: string[] = [];
    for (const [name, { description, metric, metrics }] of Object.entries(spec.columns)) {
      if (metric && metrics) {
        context.addIssue({
          code: "custom",
          path: ["columns", name],
          message: "write metric (one) or metrics (a list), not both",
        });
      }
      if (metric && !description?.trim()) {
        context.addIssue({
          code: "custom",
          path: ["columns", name, "description"],
          message: "a column publishing a metric describes it: the description is the metric's formula in the glossary",
        });
      }
      const declared = [
        ...(metric ? [{ at: ["metric"], grains: metric }] : []),
        ...(metrics ?? []).map((listed, at) => ({ at: ["metrics", at], grains: listed })),
      ];
      for (const { at, grains } of declared) {
        grainPairIssue(context, grains, ["columns", name, ...at]);
      }
      if (metric || metrics) publishing.push(name);
    }
    grainPairIssue(context, spec, []);
    if (publishing.length && !spec.grain) {
      context.addIssue({
        code: "custom",
        path: ["grain"],
        message: `the columns publish metrics (${publishing.join(", ")}): state the grain readers see beside them, in English and Chinese (grain, grain_zh)`,
      });
    }
  });
export type ModelSpec = z.infer<typeof modelSpecSchema>;

/** A grain is given in English and Chinese, or not at all: the issue names the half that is missing. */
function grainPairIssue(
  context: z.RefinementCtx,
  { grain, grain_zh }: { grain?: string | undefined; grain_zh?: string | undefined },
  path: PropertyKey[],
): void {
  if (Boolean(grain) === Boolean(grain_zh)) return;
  context.addIssue({
    code: "custom",
    path: [...path, grain ? "grain_zh" : "grain"],
    message: "give the grain in English and in Chinese: grain and grain_zh",
  });
}

/** The settings of a test, wherever the YAML put them (a one-word test has none). */
export function testSettings(test: ColumnTest | ModelTest): TestSettings {
  if (typeof test === "string") return {};
  const { severity, warn_if, error_if, description, description_zh } = test as TestSettings;
  return {
    ...(severity ? { severity } : {}),
    ...(warn_if ? { warn_if } : {}),
    ...(error_if ? { error_if } : {}),
    ...(description ? { description } : {}),
    ...(description_zh ? { description_zh } : {}),
  };
}
