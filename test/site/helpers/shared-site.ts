// One Evidence build per test run, shared by every test file that needs the built site.
//
// An Evidence build takes about 90 s here, so it must not run once per test file: the site project's global setup
// (test/site/global-setup.ts) builds it from the demo company's real published warehouse before any test file starts,
// and the test files receive it with `inject`.
import { inject } from "vitest";
import type { SharedSite } from "./build-shared-site.js";

export { networkIsOff, REPO_ROOT, TEST_SCRATCH, type SharedSite } from "./build-shared-site.js";

declare module "vitest" {
  export interface ProvidedContext {
    sharedSite: SharedSite;
  }
}

/** This run's built site (built by the site project's global setup before any test file started). */
export async function sharedSite(): Promise<SharedSite> {
  const site = inject("sharedSite");
  if (!site)
    throw new Error("the shared site is built by test/site/global-setup.ts: run this file in the site project");
  return site;
}
