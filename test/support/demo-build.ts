/**
 * Builds the demo company's published warehouse by the real pipeline (generate -> serve -> extract -> models ->
 * tests -> publish), or copies the build cached from an earlier run with the same inputs (demo-cache.ts). Called by
 * the global setup (test/support/global-setup.ts) in vitest's main process, so this module must not import "vitest";
 * tests read the result through demo-warehouse.ts.
 */
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { configSchema, resolvePaths, type WarehouseConfig } from "../../pipelines/shared/config.js";
import { refresh, runContext } from "../../pipelines/orchestrate/refresh.js";
import { processAlive } from "../../pipelines/shared/process-alive.js";
import {
  copyCachedBuild,
  demoCacheInputs,
  demoCacheKey,
  describeChanges,
  findCachedBuild,
  logFor,
  otherCachedBuilds,
  removeAbandoned,
  storeCachedBuild,
} from "./demo-cache.js";
import { DEMO_CACHE_DIR, REPO_ROOT, TEST_DATA_DIR } from "./paths.js";

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

/** A demo warehouse ready for this run, and how it was made ready (for the setup's one line). */
export interface DemoBuild {
  readonly warehouse: DemoWarehouse;
  /** "from cache (inputs unchanged)", "built (no cache yet)", "refreshed (models/x.sql changed)", ... */
  readonly note: string;
}

/** The settings of a demo build: seed, scale, and whether the known problems are planted. */
function demoSettings(variant: DemoVariant) {
  return { demo: { seed: 42, scale: 1, plants: variant === "planted" } };
}

/**
 * Makes one variant of the demo warehouse ready for this run (global setup only: tests call demoWarehouse()): a copy
 * of the cached build when one was made from the same inputs (demo-cache.ts), else a build by the real pipeline,
 * which is then cached. `DEMO_CACHE=off` always builds, and leaves the cache alone.
 */
export async function buildDemoWarehouse(variant: DemoVariant): Promise<DemoBuild> {
  // One folder per vitest invocation (its main process's pid): two runs at once (a developer's fast lane beside a
  // full run) must not delete each other's warehouse. Folders of runs that have ended are removed.
  removeEndedRuns();
  const dataDir = path.join(TEST_DATA_DIR, `demo-${variant}-${process.pid}`);
  const settings = demoSettings(variant);
  const config = configSchema.parse({ data_dir: dataDir, ...settings });
  const paths = resolvePaths(REPO_ROOT, config);
  const shape = (runId: string, log: string[]): DemoWarehouse => ({
    dataDir,
    warehousePath: paths.publishedWarehouse,
    rawPath: paths.rawDatabase,
    manifestPath: path.join(paths.demoDir, "manifest.json"),
    runId,
    log,
  });
  // Each test run starts from nothing: a previous run's raw data must not leak into this one.
  rmSync(dataDir, { recursive: true, force: true });

  if (process.env["DEMO_CACHE"] === "off") {
    const { runId, log } = await refreshDemo(variant, config);
    return { warehouse: shape(runId, log), note: "built (DEMO_CACHE=off: cache not used)" };
  }
  removeAbandoned(DEMO_CACHE_DIR);
  // Everything but the data folder, which differs per run and is no input.
  const inputs = demoCacheInputs({ root: REPO_ROOT, settings: { ...config, data_dir: undefined } });
  const key = demoCacheKey(inputs);
  const cached = findCachedBuild(DEMO_CACHE_DIR, variant, key);
  const where = path.relative(REPO_ROOT, path.join(DEMO_CACHE_DIR, `${variant}-${key}`));
  if (cached) {
    try {
      await copyCachedBuild(cached, dataDir);
      return {
        warehouse: shape(cached.record.runId, logFor(cached.record, dataDir)),
        note: `from cache (inputs unchanged since ${cached.record.builtAt}; ${where})`,
      };
    } catch (error) {
      // Removed under us by a run with other inputs, say: build instead.
      rmSync(dataDir, { recursive: true, force: true });
      console.warn(`[test setup] could not copy the cached ${variant} demo warehouse (${String(error)}); building it`);
    }
  }
  const [previous] = otherCachedBuilds(DEMO_CACHE_DIR, variant, key);
  const { runId, log } = await refreshDemo(variant, config);
  await storeCachedBuild(DEMO_CACHE_DIR, dataDir, { variant, key, runId, log, inputs });
  const why = previous ? `refreshed (${describeChanges(previous.inputs, inputs)})` : "built (no cache yet)";
  return { warehouse: shape(runId, log), note: `${why}, cached in ${where}` };
}

/** The real refresh (generate -> serve -> extract -> models -> tests -> publish) into the config's data folder. */
async function refreshDemo(variant: DemoVariant, config: WarehouseConfig): Promise<{ runId: string; log: string[] }> {
  const log: string[] = [];
  const ctx = runContext(REPO_ROOT, config, (line) => log.push(line));
  const outcome = await refresh(ctx, { reports: false });
  if (!outcome.ok) throw new Error(`demo refresh (${variant}) had failed sources:\n${log.join("\n")}`);
  return { runId: ctx.runId, log };
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
