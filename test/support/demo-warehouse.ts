/**
 * The demo company's published warehouse, built once per test run by the real pipeline (generate ->
 * serve -> extract -> models -> tests -> publish), in two variants: with the planted problems, and
 * a clean company where nothing may be flagged. Mart and report tests read these.
 *
 * The build runs in vitest's main process, in the globalSetup of the projects whose tests read it
 * (test/support/global-setup.ts, wired in vitest.config.ts); test files receive the paths with `inject`.
 */
import { readFileSync } from "node:fs";
import { inject } from "vitest";
import type { DemoManifest } from "../../pipelines/demo-company/index.js";
import type { DemoVariant, DemoWarehouse } from "./demo-build.js";

export type { DemoVariant, DemoWarehouse };

declare module "vitest" {
  export interface ProvidedContext {
    demoWarehouses: Record<DemoVariant, DemoWarehouse>;
  }
}

/** The published demo warehouse for this test run (built by the global setup before any test file started). */
export async function demoWarehouse(variant: DemoVariant = "planted"): Promise<DemoWarehouse> {
  const built = inject("demoWarehouses");
  if (!built) {
    throw new Error(
      "the demo warehouse is built by test/support/global-setup.ts: run this file in a vitest project that " +
        "lists it in globalSetup (see vitest.config.ts)",
    );
  }
  return built[variant];
}

/** The demo company's manifest (planted truths, control totals). */
export function readManifest(warehouse: DemoWarehouse): DemoManifest {
  return JSON.parse(readFileSync(warehouse.manifestPath, "utf8")) as DemoManifest;
}
