/**
 * Crash safety: a refresh killed with SIGKILL at any point — in extract, load, models, publish or the
 * reports build — leaves readers on the last good warehouse and site, and the next run completes
 * green with no duplicated or lost rows. Each kill is a real process dying at a named crash point
 * (pipelines/shared/crash-points.ts), with no chance to clean up.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { crmTables } from "../../pipelines/shared/contracts/crm.js";
import { orderSystemTables } from "../../pipelines/shared/contracts/order-system.js";
import { sellThrough } from "../../pipelines/shared/contracts/partner-files.js";
import type { DemoManifest } from "../../pipelines/demo-company/index.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { tempDir } from "../helpers/temp-dir.js";
import { REPO_ROOT } from "../support/paths.js";

const dir = tempDir("warehouse-crash-");
const dataDir = join(dir, "data");
const siteDir = join(dir, "site");
const config = join(dir, "crash.yaml");
writeFileSync(config, `data_dir: ${dataDir}\nsite_dir: ${siteDir}\n`);

/**
 * Runs `refresh` (with the site when `reports`), or with `reportsOnly` the `reports` command: the same site step on the
 * published warehouse without extract and models, for the kills inside the site step.
 */
function refresh(options: { crashAt?: string; reports?: boolean; reportsOnly?: boolean }) {
  const command = options.reportsOnly ? "reports" : "refresh";
  const args = ["--import", "tsx", join(REPO_ROOT, "pipelines", "cli.ts"), command, "--config", config];
  if (!options.reports && !options.reportsOnly) args.push("--no-reports");
  const env = { ...process.env };
  if (options.crashAt) env["WAREHOUSE_CRASH_AT"] = options.crashAt;
  else delete env["WAREHOUSE_CRASH_AT"];
  return runChild(args, env);
}

interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as a child without blocking this test's event loop: a synchronous spawn would stall
 * the test worker for minutes and make vitest's worker RPC time out (an "unhandled error" that fails
 * the run although every test passed).
 */
function runChild(args: string[], env: NodeJS.ProcessEnv): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGTERM"), 600_000);
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** The published warehouse's run id, or null when none is published yet; it must always open. */
async function publishedRunId(): Promise<string | null> {
  const path = join(dataDir, "warehouse.duckdb");
  if (!existsSync(path)) return null;
  const [row] = await withDatabase(
    path,
    (c) => queryRows<{ run_id: string }>(c, "select run_id from marts.warehouse_status"),
    {
      readOnly: true,
    },
  );
  return row?.run_id ?? null;
}

/** Every generated row is in raw exactly once, and the published marts reconcile to the generated orders. */
async function assertWholeAndReconciled(): Promise<void> {
  const manifest = JSON.parse(readFileSync(join(dataDir, "demo", "manifest.json"), "utf8")) as DemoManifest;
  await withDatabase(
    join(dataDir, "raw.duckdb"),
    async (c) => {
      const tables = [
        ...orderSystemTables.map((t) => ["order_system", t] as const),
        ...crmTables.map((t) => ["crm", t] as const),
        ["partner_files", sellThrough] as const,
      ];
      for (const [source, table] of tables) {
        const keys = table.primaryKey.join(", ");
        const [row] = await queryRows<{ n: number; distinct_keys: number }>(
          c,
          `select count(*) as n, count(distinct (${keys})) as distinct_keys from ${source}.${table.name}`,
        );
        expect(row, `${source}.${table.name}`).toEqual({
          n: manifest.row_counts[table.name],
          distinct_keys: manifest.row_counts[table.name],
        });
      }
    },
    { readOnly: true },
  );
  await withDatabase(
    join(dataDir, "warehouse.duckdb"),
    async (c) => {
      const [total] = await queryRows<{ revenue: string }>(
        c,
        "select sum(revenue)::varchar as revenue from marts.channel_revenue_monthly",
      );
      expect(Number(total?.revenue)).toBeCloseTo(manifest.control_totals.revenue.total, 2);
    },
    { readOnly: true },
  );
}

// Kill points outside the reports step (the site build costs about 90 s, so these skip it), spread over
// extract, load (record batches, partner files), models, tests and publish. `#n` is the n-th passage.
const GROUPS: string[][] = [
  // Raw is still empty or partly loaded here, so loads run many batches: late passages exist.
  [
    "extract:start",
    "load:batch-merged#3",
    "load:before-commit#9",
    "load:batch-merged#14",
    "load:before-commit#22",
    "files:staged",
    "files:before-commit",
  ],
  // From here on runs are incremental (a few batches per stream).
  [
    "load:batch-merged#2",
    "load:before-commit#5",
    "extract:streams-done",
    "models:model-built#1",
    "models:model-built#20",
  ],
  ["models:model-built#45", "models:tests-passed", "publish:before-rename", "publish:after-rename"],
  ["run:published", "load:batch-merged#6", "files:before-commit", "models:model-built#10"],
];
// Kill points of the reports step: before the site is staged, with it staged, with the new link made but not yet
// renamed over the published one, and just after that rename (before older sites and leftovers are cleared).
const REPORT_POINTS = ["reports:sources-done", "reports:site-staged", "reports:link-made", "reports:site-published"];

