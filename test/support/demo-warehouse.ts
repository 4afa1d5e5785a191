/**
 * The demo company's published warehouse, built once per test run by the real pipeline (generate ->
 * serve -> extract -> models -> tests -> publish), in two variants: with the planted problems, and
 * a clean company where nothing may be flagged. Mart and report tests read these.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { configSchema } from "../../pipelines/shared/config.js";
import type { DemoManifest } from "../../pipelines/demo-company/index.js";
import { refresh, runContext } from "../../pipelines/orchestrate/refresh.js";
import { REPO_ROOT, sharedOnce, TEST_DATA_DIR } from "./shared-once.js";

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

/** The published demo warehouse for this test run (built by the first test file that asks). */
export function demoWarehouse(variant: DemoVariant = "planted"): Promise<DemoWarehouse> {
  return sharedOnce(`demo-warehouse-${variant}`, async () => {
    const dataDir = path.join(TEST_DATA_DIR, `demo-${variant}`);
    const config = configSchema.parse({
      data_dir: dataDir,
      demo: { seed: 42, scale: 1, plants: variant === "planted" },
    });
    const log: string[] = [];
    const ctx = runContext(REPO_ROOT, config, (line) => log.push(line));
    const outcome = await refresh(ctx, { reports: false });
    if (!outcome.ok) throw new Error(`demo refresh had failed sources:\n${log.join("\n")}`);
    return {
      dataDir,
      warehousePath: ctx.paths.publishedWarehouse,
      rawPath: ctx.paths.rawDatabase,
      manifestPath: path.join(ctx.paths.demoDir, "manifest.json"),
      runId: ctx.runId,
      log,
    };
  });
}

/** The demo company's manifest (planted truths, control totals). */
export function readManifest(warehouse: DemoWarehouse): DemoManifest {
  return JSON.parse(readFileSync(warehouse.manifestPath, "utf8")) as DemoManifest;
}
