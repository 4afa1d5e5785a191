// Optional vitest globalSetup (`globalSetup: ["test/site/global-setup.ts"]` in vitest.config.ts): builds the
// shared reports site once in vitest's main process, before any test file starts. Without it the first reports
// test file builds the same site lazily (helpers/shared-site.ts); either way there is one build per run. Prefer
// leaving it out if most runs select other tests: a globalSetup builds even when no reports test runs.
import { sharedSite } from "./helpers/shared-site.js";

export default async function setup(): Promise<void> {
  const site = await sharedSite();
  console.log(`[reports] shared site built in ${(site.buildMs / 1000).toFixed(1)} s (${site.siteDir})`);
}
