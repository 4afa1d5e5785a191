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

export const modelSpecSchema = z.strictObject({
  description: z.string().optional(),
  columns: z
    .record(
      z.string(),
      z.strictObject({ description: z.string().optional(), tests: z.array(columnTest).default([]) }).nullable(),
    )
    .default({})
    .transform((columns) => {
      const out: Record<string, { description?: string | undefined; tests: ColumnTest[] }> = {};
      for (const [name, column] of Object.entries(columns)) out[name] = column ?? { tests: [] };
      return out;
    }),
  tests: z.array(modelTest).default([]),
});
export type ModelSpec = z.infer<typeof modelSpecSchema>;

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
