/**
 * Failure modes through the real command line: a broken model, a failing model test, a locked
 * warehouse file and a missing or unknown source each stop the refresh with one `error:` message
 * naming what failed, where, and what to do; the exit code is non-zero, and the published
 * warehouse and site are exactly as the last good run left them. A load whose counts do not
 * reconcile fails that source (the others still load) and, read whole, keeps nothing of that load.
 *
 * The CLI reads its models from the project it lives in, so the test runs it from a copy of the
 * project (pipelines/ and models/) in a temporary folder, where a model can be broken without
 * touching the repository's own models.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres-server.js";
import { tempDir } from "../helpers/temp-dir.js";
import { REPO_ROOT } from "../support/paths.js";

const dir = tempDir("warehouse-failures-");
const project = join(dir, "project");
const dataDir = join(dir, "data");
const siteDir = join(dir, "site");
const rawPath = join(dataDir, "raw.duckdb");
const warehousePath = join(dataDir, "warehouse.duckdb");
const config = join(dir, "company.yaml");

mkdirSync(project);
for (const entry of ["pipelines", "models", "package.json", "tsconfig.json"]) {
  cpSync(join(REPO_ROOT, entry), join(project, entry), { recursive: true });
}
symlinkSync(join(REPO_ROOT, "node_modules"), join(project, "node_modules"));
// A small demo company: every failure below is about where the run stops, not about volume.
writeFileSync(config, `data_dir: ${dataDir}\nsite_dir: ${siteDir}\ndemo: { scale: 0.1 }\n`);

// A published site as the reports step leaves it: the site folder is a link to one complete build.
const siteBuild = join(dir, ".site-sites", "good");
mkdirSync(siteBuild, { recursive: true });
writeFileSync(join(siteBuild, "index.html"), "<h1>the last good site</h1>\n");
symlinkSync(siteBuild, siteDir);

interface ChildResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the project copy's CLI as a child without blocking this test's event loop (a synchronous
 * spawn would stall the test worker and make vitest's worker RPC time out).
 */
function cli(args: string[], env: Record<string, string> = {}): Promise<ChildResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ["WAREHOUSE_CRASH_AT", "WAREHOUSE_CONFIG"]) delete childEnv[name];
  if (!env["ORDER_SYSTEM_URL"]) delete childEnv["ORDER_SYSTEM_URL"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(project, "pipelines", "cli.ts"), ...args], {
      cwd: project,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGTERM"), 300_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function refresh(configPath = config, ...extra: string[]): Promise<ChildResult> {
  return cli(["refresh", "--no-reports", "--config", configPath, ...extra]);
}

/** The one `error:` message of a failed run (there must be exactly one). */
function errorMessage(run: ChildResult): string {
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.status, output).not.toBe(0);
  expect(run.status, output).not.toBeNull();
  const messages = run.stderr.split(/^error: /m).slice(1);
  expect(messages, output).toHaveLength(1);
  return messages[0]!.trim();
}

/** Everything a reader of the published warehouse and site could notice. */
async function published() {
  const stat = statSync(warehousePath);
  const [status] = await withDatabase(
    warehousePath,
    (c) => queryRows<{ run_id: string }>(c, "select run_id from marts.warehouse_status"),
    { readOnly: true },
  );
  return {
    runId: status?.run_id,
    inode: stat.ino,
    mtimeMs: stat.mtimeMs,
    size: stat.size,
    sha256: createHash("sha256").update(readFileSync(warehousePath)).digest("hex"),
    site: readlinkSync(siteDir),
    siteIndex: readFileSync(join(siteDir, "index.html"), "utf8"),
  };
}

function runIdOf(run: ChildResult): string {
  const id = /^refresh (\S+)$/m.exec(run.stdout)?.[1];
  expect(id, run.stdout).toBeDefined();
  return id!;
}

/** How the raw database recorded one run: its status and error, and how many loads it made. */
async function recordedRun(runId: string) {
  return withDatabase(
    rawPath,
    async (c) => {
      const [run] = await queryRows<{ status: string; error: string | null }>(
        c,
        "select status, error from meta.runs where run_id = $1",
        [runId],
      );
      const [loads] = await queryRows<{ n: number }>(c, "select count(*) as n from meta.loads where run_id = $1", [
        runId,
      ]);
      return { status: run?.status, error: run?.error ?? "", loads: loads?.n ?? 0 };
    },
    { readOnly: true },
  );
}

/** Runs `fn` with one of the project copy's files replaced, restoring it afterwards. */
async function withEditedFile<T>(relative: string, edit: (text: string) => string, fn: () => Promise<T>): Promise<T> {
  const path = join(project, relative);
  const original = readFileSync(path, "utf8");
  const edited = edit(original);
  expect(edited).not.toBe(original);
  writeFileSync(path, edited);
  try {
    return await fn();
  } finally {
    writeFileSync(path, original);
  }
}

