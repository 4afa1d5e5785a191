// vitest globalSetup for the site project (vitest.config.ts): builds the shared report site once, in vitest's main
// process, from the demo company's planted warehouse, and hands it to the tests. An Evidence build costs minutes, so
// it runs once per `vitest` invocation whatever the number of site test files.
import type { TestProject } from "vitest/node";
import { demoWarehousesOnce } from "../support/global-setup.js";
import { buildSharedSite } from "./helpers/build-shared-site.js";

export default async function setup(project: TestProject): Promise<void> {
  const { planted } = await demoWarehousesOnce();
  const site = await buildSharedSite(planted.warehousePath);
  console.log(`[test setup] shared site built in ${(site.buildMs / 1000).toFixed(1)} s (${site.siteDir})`);
  project.provide("sharedSite", site);
}
