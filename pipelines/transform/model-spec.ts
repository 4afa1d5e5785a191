/**
 * The YAML beside a model: its description, its columns and the tests that must pass before the
 * warehouse is published. Modelled on dbt's schema files, one model per file.
 *
 *   description: Revenue per channel, region and month.
 *   columns:
 *     channel_id:
 *       description: The channel.
 *       tests: [not_null, {relationships: core.channels.channel_id}]
 *   tests:
 *     - unique: [channel_id, region_id, month]
 *     - reconcile: {name: ..., left: "select ...", right: "select ...", tolerance: 0.005}
 *     - expect_no_rows: {name: ..., sql: "select ... where something is wrong"}
 */
import { z } from "zod";

const columnTest = z.union([
  z.literal("not_null"),
  z.literal("unique"),
  z.strictObject({ accepted_values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1) }),
  z.strictObject({
    relationships: z.string().regex(/^\w+\.\w+\.\w+$/, "write relationships as schema.table.column"),
  }),
  z.strictObject({ accepted_range: z.strictObject({ min: z.number().optional(), max: z.number().optional() }) }),
]);
export type ColumnTest = z.infer<typeof columnTest>;

const modelTest = z.union([
  z.strictObject({ unique: z.array(z.string()).min(1) }),
  z.strictObject({
    reconcile: z.strictObject({
      name: z.string(),
      left: z.string(),
      right: z.string(),
      /** Largest allowed absolute difference (default 0: equal to the cent). */
      tolerance: z.number().nonnegative().default(0),
    }),
  }),
  z.strictObject({ expect_no_rows: z.strictObject({ name: z.string(), sql: z.string() }) }),
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
