/**
 * A model written in TypeScript, for what SQL cannot do well (fitting a statistical model, say),
 * in the spirit of dbt's Python models. It lives beside the SQL models as
 * `models/<layer>/**\/<name>.ts`, is built as the table `<layer>.<name>`, has its `.yml` of tests
 * beside it like any model, and names what it reads (there is no SQL to infer that from):
 *
 *   export default defineModel({
 *     grain: "one row per customer",
 *     reads: ["core.orders"],
 *     async build(connection, target) { ... create table ${target} ... },
 *   });
 */
import type { DuckDBConnection } from "@duckdb/node-api";

export interface TypeScriptModel {
  /** What one row is, as a SQL model states in its `-- grain:` comment. */
  readonly grain: string;
  /** The models it reads, as `<layer>.<name>`. */
  readonly reads: readonly string[];
  /** Creates the table `target` (already quoted and qualified) in the warehouse being built. */
  build(connection: DuckDBConnection, target: string): Promise<void>;
}

/** Declares a TypeScript model (an identity function that gives the object its type). */
export function defineModel(model: TypeScriptModel): TypeScriptModel {
  return model;
}
