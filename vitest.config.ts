import { readdirSync } from "node:fs";
import { defineConfig } from "vitest/config";
import HeaviestLanesFirst from "./test/support/heaviest-lanes-first.js";

/**
 * Test lanes. `npm run test:fast` runs the unit and demo projects: everything that needs neither an Evidence build
 * nor a browser nor a string of end-to-end CLI runs; use it for everyday work. `npm test` runs every project: what CI
 * runs. Expensive fixtures are built once per run in vitest's main process by each project's globalSetup, and reach
 * the tests through `inject` (test/support/global-setup.ts, test/site/global-setup.ts).
 */

/** Tests reading the demo company's published warehouse (built once per run by the global setup). */
const DEMO_TESTS = [
  "test/marts/channel/planted-truths.test.ts",
  "test/marts/customers/planted-truths.test.ts",
  "test/e2e/demo-refresh.test.ts",
  "test/marts/brief/executive-brief.test.ts",
  "test/marts/channel/risk-register.test.ts",
  "test/marts/channel/attribution.test.ts",
];
/**
 * End-to-end runs of the real CLI (each file refreshes a whole company several times or kills refreshes), and tests
 * heavy by design (a partner file of 640 MB).
 */
const END_TO_END_TESTS = [
  "test/e2e/failure-modes.test.ts",
  "test/e2e/templates-company.test.ts",
  "test/e2e/source-failure.test.ts",
  "test/orchestrate/crash-safety.test.ts",
  "test/orchestrate/full-disk.test.ts",
  "test/orchestrate/source-identity.test.ts",
  "test/orchestrate/check.test.ts",
  // a web shop's own export through two whole refreshes of the CLI
  "test/e2e/web-shop-export.test.ts",
  "test/load/large-file.test.ts",
];
/** In test/site/ but needing no build: the offline patch's install logic and the installed package, the number formats,
 * the pages' two languages, when a build may reuse the last one's bundles, when a preview may keep its source data. */
const SITE_UNIT_TESTS = [
  "offline-patch.test.ts",
  "number-formats.test.ts",
  "page-languages.test.ts",
  "audience-scope.test.ts",
  "bundle-reuse.test.ts",
  "source-data-stamp.test.ts",
];
/** Tests of the built report site: an Evidence build, shared, and headless Chromium. */
const SITE_TESTS = readdirSync(new URL("test/site", import.meta.url))
  .filter((name) => name.endsWith(".test.ts") && !SITE_UNIT_TESTS.includes(name))
  .map((name) => `test/site/${name}`);

/** The fast lane's tests run DuckDB on one thread in their own processes (see the file). */
const ONE_DUCKDB_THREAD = "test/support/one-duckdb-thread.ts";

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // DuckDB files, servers and the Evidence build are heavy: keep parallelism modest on 2 cores.
    maxWorkers: 2,
    minWorkers: 1,
    // The longest files start first, so the two workers finish together (see the file).
    sequence: { sequencer: HeaviestLanesFirst },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...DEMO_TESTS, ...END_TO_END_TESTS, ...SITE_TESTS],
          setupFiles: [ONE_DUCKDB_THREAD],
        },
      },
      {
        extends: true,
        test: {
          name: "demo",
          include: DEMO_TESTS,
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: [ONE_DUCKDB_THREAD],
        },
      },
      { extends: true, test: { name: "e2e", include: END_TO_END_TESTS } },
      {
        extends: true,
        test: {
          name: "site",
          include: SITE_TESTS,
          globalSetup: ["test/support/global-setup.ts", "test/site/global-setup.ts"],
        },
      },
    ],
  },
});
