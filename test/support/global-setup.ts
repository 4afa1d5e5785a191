// vitest globalSetup for the projects whose tests read the demo company's warehouse (vitest.config.ts): builds both
// variants once (or copies them from the cache of an earlier run with the same inputs, demo-cache.ts), in vitest's
// main process, before any test file starts, and hands their paths to the tests.
//
// Several projects list this file, and vitest runs each project's global setup; they share one process, so the
// build is kept on globalThis and runs once per `vitest` invocation.
import type { TestProject } from "vitest/node";
import { buildDemoWarehouse, DEMO_VARIANTS, type DemoVariant, type DemoWarehouse } from "./demo-build.js";

type Built = Record<DemoVariant, DemoWarehouse>;
const KEY = Symbol.for("channel-warehouse.test.demo-warehouses");

export function demoWarehousesOnce(): Promise<Built> {
  const store = globalThis as unknown as Record<symbol, Promise<Built> | undefined>;
  store[KEY] ??= (async () => {
    const started = Date.now();
    // Side by side: much of a demo refresh is single-threaded (generating the company, serving it, loading it), so
    // two at once use both cores.
    const builds = await Promise.all(DEMO_VARIANTS.map((variant) => buildDemoWarehouse(variant)));
    console.log(
      `[test setup] demo warehouses ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
        DEMO_VARIANTS.map((variant, i) => `${variant} ${builds[i]!.note}`).join("; "),
    );
    return Object.fromEntries(DEMO_VARIANTS.map((variant, i) => [variant, builds[i]!.warehouse])) as Built;
  })();
  return store[KEY];
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide("demoWarehouses", await demoWarehousesOnce());
}
