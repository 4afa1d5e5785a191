// A page with a broken query fails the reports build with a message naming the page and the query, and the
// previously published site stays exactly as it was. This needs an Evidence build of its own (a one-page
// workspace; Evidence's fixed bundling cost still dominates, about 90 s here).
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ReportsBuildError, brokenPageQueries, buildReports } from "../../pipelines/site/build-reports.js";
import { REPO_ROOT, TEST_SCRATCH } from "./helpers/shared-site.js";
import { demoWarehouse } from "../support/demo-warehouse.js";

const dir = path.join(TEST_SCRATCH, "broken-query");
const pagesDir = path.join(dir, "pages");
const outDir = path.join(dir, "published-site");
const previousSite = "<html><body>the site published yesterday</body></html>\n";
const brokenPage = path.relative(REPO_ROOT, path.join(pagesDir, "index.md"));

let failure: unknown;
let buildMs = 0;

/** What the build said while it ran. */
const buildLog: string[] = [];

beforeAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await mkdir(pagesDir, { recursive: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, "index.html"), previousSite);
  // A private copy of the demo company's published warehouse: the real marts every page reads.
  await copyFile((await demoWarehouse("planted")).warehousePath, path.join(dir, "warehouse.duckdb"));
  await writeFile(
    path.join(pagesDir, "index.md"),
    [
      "---",
      "title: Broken",
      "---",
      "",
      "```sql status",
      "select as_of_date from warehouse.warehouse_status",
      "```",
      "",
      "```sql revenue_by_typo",
      "select sum(revenu) as revenue from warehouse.channel_revenue_monthly",
      "```",
      "",
      "As of <Value data={status} column=as_of_date/>, revenue <Value data={revenue_by_typo} column=revenue/>.",
      "",
    ].join("\n"),
  );
  const started = Date.now();
  failure = await buildReports({
    repoRoot: REPO_ROOT,
    warehousePath: path.join(dir, "warehouse.duckdb"),
    outDir,
    pagesDir,
    workspaceName: "tests-broken-query",
    log: (line) => buildLog.push(line),
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
  buildMs = Date.now() - started;
  console.log(`[reports] broken-query build took ${(buildMs / 1000).toFixed(1)} s`);
});

describe("a broken page query", () => {
  it("fails the build with a message naming the page and the query", () => {
    expect(failure).toBeInstanceOf(ReportsBuildError);
    const error = failure as ReportsBuildError;
    expect(error.message).toContain(`page ${brokenPage}, query "revenue_by_typo"`);
    expect(error.message).toMatch(/Binder Error: Referenced column "revenu" not found/);
    expect(error.brokenQueries).toEqual([
      { query: "revenue_by_typo", pages: [brokenPage], message: expect.stringContaining("revenu") },
    ]);
  });

  it("stops the build as soon as Evidence reports the broken query, and says so", () => {
    const stopped = buildLog.findIndex((line) => line.includes("a page query is broken: stopping the build"));
    expect(stopped, buildLog.slice(-20).join("\n")).toBeGreaterThan(-1);
    expect(buildLog[stopped - 1] ?? "").toMatch(/revenue_by_typo \| Error in Query!/);
    // Evidence's own hint names a command this project does not have
    expect(buildLog.join("\n")).not.toContain("npm run preview");
  });

  it("leaves the previously published site in place, untouched", async () => {
    expect(await readdir(outDir)).toEqual(["index.html"]);
    expect(await readFile(path.join(outDir, "index.html"), "utf8")).toBe(previousSite);
  });
});

describe("brokenPageQueries", () => {
  it("reads Evidence's query errors, multi-line messages included, once per query", async () => {
    const output = [
      "[INFO]: something",
      'revenue_by_typo | Error in Query! Binder Error: Referenced column "revenu" not found in FROM clause!',
      'Candidate bindings: "revenue"',
      "",
      "LINE 2: ...",
      'revenue_by_typo | Error in Query! Binder Error: Referenced column "revenu" not found in FROM clause!',
      "Dropdown-channel | Error in Query! Catalog Error: Table with name nope does not exist!",
    ];
    const found = await brokenPageQueries(output, pagesDir, REPO_ROOT);
    expect(found).toEqual([
      {
        query: "revenue_by_typo",
        pages: [brokenPage],
        message: 'Binder Error: Referenced column "revenu" not found in FROM clause! Candidate bindings: "revenue"',
      },
      { query: "Dropdown-channel", pages: [], message: "Catalog Error: Table with name nope does not exist!" },
    ]);
  });
});