/** The pages of a site folder (its .html files, recursively): a complete site has as many as the good one. */
function pagesOf(site: string): number {
  return readdirSync(site, { recursive: true }).filter((name) => String(name).endsWith(".html")).length;
}

/** What the site's folder holds beside the link: the sites kept, and links made but never renamed into place. */
function besideSite(): { sites: string[]; strayLinks: string[] } {
  return {
    sites: readdirSync(join(dir, ".site-sites")).sort(),
    strayLinks: readdirSync(dir).filter((name) => name.startsWith(".site.link-")),
  };
}

describe("a refresh killed at any point", () => {
  it(`leaves readers on the last good warehouse, and the next run completes with nothing duplicated or lost (${GROUPS.flat().length} kill points)`, async () => {
    let lastGood: string | null = null;
    for (const group of GROUPS) {
      for (const point of group) {
        const run = await refresh({ crashAt: point });
        expect(run.signal, `${point}: the refresh should have been killed\n${run.stdout}\n${run.stderr}`).toBe(
          "SIGKILL",
        );
        const published = await publishedRunId();
        if (point === "publish:after-rename" || point === "run:published") {
          // Killed after the swap: readers see the complete new warehouse, now the last good one
          // (its completeness is checked by the next green run).
          expect(published).not.toBeNull();
          expect(published).not.toBe(lastGood);
          lastGood = published;
        } else {
          expect(published, `after a kill at ${point}`).toBe(lastGood);
        }
      }
      const green = await refresh({});
      expect(green.status, `${green.stdout}\n${green.stderr}`).toBe(0);
      expect(green.stdout).toMatch(/marked failed/); // the killed runs are recorded as such
      lastGood = await publishedRunId();
      expect(lastGood).not.toBeNull();
      await assertWholeAndReconciled();
    }
  }, 1_800_000);

  it(`in the reports build leaves readers on the last good site or the complete new one, and the next run publishes a new one and clears what the killed ones left (${REPORT_POINTS.length} kill points)`, async () => {
    const first = await refresh({ reports: true });
    expect(first.status, `${first.stdout}\n${first.stderr}`).toBe(0);
    let goodSite = readlinkSync(siteDir);
    const pages = pagesOf(siteDir);
    expect(pages).toBeGreaterThan(10);
    expect(existsSync(join(siteDir, "index.html"))).toBe(true);
    let leftBehind = false;
    for (const point of REPORT_POINTS) {
      // The site step as `npm run reports` runs it: the step a refresh ends with, without repeating extract and models.
      const run = await refresh({ crashAt: point, reportsOnly: true });
      expect(run.signal, `${point}\n${run.stdout}\n${run.stderr}`).toBe("SIGKILL");
      if (point === "reports:site-published") {
        // Killed just after the swap: readers see the new site, complete; it is now the last good one.
        expect(readlinkSync(siteDir), `site after a kill at ${point}`).not.toBe(goodSite);
        goodSite = readlinkSync(siteDir);
      } else {
        expect(readlinkSync(siteDir), `site after a kill at ${point}`).toBe(goodSite);
      }
      expect(existsSync(join(siteDir, "index.html")), `index after a kill at ${point}`).toBe(true);
      expect(pagesOf(siteDir), `pages after a kill at ${point}`).toBe(pages);
      if (point === "reports:link-made") {
        // The link was made and never renamed into place: it is left beside the site, with the site it points at.
        const [stray] = besideSite().strayLinks;
        expect(stray, "a link left by the kill").toBeDefined();
        expect(existsSync(join(dir, stray!, "index.html"))).toBe(true);
        leftBehind = true;
      }
    }
    expect(leftBehind).toBe(true);
    expect(besideSite().sites.length).toBeGreaterThan(2); // staged sites of the killed runs, and the good ones
    const green = await refresh({ reports: true });
    expect(green.status, `${green.stdout}\n${green.stderr}`).toBe(0);
    const published = readlinkSync(siteDir);
    expect(published).not.toBe(goodSite);
    expect(existsSync(join(siteDir, "index.html"))).toBe(true);
    expect(pagesOf(siteDir)).toBe(pages);
    // Cleared: no link left lying about; of the sites only the new one and the one it replaced (a web server
    // may still be sending its files) — no staged site or partial copy of a killed run.
    const beside = besideSite();
    expect(beside.strayLinks).toEqual([]);
    expect(beside.sites).toEqual([basename(goodSite), basename(published)].sort());
    await assertWholeAndReconciled();
    // Two refreshes and four site steps alone: six site builds (the first bundles, about 2 min on 2 cores; the others
    // only prerender, about 40 s; far more on a busy machine).
  }, 3_600_000);
});
