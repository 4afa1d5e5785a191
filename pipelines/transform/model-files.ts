/**
 * Finding models: every `models/<layer>/**\/<name>.sql` (or `.ts`, see typescript-model.ts) is a
 * model named `<layer>.<name>` (the layer is the schema it is built in), with its tests and
 * documentation in `<name>.yml` beside it. `models/macros/` holds no models but the SQL macros they
 * share (macros.ts).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { modelSpecSchema, type ModelSpec } from "./model-spec.js";
import type { TypeScriptModel } from "./typescript-model.js";
import { PermanentError } from "../shared/errors.js";

/** Layers in the order data flows through them; a model lives in the schema named after its layer. */
export const LAYERS = ["staging", "intermediate", "core", "marts", "reporting"] as const;
export type Layer = (typeof LAYERS)[number];

/** The folder of the models folder that holds the SQL macros models share, not models (see macros.ts). */
export const MACRO_FOLDER = "macros";

export interface ModelFile {
  /** `schema.name`, how other models and reports refer to it. */
  readonly id: string;
  readonly layer: Layer;
  readonly name: string;
  /** Path relative to the project root, for messages. */
  readonly file: string;
  /** The SELECT of a SQL model; empty for a TypeScript model. */
  readonly sql: string;
  /** Set for a model written in TypeScript. */
  readonly script?: TypeScriptModel;
  readonly grain: string;
  readonly spec: ModelSpec;
}

/** A model file is malformed; the message names the file and what to fix. */
export class ModelDefinitionError extends PermanentError {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = "ModelDefinitionError";
  }
}

type SpecIssue = z.core.$ZodIssue;

/**
 * One line per spec mistake. A test that matches none of the test kinds is reported by the kind its key names
 * (`not_null: error_if: write a threshold as ...`), not as zod's bare "Invalid input".
 */
function describeIssue(issue: SpecIssue, prefix: readonly PropertyKey[] = []): string {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union") {
    // the kind whose key the test has: its own mistakes, not "unknown key" or "missing key"
    const matched = issue.errors.filter(
      (errors) =>
        errors.length > 0 &&
        !errors.some(
          (e) => e.code === "unrecognized_keys" || (e.code === "invalid_type" && /undefined/.test(e.message)),
        ),
    );
    const best = matched.find((errors) => errors.some((e) => e.path.length > 0));
    if (best?.[0]) return describeIssue(best[0], path);
    const kinds =
      path[0] === "columns"
        ? "not_null, unique, accepted_values, relationships, accepted_range"
        : "unique, reconcile, expect_no_rows";
    return `${path.map(String).join(".")}: not a test this runner knows (${kinds}; settings: severity, warn_if, error_if, description, description_zh)`;
  }
  return `${path.map(String).join(".") || "(top)"}: ${issue.message}`;
}

function modelFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const macros = join(dir, MACRO_FOLDER);
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && (entry.name.endsWith(".sql") || /(?<!\.d)\.ts$/.test(entry.name)))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.startsWith(macros + sep))
    .sort();
}

/** Reads every model under `modelsDir`, checking each states its grain and has well-formed tests. */
export async function discoverModels(
  projectRoot: string,
  modelsDir = join(projectRoot, "models"),
): Promise<ModelFile[]> {
  const models: ModelFile[] = [];
  const seen = new Map<string, string>();
  for (const path of modelFilesUnder(modelsDir)) {
    const file = relative(projectRoot, path);
    const layer = relative(modelsDir, path).split(/[\\/]/)[0] as Layer;
    if (!LAYERS.includes(layer)) {
      throw new ModelDefinitionError(
        file,
        `models must live under one of ${LAYERS.map((l) => `models/${l}/`).join(", ")} (and macros in models/${MACRO_FOLDER}/)`,
      );
    }
    const isScript = path.endsWith(".ts");
    const name = path.slice(path.lastIndexOf("/") + 1).replace(/\.(sql|ts)$/, "");
    const id = `${layer}.${name}`;
    const other = seen.get(id);
    if (other) throw new ModelDefinitionError(file, `a model named ${id} is already defined in ${other}`);
    seen.set(id, file);

    let sql = "";
    let grain: string | undefined;
    let script: TypeScriptModel | undefined;
    if (isScript) {
      script = ((await import(pathToFileURL(path).href)) as { default?: TypeScriptModel }).default;
      if (!script || typeof script.build !== "function" || !Array.isArray(script.reads)) {
        throw new ModelDefinitionError(
          file,
          "a TypeScript model must `export default defineModel({ grain, reads, build })`",
        );
      }
      grain = script.grain;
    } else {
      sql = readFileSync(path, "utf8").trim().replace(/;\s*$/, "");
      // The grain is stated in the comment block at the top of the file, before the SQL starts.
      const header = sql
        .split("\n")
        .filter((_line, i, lines) => lines.slice(0, i + 1).every((l) => /^\s*(--.*)?$/.test(l)));
      grain = header.map((line) => /^\s*--\s*grain:\s*(.+)$/i.exec(line)?.[1]?.trim()).find(Boolean);
    }
    if (!grain) {
      throw new ModelDefinitionError(
        file,
        `state the grain in a comment at the top, e.g. "-- grain: one row per channel per month"`,
      );
    }

    // The YAML beside a model is optional for the runner (a model may have no tests yet); the
    // project's own test suite insists every model of this repository has one.
    const specPath = path.replace(/\.(sql|ts)$/, ".yml");
    let spec: ModelSpec = { columns: {}, tests: [] };
    if (existsSync(specPath)) {
      const parsed = modelSpecSchema.safeParse(parseYaml(readFileSync(specPath, "utf8")) ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => describeIssue(i)).join("; ");
        throw new ModelDefinitionError(relative(projectRoot, specPath), `invalid model spec: ${issues}`);
      }
      spec = parsed.data;
    }
    models.push({ id, layer, name, file, sql, grain, spec, ...(script ? { script } : {}) });
  }
  return models;
}
