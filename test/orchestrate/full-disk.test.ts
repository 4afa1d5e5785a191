/**
 * A full disk, for real. A refresh whose data folder fills up — already full when it starts, during extract and
 * load, during the model build, at publishing — exits non-zero with one line saying so (which folder, that nothing
 * was published, what to do) instead of DuckDB's or Node's error, and leaves the published warehouse exactly as it
 * was and readable. Once space is freed, the next refresh completes green, with every source row in raw once.
 * Publishing the site on a full disk leaves the published site link as it was, and clears what it staged.
 *
 * The data folder sits on a small tmpfs mounted for this test (mounting needs root, as CI's .ci/run runs the
 * suite; .ci/offline only takes the network away). The refresh fills its own disk at a named point of the run
 * (WAREHOUSE_FILL_DISK_AT, beside the crash points in pipelines/shared/crash-points.ts), so every write after it
 * meets the kernel's own "no space left on device", wherever in DuckDB, Node or PGlite that write is.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoManifest } from "../../pipelines/demo-company/index.js";
import { diskFullError } from "../../pipelines/orchestrate/refresh.js";
import { crmTables } from "../../pipelines/shared/contracts/crm.js";
import { orderSystemTables } from "../../pipelines/shared/contracts/order-system.js";
import { sellThrough } from "../../pipelines/shared/contracts/partner-files.js";
import type { WarehousePaths } from "../../pipelines/shared/config.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { publish } from "../../pipelines/site/build-reports.js";
import { runCli, type CliRun } from "../helpers/run-cli.js";
import { fillDisk } from "../../pipelines/shared/crash-points.js";

const HOW_TO_RUN =
  "This test mounts a small tmpfs to fill a disk for real, which needs root: run it as root, e.g. " +
  "`sudo npx vitest run --project e2e test/orchestrate/full-disk.test.ts` (CI's .ci/run runs the whole suite " +
  "as root, under .ci/offline, where mounting still works).";

/** A folder for this file; removed in afterAll, after the tmpfs in it is unmounted. */
const dir = mkdtempSync(join(tmpdir(), "warehouse-full-disk-"));
const mounts: string[] = [];

/** Mounts a tmpfs of `size` (e.g. "320m") at `at`, or fails saying how to run this test. */
function mountTmpfs(at: string, size: string): void {
  if (process.getuid?.() !== 0) throw new Error(`Not root. ${HOW_TO_RUN}`);
  mkdirSync(at, { recursive: true });
  const mount = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", at], { encoding: "utf8" });
  if (mount.status !== 0) {
    throw new Error(`mount -t tmpfs failed (${(mount.stderr || mount.error?.message || "").trim()}). ${HOW_TO_RUN}`);
  }
  mounts.push(at);
}

afterAll(() => {
  for (const at of mounts.reverse()) {
    // Lazily if something still holds it open, so the folder can go in any case.
    if (spawnSync("umount", [at]).status !== 0) spawnSync("umount", ["-l", at]);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("a refresh whose data folder's disk is full", () => {
  const disk = join(dir, "disk");
  const dataDir = join(disk, "data");
  const warehouse = join(dataDir, "warehouse.duckdb");
  const filler = join(disk, "filler");
  const config = join(dir, "full-disk.yaml");
  // A small demo company: the disk fills at a point of the run, whatever the volume; this keeps each run ~15 s.
  writeFileSync(config, `data_dir: ${dataDir}\nsite_dir: ${join(dir, "site")}\ndemo: { scale: 0.1 }\n`);

  function refresh(fillAt?: string): Promise<CliRun> {
    const env = fillAt ? { WAREHOUSE_FILL_DISK_AT: fillAt, WAREHOUSE_FILL_DISK_FILE: filler } : {};
    return runCli(["refresh", "--no-reports", "--config", config], { env, timeoutMs: 300_000 });
  }

  /** What a reader of the published warehouse could notice; opening it (read-only) must work. */
  async function published() {
    const [status] = await withDatabase(
      warehouse,
      (c) => queryRows<{ run_id: string }>(c, "select run_id from marts.warehouse_status"),
      { readOnly: true },
    );
    const stat = statSync(warehouse);
    const sha256 = createHash("sha256").update(readFileSync(warehouse)).digest("hex");
    return { runId: status?.run_id, inode: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, sha256 };
  }

  /** The one `error:` line of a failed run, which must be the only thing it says about the failure. */
  function errorLine(run: CliRun): string {
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.code, output).toBe(1);
    const messages = run.stderr.split(/^error: /m).slice(1);
    expect(messages, output).toHaveLength(1);
    const message = messages[0]!.trim();
    expect(message.split("\n"), "one line").toHaveLength(1);
    // Not DuckDB's or Node's own words, and no stack.
    expect(output).not.toMatch(/IO Error|TransactionContext|ENOSPC|^\s+at /m);
    return message;
  }

  const expected = (during: string) =>
    `The disk holding the data folder ${dataDir} is full (no space left on device ${during}): nothing was ` +
    `published, so readers keep the last good warehouse ${warehouse}. Free space on that disk, or move data_dir ` +
    "to a larger one, then run the refresh again.";

  let lastGood: Awaited<ReturnType<typeof published>>;

  beforeAll(async () => {
    mountTmpfs(disk, "320m");
    const first = await refresh();
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
    lastGood = await published();
  }, 300_000);

  /** After freeing the space, the next refresh completes green and publishes a new warehouse. */
  async function greenAfterFreeing(): Promise<void> {
    rmSync(filler, { force: true });
    const green = await refresh();
    expect(green.code, `${green.stdout}\n${green.stderr}`).toBe(0);
    const now = await published();
    expect(now.runId).not.toBe(lastGood.runId);
    lastGood = now;
  }

  it("already full when the refresh starts: one line, nothing touched; green once space is freed", async () => {
    fillDisk(filler);
    const run = await refresh();
    expect(errorLine(run)).toBe(expected("as the run started"));
    expect(await published()).toEqual(lastGood);
    // Not even an empty lock file is left behind.
    expect(readdirSync(dataDir).sort()).toEqual(["demo", "raw.duckdb", "warehouse.duckdb"]);
    await greenAfterFreeing();
  }, 300_000);

  const STAGES = [
    // The third commit of a load into raw (the first loads of the run have committed).
    { stage: "during extract and load", fillAt: "load:before-commit#3", during: "during extract" },
    { stage: "during the model build", fillAt: "models:model-built#20", during: "during models" },
    // The new warehouse is built and tested; only the rename into place is left.
    { stage: "at publishing", fillAt: "publish:before-rename", during: "during publish" },
  ];
  for (const { stage, fillAt, during } of STAGES) {
    it(`filling up ${stage}: one line, the published warehouse untouched and readable; green once space is freed`, async () => {
      rmSync(filler, { force: true }); // freed already, unless an earlier test failed before freeing it
      const run = await refresh(fillAt);
      expect(existsSync(filler), "the disk was filled").toBe(true);
      expect(errorLine(run)).toBe(expected(during));
      expect(await published()).toEqual(lastGood);
      // The unpublished build is gone: it held the space the operator has to free.
      expect(existsSync(join(dataDir, "warehouse.building.duckdb"))).toBe(false);
      await greenAfterFreeing();
    }, 300_000);
  }

  it("after all of it, every source row is in raw exactly once and the published marts reconcile", async () => {
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
          const n = manifest.row_counts[table.name];
          expect(row, `${source}.${table.name}`).toEqual({ n, distinct_keys: n });
        }
      },
      { readOnly: true },
    );
    await withDatabase(
      warehouse,
      async (c) => {
        const [total] = await queryRows<{ revenue: string }>(
          c,
          "select sum(revenue)::varchar as revenue from marts.channel_revenue_monthly",
        );
        expect(Number(total?.revenue)).toBeCloseTo(manifest.control_totals.revenue.total, 2);
      },
      { readOnly: true },
    );
  });
});

