/**
 * Orders models so each runs after everything it reads. References are resolved against the
 * known models, the raw database and the runner's own `ops` tables (written before the first model
 * runs, so they never delay one); anything else is an error naming the file, and so is a cycle
 * (with the path around it).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { tableReferences } from "./dependencies.js";
import { LAYERS, ModelDefinitionError, type ModelFile } from "./model-files.js";
import { PermanentError } from "../shared/errors.js";

export interface PlannedModel {
  readonly model: ModelFile;
  /** Ids (`schema.name`) of the models this one reads. */
  readonly dependsOn: readonly string[];
  /** Raw tables (`source.table`) this one reads. */
  readonly rawInputs: readonly string[];
  /** The runner's own tables (`ops.name`, RUNNER_TABLES) this one reads. */
  readonly runnerInputs: readonly string[];
}

export class ModelCycleError extends PermanentError {
  constructor(readonly cycle: readonly ModelFile[]) {
    super(
      `Models depend on each other in a cycle: ${cycle.map((m) => `${m.id} (${m.file})`).join(" -> ")} -> ${cycle[0]?.id}. ` +
        `Break the cycle: a model may only read models that do not read it back.`,
    );
    this.name = "ModelCycleError";
  }
}

/**
 * The tables the runner writes to `ops` before the first model runs (build-warehouse.ts): its bookkeeping, the
 * configured settings, the plan itself and the metrics the models' YAML declares. Models may read these and no other
 * `ops` table: the tests' results, say, are written after every model has run.
 */
export const RUNNER_TABLES: readonly string[] = [
  "ops.build_context",
  "ops.loads",
  "ops.quarantine_summary",
  "ops.freshness_limits",
  "ops.risk_settings",
  "ops.attribution_settings",
  "ops.reporting_settings",
  "ops.model_dependencies",
  "ops.metric_definitions",
];

/** Resolves every model's references and returns the models in a valid run order. */
export async function planModels(connection: DuckDBConnection, models: readonly ModelFile[]): Promise<PlannedModel[]> {
  const byId = new Map(models.map((m) => [m.id, m]));
  const planned = new Map<string, PlannedModel>();
  for (const model of models) {
    const dependsOn = new Set<string>();
    const rawInputs = new Set<string>();
    const runnerInputs = new Set<string>();
    for (const original of await tableReferences(connection, model)) {
      // DuckDB identifiers are case-insensitive; compare them that way.
      const ref = {
        catalog: original.catalog.toLowerCase(),
        schema: original.schema.toLowerCase(),
        table: original.table.toLowerCase(),
      };
      const qualified = [ref.catalog, ref.schema, ref.table].filter(Boolean).join(".");
      if (ref.catalog === "raw") {
        if (model.layer !== "staging") {
          throw new ModelDefinitionError(
            model.file,
            `reads ${qualified}, but only staging models may read raw tables; read the staging model instead`,
          );
        }
        rawInputs.add(`${ref.schema}.${ref.table}`);
      } else if (!ref.catalog && (LAYERS as readonly string[]).includes(ref.schema)) {
        const id = `${ref.schema}.${ref.table}`;
        if (!byId.has(id)) {
          throw new ModelDefinitionError(
            model.file,
            `reads ${id}, which is not a model (no models/${ref.schema}/**/${ref.table}.sql)`,
          );
        }
        if (id === model.id) throw new ModelDefinitionError(model.file, `reads itself (${id})`);
        dependsOn.add(id);
      } else if (!ref.catalog && ref.schema === "ops") {
        const id = `${ref.schema}.${ref.table}`;
        if (!RUNNER_TABLES.includes(id)) {
          throw new ModelDefinitionError(
            model.file,
            `reads ${id}, which the runner does not write before the models run (it writes ${RUNNER_TABLES.join(", ")})`,
          );
        }
        runnerInputs.add(id);
      } else {
        throw new ModelDefinitionError(
          model.file,
          `reads ${qualified || ref.table}, which is unknown: refer to models as <layer>.<name> (e.g. core.orders) and to raw tables as raw.<source>.<table>`,
        );
      }
    }
    planned.set(model.id, {
      model,
      dependsOn: [...dependsOn].sort(),
      rawInputs: [...rawInputs].sort(),
      runnerInputs: [...runnerInputs].sort(),
    });
  }
  return topologicalOrder(planned);
}

function topologicalOrder(planned: Map<string, PlannedModel>): PlannedModel[] {
  const order: PlannedModel[] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string): void => {
    const current = state.get(id);
    if (current === "done") return;
    if (current === "visiting") {
      const cycleIds = stack.slice(stack.indexOf(id));
      throw new ModelCycleError(cycleIds.map((c) => planned.get(c)!.model));
    }
    state.set(id, "visiting");
    stack.push(id);
    for (const dependency of planned.get(id)!.dependsOn) visit(dependency);
    stack.pop();
    state.set(id, "done");
    order.push(planned.get(id)!);
  };
  for (const id of [...planned.keys()].sort()) visit(id);
  return order;
}
