/**
 * A model written in TypeScript, for what SQL cannot do well (fitting a statistical model, say),
 * in the spirit of dbt's Python models. It lives beside the SQL models as
 * `models/<layer>/**\/<name>.ts`, is built as the table `<layer>.<name>`, has its `.yml` of tests
 * beside it like any model, and names what it reads (there is no SQL to infer that from):
 *
 *   export default defineModel({
 *     grain: "one row per customer",
 *     reads: ["core.orders"],
 *     async build(connection, target, project) {
 *       const fitter = await project.importModule<Fitter>("pipelines/transform/clv/index.ts");
 *       ... create table ${target} ...
 *     },
 *   });
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DuckDBConnection } from "@duckdb/node-api";

/**
 * The project a model is built in. A model file imports nothing at load time but types (its folder may be copied and
 * built from elsewhere); code it needs from the project, such as a fitter, it loads through `importModule` when built.
 */
export interface ModelProject {
  /** The project's root folder (where pipelines/ and models/ are). */
  readonly root: string;
  /** Imports a module of the project by its path from the root, e.g. `pipelines/transform/clv/index.ts`. */
  importModule<T>(relativePath: string): Promise<T>;
}

/** The project rooted at `root`, as the runner hands it to TypeScript models. */
export function modelProject(root: string): ModelProject {
  return {
    root,
    importModule: async <T>(relativePath: string) => (await import(pathToFileURL(join(root, relativePath)).href)) as T,
  };
}

export interface TypeScriptModel {
  /** What one row is, as a SQL model states in its `-- grain:` comment. */
  readonly grain: string;
  /** The models it reads, as `<layer>.<name>`. */
  readonly reads: readonly string[];
  /** Creates the table `target` (already quoted and qualified) in the warehouse being built. */
  build(connection: DuckDBConnection, target: string, project: ModelProject): Promise<void>;
}

/** Declares a TypeScript model (an identity function that gives the object its type). */
export function defineModel(model: TypeScriptModel): TypeScriptModel {
  return model;
}
