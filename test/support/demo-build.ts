/**
 * Builds the demo company's published warehouse by the real pipeline (generate -> serve -> extract -> models ->
 * tests -> publish). Called by the global setup (test/support/global-setup.ts) in vitest's main process, so this
 * module must not import "vitest"; tests read the result through demo-warehouse.ts.
 */
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { configSchema } from "../../pipelines/shared/config.js";
import { refresh, runContext } from "../../pipelines/orchestrate/refresh.js";
import { processAlive } from "../../pipelines/shared/process-alive.js";
import { REPO_ROOT, TEST_DATA_DIR } from "./paths.js";

export interface DemoWarehouse {
  readonly dataDir: string;
  /** The published warehouse (open it read-only). */
  readonly warehousePath: string;
  /** The loader's raw database. */
  readonly rawPath: string;
  readonly manifestPath: string;
  readonly runId: string;
  readonly log: string[];
}

export type DemoVariant = "planted" | "clean";
export const DEMO_VARIANTS: readonly DemoVariant[] = ["planted", "clean"];

/** Builds one variant of the demo warehouse (global setup only: tests call demoWarehouse()). */
export async function buildDemoWarehouse(variant: DemoVariant): Promise<DemoWarehouse> {
  // One folder per vitest invocation (its main process's pid): two runs at once (a developer's fast lane beside a
  // full run) must not delete each other's warehouse. Folders of runs that have ended are removed.
  removeEndedRuns();
  const dataDir = path.join(TEST_DATA_DIR, `demo-${variant}-${process.pid}`);
  const config = configSchema.parse({
    data_dir: dataDir,
    demo: { seed: 42, scale: 1, plants: variant === "planted" },
  });
  // Each test run starts from nothing: a previous run's raw data must not leak into this one.
  rmSync(dataDir, { recursive: true, force: true });
  const log: string[] = [];
  const ctx = runContext(REPO_ROOT, config, (line) => log.push(line));
  const outcome = await refresh(ctx, { reports: false });
  if (!outcome.ok) throw new Error(`demo refresh (${variant}) had failed sources:\n${log.join("\n")}`);
  return {
    dataDir,
    warehousePath: ctx.paths.publishedWarehouse,
    rawPath: ctx.paths.rawDatabase,
    manifestPath: path.join(ctx.paths.demoDir, "manifest.json"),
    runId: ctx.runId,
    log,
  };
}

/** Removes the demo folders of earlier test runs whose process has ended. */
function removeEndedRuns(): void {
  let names: string[] = [];
  try {
    names = readdirSync(TEST_DATA_DIR);
  } catch {
    return; // nothing built yet
  }
  for (const name of names) {
    const pid = Number(/^demo-(?:planted|clean)-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    rmSync(path.join(TEST_DATA_DIR, name), { recursive: true, force: true });
  }
}