describe("publishing the site on a full disk", () => {
  const disk = join(dir, "site-disk");
  const outDir = join(disk, "site");
  const filler = join(disk, "filler");
  const sitesDir = join(disk, ".site-sites");

  /** A small built site (as Evidence leaves it) on another disk, so publishing copies it onto the site's disk. */
  function builtSite(name: string, pageBytes: number): string {
    const site = join(dir, `built-${name}`);
    mkdirSync(join(site, "channels"), { recursive: true });
    writeFileSync(join(site, "index.html"), `<h1>site ${name}</h1>\n`);
    writeFileSync(join(site, "channels", "index.html"), `<p>${"x".repeat(pageBytes)}</p>\n`);
    return site;
  }

  const strayLinks = () => readdirSync(disk).filter((entry) => entry.startsWith(".site.link-"));

  beforeAll(() => mountTmpfs(disk, "2m"));

  it("leaves the published link and site as they were, clears what it staged, and publishes once space is freed", async () => {
    await publish(builtSite("a", 1000), outDir);
    const siteA = readlinkSync(outDir);
    expect(readFileSync(join(outDir, "index.html"), "utf8")).toBe("<h1>site a</h1>\n");

    fillDisk(filler);
    const siteB = builtSite("b", 256 << 10);
    const failure = await publish(siteB, outDir).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure, "publishing onto a full disk fails").toBeInstanceOf(Error);
    expect((failure as NodeJS.ErrnoException).code).toBe("ENOSPC");
    // Readers: the same link, the same complete site.
    expect(readlinkSync(outDir)).toBe(siteA);
    expect(readFileSync(join(outDir, "index.html"), "utf8")).toBe("<h1>site a</h1>\n");
    // Nothing half-copied left to hold the space, and no link.
    expect(readdirSync(sitesDir)).toEqual([siteA.split("/").at(-1)]);
    expect(strayLinks()).toEqual([]);

    // The refresh reports it as one line naming the site folder (the warehouse, published before, stays).
    const paths = {
      dataDir: join(dir, "data"),
      publishedWarehouse: join(dir, "data", "warehouse.duckdb"),
      siteDir: outDir,
    };
    expect(diskFullError(paths as WarehousePaths, "reports", failure).message).toBe(
      `The disk holding the site folder ${outDir} is full (no space left on device during reports): the warehouse ` +
        `was published but the site was not, so readers keep the last site ${outDir}. Free space on that disk, or ` +
        "move site_dir to a larger one, then run the refresh again.",
    );

    // Space freed, with leftovers of a publish killed earlier lying about: the next publish clears them.
    rmSync(filler);
    mkdirSync(join(sitesDir, "20261201T000000000Z-1.partial"));
    symlinkSync(".site-sites/20261201T000000000Z-1.partial", join(disk, ".site.link-20261201T000000000Z-1"));
    await publish(siteB, outDir);
    const published = readlinkSync(outDir);
    expect(published).not.toBe(siteA);
    expect(readFileSync(join(outDir, "index.html"), "utf8")).toBe("<h1>site b</h1>\n");
    expect(readdirSync(sitesDir).sort()).toEqual([siteA, published].map((link) => link.split("/").at(-1)).sort());
    expect(strayLinks()).toEqual([]);
  });
});