/** Starts a process holding a read-write DuckDB connection to `path` until it is killed. */
async function holdDatabase(path: string): Promise<ChildProcess> {
  const script = [
    'import { DuckDBInstance } from "@duckdb/node-api";',
    "const instance = await DuckDBInstance.create(process.argv[1]);",
    'await (await instance.connect()).run("select 1");',
    'console.log("holding");',
    "setInterval(() => undefined, 1000);",
  ].join("\n");
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, path], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      if (chunk.includes("holding")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`the process holding ${path} exited early (${code})`)));
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

describe("a refresh that fails leaves the published warehouse and site untouched", () => {
  let lastGood: Awaited<ReturnType<typeof published>>;

  beforeAll(async () => {
    const first = await refresh();
    expect(first.status, `${first.stdout}\n${first.stderr}`).toBe(0);
    lastGood = await published();
    expect(lastGood.runId).toBe(runIdOf(first));
  }, 600_000);

  it("a model whose SQL does not parse: the file and the parser's complaint", async () => {
    const run = await withEditedFile(
      "models/core/channels.sql",
      (sql) => sql.replace("select * from staging.stg_order_system__channels", "selct * from staging.x"),
      () => refresh(),
    );
    expect(errorMessage(run)).toMatch(
      /^models\/core\/channels\.sql: SQL does not parse: syntax error at or near "selct" \(at character \d+\)\. A model is a single SELECT statement\.$/,
    );
    expect(await published()).toEqual(lastGood);
    expect(await recordedRun(runIdOf(run))).toMatchObject({
      status: "failed",
      error: expect.stringContaining("selct"),
    });
  }, 300_000);

  it("a model that parses but fails to run: the model, its file and DuckDB's message", async () => {
    const run = await withEditedFile(
      "models/core/channels.sql",
      (sql) => sql.replace("channel_name,", "channel_nmae,"),
      () => refresh(),
    );
    expect(errorMessage(run)).toMatch(
      /^Model core\.channels \(models\/core\/channels\.sql\) failed: Binder Error: Referenced column "channel_nmae" not found/,
    );
    expect(await published()).toEqual(lastGood);
  }, 300_000);

  it("a model test the data violates: the model, the test, the failing rows, and nothing published", async () => {
    const run = await withEditedFile(
      "models/core/channels.yml",
      (yml) =>
        yml.replace("accepted_values: [traditional, emerging, direct]", "accepted_values: [traditional, emerging]"),
      () => refresh(),
    );
    const message = errorMessage(run);
    expect(message).toMatch(/^1 model test\(s\) failed, so the warehouse was not published:/);
    expect(message).toContain(
      'core.channels — test "channel_group accepted_values" (models/core/channels.yml) failed: 1 failing row(s)',
    );
    expect(message).toContain('{"channel_group":"direct","occurrences":1}');
    expect(await published()).toEqual(lastGood);
    expect((await recordedRun(runIdOf(run))).status).toBe("failed");
  }, 300_000);

  it("the raw database held open by another process: which file, that another process holds it, what to do", async () => {
    // The refresh writes the raw database (loads, run log) and a new build file; the published file
    // is only replaced by a rename, so the raw database is the file another process can block.
    const holder = await holdDatabase(rawPath);
    let run: ChildResult;
    try {
      run = await refresh();
    } finally {
      await stop(holder);
    }
    const message = errorMessage(run);
    expect(message).toContain(`Could not open DuckDB file ${rawPath}: IO Error: Could not set lock on file`);
    expect(message).toMatch(new RegExp(`Another process holds ${rawPath} open .*\\. Close it and run again\\.$`));
    expect(run.stdout).not.toMatch(/▶ extract/); // stopped before any step
    expect(await published()).toEqual(lastGood);
  }, 300_000);

  it("a partner drop folder that does not exist: the folder and the setting to fix, before anything loads", async () => {
    const missing = join(dir, "no-such-drops");
    const missingConfig = join(dir, "missing-drops.yaml");
    writeFileSync(
      missingConfig,
      `data_dir: ${dataDir}\nsite_dir: ${siteDir}\nsources:\n  partner_files: { drop_dir: ${missing} }\n`,
    );
    const run = await refresh(missingConfig);
    expect(errorMessage(run)).toBe(
      `Partner drop folder ${missing} does not exist: create it or fix sources.partner_files.drop_dir.`,
    );
    expect(await recordedRun(runIdOf(run))).toMatchObject({ status: "failed", loads: 0 });
    expect(await published()).toEqual(lastGood);
  }, 300_000);

  it("an unknown source in the config: the setting and the name, before any file is opened", async () => {
    const unknownConfig = join(dir, "unknown-source.yaml");
    writeFileSync(unknownConfig, `data_dir: ${dataDir}\nsite_dir: ${siteDir}\nsources:\n  erp: { url: x }\n`);
    const rawBefore = statSync(rawPath).mtimeMs;
    const run = await refresh(unknownConfig);
    expect(errorMessage(run)).toBe(`Config file ${unknownConfig} is invalid:\n  sources: Unrecognized key: "erp"`);
    expect(statSync(rawPath).mtimeMs).toBe(rawBefore);
    expect(await published()).toEqual(lastGood);
  }, 300_000);

  it("after the failures are fixed the next refresh publishes, even with a reader holding the published file", async () => {
    const reader = await holdDatabase(warehousePath);
    let run: ChildResult;
    try {
      run = await refresh();
    } finally {
      await stop(reader);
    }
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const now = await published();
    expect(now.runId).toBe(runIdOf(run));
    expect(now.inode).not.toBe(lastGood.inode);
    expect(now.site).toBe(lastGood.site);
    lastGood = now;
  }, 300_000);

  describe("an order-system load whose counts do not reconcile", () => {
    let server: TestPostgres;
    const reconcileConfig = join(dir, "order-system.yaml");
    const reconcileData = join(dir, "order-system-data");

    beforeAll(async () => {
      server = await startPostgres();
      const client = new pg.Client({ connectionString: server.connectionString });
      await client.connect();
      // A source whose count and rows disagree: `regions` yields nothing to the count query and
      // five rows to the read that follows it (a per-session counter decides). The other tables
      // are absent, so those streams fail without touching raw.
      await client.query(`
        create schema erp;
        create function erp.calls() returns int language plpgsql volatile as $$
          declare n int := coalesce(nullif(current_setting('erp.calls', true), ''), '0')::int + 1;
          begin perform set_config('erp.calls', n::text, false); return n; end $$;
        create view erp.regions as
          select 'ZZ-' || g as region_id, 'Region ' || g as region_name, '区' || g as region_name_zh,
                 'East' as area, 1.5::float8 as population_millions, timestamp '2099-01-01' as updated_at
          from generate_series(1, 5) as g where erp.calls() > 5`);
      await client.end();
      // Its own data folder: raw data remembers which system it came from, and the demo company's data is never
      // kept beside a real order system's (test/orchestrate/source-identity.test.ts).
      writeFileSync(
        reconcileConfig,
        `data_dir: ${reconcileData}\nsite_dir: ${siteDir}\nsources:\n  order_system: { schema: erp }\n`,
      );
    }, 120_000);
    afterAll(() => server?.stop());

    async function rawRegions() {
      return withDatabase(
        join(reconcileData, "raw.duckdb"),
        async (c) => {
          const [rows] = await queryRows<{ n: number; planted: number }>(
            c,
            "select count(*) as n, count(*) filter (where region_id like 'ZZ-%') as planted from order_system.regions",
          );
          const [state] = await queryRows<{ state: string }>(
            c,
            "select state from meta.stream_state where source = 'order_system' and stream = 'regions'",
          );
          return { ...rows, state: state?.state };
        },
        { readOnly: true },
      );
    }

    it("a full read: the stream, the counts and that nothing was kept; the run exits non-zero", async () => {
      const run = await cli(["extract", "--full-refresh", "--config", reconcileConfig], {
        ORDER_SYSTEM_URL: server.connectionString,
      });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(1);
      expect(run.stderr).not.toContain(server.password);
      expect(run.stderr).toContain("extract finished with failed sources (their previous data was kept):");
      expect(run.stderr).toContain(
        "order_system.regions: Load of order_system.regions does not reconcile: the source reported 0 rows but 5 were read. " +
          "Nothing from this load was kept; check the source for rows changing during the extract, then run again.",
      );
      // nothing of the load that did not reconcile reached raw
      expect(await rawRegions()).toMatchObject({ n: 0, planted: 0 });
    }, 300_000);

    let beforeIncremental: Awaited<ReturnType<typeof rawRegions>>;
    let lastIncrementalRun: Awaited<ReturnType<typeof cli>>;

    it("an incremental read: the same message and a non-zero exit", async () => {
      beforeIncremental = await rawRegions();
      const run = await cli(["extract", "--config", reconcileConfig], { ORDER_SYSTEM_URL: server.connectionString });
      lastIncrementalRun = run;
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(1);
      expect(run.stderr).toContain("extract finished with failed sources (their previous data was kept):");
      expect(run.stderr).toContain(
        "order_system.regions: Load of order_system.regions does not reconcile: the source reported 0 rows but 5 were read.",
      );
    }, 300_000);

    // Each batch was merged (with its cursor) as it came, so the check at the end cannot undo them; the cursor must
    // go back to where the load started, so that the next run reads again whatever this one may have missed.
    it("an incremental read: the read position goes back to where the load started, and the message says so", async () => {
      expect(lastIncrementalRun.stderr).toContain(
        "The batches merged before the check stay in raw (real rows, by key), and the read position was put back " +
          "to where this load started, so the next run reads them all again",
      );
      const after = await rawRegions();
      expect(after.state).toEqual(beforeIncremental.state);
    });
  });
});
