// The report site built from the clean demo company — the same generator with no planted problems — with the real
// pages: every page builds although several source queries return no rows (no cross-territory sales, no sales
// below the floor, no loss-making channel), and the pages say plainly that there is nothing to act on. This is
// the good night a real company hopes for; it must not fail the refresh. It costs an Evidence build of its own.
//
// Stock Evidence writes no data file for a source query with no rows while still listing it, so every page query
// reading that table failed with "Table ... does not exist" (evidence-dev/evidence#1850); the offline patch gives
// such a query an empty table (pipelines/site/evidence-offline/build-parquet.js.patch).
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildReports } from "../../pipelines/site/build-reports.js";
import { sharedSite } from "./helpers/shared-site.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { demoWarehouse } from "../support/demo-warehouse.js";
import { openSiteInBrowser } from "./helpers/browser.js";
import { REPO_ROOT, TEST_SCRATCH } from "./helpers/shared-site.js";

const dir = path.join(TEST_SCRATCH, "clean-site");
const siteDir = path.join(dir, "site");
const warehousePath = path.join(dir, "warehouse.duckdb");
const log: string[] = [];
let failure: unknown;

/** The visible text of a built page, tags and scripts removed. */
async function pageText(route: string): Promise<string> {
  const html = await readFile(path.join(siteDir, route.replace(/^\//, ""), "index.html"), "utf8");
  return html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

beforeAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await copyFile((await demoWarehouse("clean")).warehousePath, warehousePath);
  const started = Date.now();
  failure = await buildReports({
    repoRoot: REPO_ROOT,
    warehousePath,
    outDir: siteDir,
    workspaceName: "tests-clean-site",
    // Bundle, whatever an earlier run left here: the reuse test below needs this build to be a full one.
    fullBuild: true,
    log: (line) => log.push(line),
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
  console.log(`[reports] clean-company site: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 900_000);

describe("the site of a company with nothing wrong", () => {
  it("builds every page, with an empty table for each source query that returns no rows", async () => {
    expect(failure, `${String(failure)}\n${log.slice(-40).join("\n")}`).toBeUndefined();
    const empty = await withDatabase(
      warehousePath,
      (c) =>
        queryRows<{ table_name: string }>(
          c,
          `select table_name from duckdb_tables() where schema_name = 'marts'
             and table_name in ('cross_territory_sales', 'cross_territory_sales_lines', 'below_floor_price_sales',
                                'below_floor_price_sales_lines') and estimated_size = 0`,
        ),
      { readOnly: true },
    );
    // the clean company really has none of these findings: the pages below read empty tables
    expect(empty.map((t) => t.table_name).sort()).toEqual([
      "below_floor_price_sales",
      "below_floor_price_sales_lines",
      "cross_territory_sales",
      "cross_territory_sales_lines",
    ]);
    for (const table of empty.map((t) => t.table_name)) {
      const files = await readdir(path.join(siteDir, "data", "warehouse", table), { recursive: true });
      expect(
        files.some((f) => String(f).endsWith(".parquet")),
        `${table}: a data file for the empty result`,
      ).toBe(true);
    }
    for (const route of [
      "/",
      "/channels/conflict",
      "/channels/profitability",
      "/channels/coverage",
      "/channels/risks",
      "/customers/churn",
    ])
      expect(existsSync(path.join(siteDir, route.replace(/^\//, ""), "index.html")), route).toBe(true);
  });

  it("says plainly that there is nothing to act on, in both languages", async () => {
    const front = await pageText("/");
    expect(front).toContain("一切正常。");
    expect(front).not.toContain("需要关注");
    expect(await pageText("/en")).toContain("All is well.");
    const conflict = await pageText("/en/channels/conflict");
    expect(conflict).toContain("No cross-territory sales in the selection.");
    expect(conflict).toContain("No sales below the floor price in the selection.");
    expect(await pageText("/en/channels/profitability")).toContain("No channel loses money over the whole history.");
    expect(await pageText("/en/channels/coverage")).toContain(
      "Every region with demand has at least one authorised outlet.",
    );
    expect(await pageText("/en/customers/churn")).not.toMatch(/high-value customers have gone quiet/);
    expect(await pageText("/en/channels/risks")).toContain("Every risk is within its threshold.");
    expect(await pageText("/channels/risks")).toContain("所有风险均在阈值以内");
  });

  it("works in the browser: its inputs re-query the empty tables without an error", async () => {
    const server = await openSiteInBrowser(siteDir);
    const { browser } = server;
    try {
      for (const route of ["/en/channels/conflict", "/en/channels/partners/PA0011"]) {
        await browser.page.goto(`${server.url}${route}`, { waitUntil: "networkidle0", timeout: 120_000 });
        // the region dropdown is filled from the database in the browser: its options appear once the tables load
        await browser.page.waitForFunction(
          () =>
            !document.body.innerText.includes("Error encountered") && document.body.innerText.includes("Data as of"),
          { timeout: 60_000 },
        );
      }
      await browser.page.goto(`${server.url}/en/channels/conflict`, { waitUntil: "networkidle0", timeout: 120_000 });
      await browser.page.waitForFunction(() => document.body.innerText.includes("All regions"), { timeout: 60_000 });
      // Evidence's tables log "Dataset is empty" for an empty selection; nothing else may fail
      expect(browser.consoleErrors.filter((e) => !/Dataset is empty/.test(e))).toEqual([]);
      expect(browser.outsideRequests).toEqual([]);
    } finally {
      await server.close();
    }
  }, 300_000);
});

/** Every page's prerendered query results: page -> query name -> the MD5 of its rows as Arrow (built-site.test.ts). */
async function pageQueryResults(site: string): Promise<Map<string, Record<string, string>>> {
  const api = path.join(site, "api");
  const results = new Map<string, Record<string, string>>();
  for (const file of await readdir(api, { recursive: true })) {
    if (!String(file).endsWith("all-queries.json")) continue;
    results.set(String(file), JSON.parse(await readFile(path.join(api, file), "utf8")) as Record<string, string>);
  }
  return results;
}

describe("a rebuild where only the data changed", () => {
  it("prerenders the last build's bundles with the new data, and publishes what a full build of that data does", async () => {
    expect(failure).toBeUndefined();
    expect(log.some((line) => line.includes("bundles kept"))).toBe(true);
    // The planted company's warehouse, built in the clean company's workspace: same pages, other data.
    const planted = await sharedSite(); // a full build of that warehouse (the site project's global setup)
    const rebuiltDir = path.join(dir, "rebuilt-site");
    const rebuildLog: string[] = [];
    const started = Date.now();
    await buildReports({
      repoRoot: REPO_ROOT,
      warehousePath: planted.warehousePath,
      outDir: rebuiltDir,
      workspaceName: "tests-clean-site",
      log: (line) => rebuildLog.push(line),
    });
    console.log(`[reports] rebuilt from saved bundles in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(rebuildLog.join("\n")).toMatch(/unchanged since the last build: prerendering its bundles/);

    const full = await pageQueryResults(planted.siteDir);
    const rebuilt = await pageQueryResults(rebuiltDir);
    expect(rebuilt.size).toBe(full.size);
    expect(full.size).toBeGreaterThan(100);
    for (const [page, queries] of full) expect(rebuilt.get(page), page).toEqual(queries);
    const clean = await pageQueryResults(siteDir);
    expect([...clean].some(([page, queries]) => JSON.stringify(rebuilt.get(page)) !== JSON.stringify(queries))).toBe(
      true,
    ); // not the clean company's data
    // The same pages and files; the data files under the same content-named folders.
    const files = async (site: string): Promise<string[]> =>
      (await readdir(site, { recursive: true }))
        .map(String)
        .filter((f) => !f.startsWith("_app"))
        .sort();
    expect(await files(rebuiltDir)).toEqual(await files(planted.siteDir));
    const front = await readFile(path.join(rebuiltDir, "index.html"), "utf8");
    expect(front).toContain('lang="zh-CN"');
  }, 600_000);
});
