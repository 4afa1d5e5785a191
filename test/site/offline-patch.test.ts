// The install-time fix for Evidence offline (pipelines/site/evidence-offline/apply.mjs): it refuses, loudly,
// anything but the exact package it was written for, it is idempotent, and the installed package behaves as patched
// (these tests fail if someone reinstalls node_modules without the postinstall step).
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EvidenceOfflinePatchError,
  PATCHED_FILES,
  UPSTREAM_SUFFIX,
  applyEvidenceOfflinePatch,
  findPackageRoot,
  isEvidenceOfflinePatchInstalled,
} from "../../pipelines/site/evidence-offline/apply.mjs";
import { REPO_ROOT } from "./helpers/shared-site.js";

const APPLY_SCRIPT = path.join(REPO_ROOT, "pipelines/site/evidence-offline/apply.mjs");
let scratch: string;

/** A copy of the installed (patched) universal-sql package, with changes. */
async function fakePackage(name: string, change?: (root: string) => Promise<void>): Promise<string> {
  const root = path.join(scratch, name);
  await cp(findPackageRoot(), root, { recursive: true });
  await change?.(root);
  return root;
}

async function setVersion(root: string, version: string): Promise<void> {
  const manifestPath = path.join(root, "package.json");
  const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as { version: string };
  await writeFile(manifestPath, JSON.stringify({ ...manifest, version }, null, 2));
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "evidence-offline-patch-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("apply.mjs", () => {
  it("refuses another version of @evidence-dev/universal-sql, saying which and what to do", async () => {
    const root = await fakePackage("wrong-version", (r) => setVersion(r, "3.0.2"));
    expect(() => applyEvidenceOfflinePatch({ packageRoot: root, log: () => undefined })).toThrow(
      EvidenceOfflinePatchError,
    );
    expect(() => applyEvidenceOfflinePatch({ packageRoot: root, log: () => undefined })).toThrow(
      /REFUSING.*@evidence-dev\/universal-sql@3\.0\.2.*exactly @evidence-dev\/universal-sql@3\.0\.1.*What to do/s,
    );
  });

  it("fails the install loudly: non-zero exit and a banner on stderr", async () => {
    const root = await fakePackage("wrong-version-cli", (r) => setVersion(r, "3.1.0"));
    const run = promisify(execFile)(process.execPath, [APPLY_SCRIPT, "--package-root", root]);
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/!{20}[\s\S]*REFUSING[\s\S]*3\.1\.0/),
    });
  });

  it("refuses a file whose content it does not know, and writes nothing", async () => {
    const root = await fakePackage("changed-file", async (r) => {
      await writeFile(path.join(r, "src/client-duckdb/node.js"), "// someone else's patch\n");
    });
    const browserBefore = await readFile(path.join(root, "src/client-duckdb/browser.js"), "utf8");
    expect(() => applyEvidenceOfflinePatch({ packageRoot: root, log: () => undefined })).toThrow(
      /src\/client-duckdb\/node\.js .*unexpected content/,
    );
    expect(await readFile(path.join(root, "src/client-duckdb/node.js"), "utf8")).toBe("// someone else's patch\n");
    expect(await readFile(path.join(root, "src/client-duckdb/browser.js"), "utf8")).toBe(browserBefore);
  });

  it("is idempotent: an already patched package is recognised and left alone", async () => {
    const root = await fakePackage("patched");
    const before = await Promise.all(PATCHED_FILES.map((f) => readFile(path.join(root, f.target), "utf8")));
    const steps = applyEvidenceOfflinePatch({ packageRoot: root, log: () => undefined });
    expect(steps.map((s) => s.action)).toEqual(PATCHED_FILES.map(() => "up-to-date"));
    const after = await Promise.all(PATCHED_FILES.map((f) => readFile(path.join(root, f.target), "utf8")));
    expect(after).toEqual(before);
  });

  it("re-installs over a copy from an earlier revision of the patch (recognised by its marker)", async () => {
    const root = await fakePackage("older-patch", async (r) => {
      const file = path.join(r, "src/client-duckdb/node.js");
      await writeFile(file, `${await readFile(file, "utf8")}\n// an older revision\n`);
    });
    const steps = applyEvidenceOfflinePatch({ packageRoot: root, log: () => undefined });
    expect(steps.find((s) => s.target === "src/client-duckdb/node.js")?.action).toBe("replace");
    expect(isEvidenceOfflinePatchInstalled(root)).toBe(true);
  });

  it("applies its diffs to the upstream files, keeping each upstream file beside, as a fresh install does", async () => {
    const patched = PATCHED_FILES.filter((f) => f.patch !== undefined);
    expect(patched.map((f) => f.target)).toEqual([
      "src/client-duckdb/browser.js",
      "src/client-duckdb/both.js",
      "src/build-parquet.js",
      "src/cache-duckdb.js",
    ]);
    const installed = await fakePackage("as-installed");
    const root = await fakePackage("fresh", async (r) => {
      // what npm leaves: the upstream files, nothing beside them
      for (const f of patched) {
        await cp(path.join(r, f.target + UPSTREAM_SUFFIX), path.join(r, f.target));
        await rm(path.join(r, f.target + UPSTREAM_SUFFIX));
      }
    });
    const steps = applyEvidenceOfflinePatch({ packageRoot: root, log: () => undefined });
    for (const f of patched) {
      expect(steps.find((s) => s.target === f.target)?.action, f.target).toBe("replace");
      expect(await readFile(path.join(root, f.target), "utf8")).toBe(
        await readFile(path.join(installed, f.target), "utf8"),
      );
      expect(await readFile(path.join(root, f.target + UPSTREAM_SUFFIX), "utf8")).toBe(
        await readFile(path.join(installed, f.target + UPSTREAM_SUFFIX), "utf8"),
      );
    }
    expect(isEvidenceOfflinePatchInstalled(root)).toBe(true);
  });

  it("re-applies a changed diff to the upstream file kept beside, not on top of the old result", async () => {
    const root = await fakePackage("patched-by-an-older-diff", async (r) => {
      const file = path.join(r, "src/client-duckdb/both.js");
      await writeFile(file, `${await readFile(file, "utf8")}\n// what an older revision of both.js.patch added\n`);
    });
    expect(isEvidenceOfflinePatchInstalled(root)).toBe(false);
    const steps = applyEvidenceOfflinePatch({ packageRoot: root, log: () => undefined });
    expect(steps.find((s) => s.target === "src/client-duckdb/both.js")?.action).toBe("replace");
    expect(await readFile(path.join(root, "src/client-duckdb/both.js"), "utf8")).not.toContain("an older revision");
    expect(isEvidenceOfflinePatchInstalled(root)).toBe(true);
  });

  it("refuses a patched file whose upstream copy is gone or changed: it cannot know the original", async () => {
    const root = await fakePackage("upstream-lost", async (r) => {
      await rm(path.join(r, `src/client-duckdb/both.js${UPSTREAM_SUFFIX}`));
    });
    expect(() => applyEvidenceOfflinePatch({ packageRoot: root, log: () => undefined })).toThrow(
      /src\/client-duckdb\/both\.js .*unexpected content.*What to do/s,
    );
  });

  it("refuses another version of the Evidence CLI (its page watcher is patched too)", async () => {
    const root = path.join(scratch, "evidence-cli-wrong-version");
    await cp(findPackageRoot("@evidence-dev/evidence"), root, {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}template${path.sep}`),
    });
    await setVersion(root, "40.2.0");
    expect(() => applyEvidenceOfflinePatch({ packageRoot: root, log: () => undefined })).toThrow(
      /REFUSING.*@evidence-dev\/evidence@40\.2\.0.*exactly @evidence-dev\/evidence@40\.1\.8.*What to do/s,
    );
  });

  it("refuses a directory that is not the package at all", async () => {
    const root = path.join(scratch, "empty");
    await mkdir(root, { recursive: true });
    expect(() => applyEvidenceOfflinePatch({ packageRoot: root, log: () => undefined })).toThrow(/no package\.json/);
  });
});

describe("the installed @evidence-dev/universal-sql", () => {
  it("carries the offline patch (run `npm install` or apply.mjs if this fails)", () => {
    expect(isEvidenceOfflinePatchInstalled()).toBe(true);
  });

  it("comes with an Evidence CLI whose page watcher survives a file that vanished", async () => {
    const cli = await readFile(path.join(findPackageRoot("@evidence-dev/evidence"), "cli.js"), "utf8");
    expect(cli).toContain("const syncFile = guarded('copy'");
    expect(cli).toContain("if (error && error.code === 'ENOENT') return;");
  });

  it("has a node client on native DuckDB whose query() answers synchronously, parquet included", async () => {
    // Import the package's own node entry, exactly as Evidence's SSR and `evidence sources` do.
    const entry = createRequire(import.meta.url).resolve("@evidence-dev/universal-sql");
    const client = (await import(pathToFileURL(path.join(path.dirname(entry), "client-duckdb/node.js")).href)) as {
      EVIDENCE_OFFLINE_CLIENT?: string;
      initDB(): Promise<void>;
      setParquetURLs(urls: Record<string, string[]>, append?: boolean): Promise<void>;
      query(
        sql: string,
      ): Record<string, unknown>[] & { _evidenceColumnTypes: Array<{ name: string; evidenceType: string }> };
    };
    expect(client.EVIDENCE_OFFLINE_CLIENT).toBe("native-duckdb-worker");
    await client.initDB();

    // The stock client hangs here without network: COPY ... TO parquet and read_parquet need DuckDB's parquet
    // extension, which DuckDB-WASM downloads.
    const file = path.join(scratch, "orders.parquet").replaceAll("'", "''");
    const copied = client.query(
      `COPY (select 'cn-east' as region, 12.5::decimal(18,2) as revenue, 3::bigint as orders, date '2025-06-01' as month, true as is_open) ` +
        `TO '${file}' (FORMAT 'PARQUET', CODEC 'ZSTD')`,
    );
    expect(copied).not.toBeInstanceOf(Promise);
    await client.setParquetURLs({ demo: [path.join(scratch, "orders.parquet")] });

    const rows = client.query("select * from demo.orders");
    expect(rows).not.toBeInstanceOf(Promise); // synchronous, as +layout.js and the sdk's query store call it
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { region: "cn-east", revenue: 12.5, orders: 3, month: new Date(Date.UTC(2025, 5, 1)), is_open: true },
    ]);
    expect(rows._evidenceColumnTypes.map((c) => `${c.name}:${c.evidenceType}`)).toEqual([
      "region:string",
      "revenue:number",
      "orders:number",
      "month:date",
      "is_open:boolean",
    ]);
    expect(() => client.query("select * from demo.no_such_table")).toThrow(/no_such_table/);

    // Source tables are read into memory once (a view would decode the file on every query): the table outlives its
    // file, and a new file (a preview's sources run again) is read again.
    const rewritten = path.join(scratch, "orders.parquet");
    await rm(rewritten);
    expect(client.query("select count(*) as n from demo.orders").map((r) => ({ ...r }))).toEqual([{ n: 1 }]);
    client.query(`COPY (select 'cn-west' as region from range(3)) TO '${file}' (FORMAT 'PARQUET')`);
    await client.setParquetURLs({ demo: [rewritten] });
    expect(client.query("select region, count(*) as n from demo.orders group by all").map((r) => ({ ...r }))).toEqual([
      { region: "cn-west", n: 3 },
    ]);
  });

  it("runs a query that another page already ran once per build, whatever Evidence names it", async () => {
    // Evidence writes each query with a comment naming it and a random alias, so the same query on 124 pages ran
    // 124 times; the prerender's cache (cache-duckdb.js, patched) now knows it by its SQL alone.
    const entry = createRequire(import.meta.url).resolve("@evidence-dev/universal-sql");
    const cache = (await import(pathToFileURL(path.join(path.dirname(entry), "cache-duckdb.js")).href)) as {
      cache_for_hash(
        sql: string,
        data: unknown,
        options: { route_hash: string; additional_hash: string; query_name: string; prerendering: boolean },
      ): void;
      get_arrow_if_sql_already_run(sql: string): { toArray(): Array<{ toJSON(): unknown }> } | null;
      get_all_page_queries(route: string, additional: string): string;
    };
    // The apache-arrow instance cache-duckdb.js serialises with (it resolves it beside @duckdb/duckdb-wasm).
    const arrow = createRequire(createRequire(import.meta.url).resolve("@duckdb/duckdb-wasm"))(
      "apache-arrow",
    ) as typeof import("apache-arrow");
    const status = new arrow.Table({ as_of_date: arrow.vectorFromArray(["2026-10-31"], new arrow.Utf8()) });
    const body = "SELECT * FROM (select as_of_date from warehouse.warehouse_status\n) AS";
    const workDir = path.join(scratch, "prerender");
    await mkdir(workDir, { recursive: true });
    const cwd = process.cwd();
    process.chdir(workDir); // the cache writes under ./.evidence-queries and ./.svelte-kit, as in a build
    try {
      cache.cache_for_hash(`---- Data warehouse_status 1rekbi4\n${body} "inputQuery-0Q"\n`, status, {
        route_hash: "brief",
        additional_hash: "none",
        query_name: "warehouse_status_data",
        prerendering: true,
      });
      const again = cache.get_arrow_if_sql_already_run(`---- Data status_on_other_page 9zz\n${body} "inputQuery-JN"\n`);
      expect(again?.toArray().map((row) => row.toJSON())).toEqual([{ as_of_date: "2026-10-31" }]);
      expect(
        cache.get_arrow_if_sql_already_run(`---- Data x 1\n${body.replace("as_of_date", "1")} "inputQuery-JN"`),
      ).toBe(null);

      // A page's list of queries is written once the render yields; reading it first still sees every query.
      cache.cache_for_hash(`---- Data other 2\nselect 2 "inputQuery-AB"`, status, {
        route_hash: "brief",
        additional_hash: "none",
        query_name: "other_data",
        prerendering: true,
      });
      expect(Object.keys(JSON.parse(cache.get_all_page_queries("brief", "none")) as object)).toEqual([
        "warehouse_status_data",
        "other_data",
      ]);
      await new Promise((resolve) => setImmediate(resolve));
      const prerendered = JSON.parse(
        await readFile(".svelte-kit/output/prerendered/dependencies/api/brief/none/all-queries.json", "utf8"),
      ) as Record<string, string>;
      expect(Object.keys(prerendered)).toEqual(["warehouse_status_data", "other_data"]);
      expect(prerendered["other_data"]).toBe(prerendered["warehouse_status_data"]); // same rows, one file
    } finally {
      process.chdir(cwd);
    }
  });

  it("has a browser client that loads source tables with parquet-wasm instead of DuckDB's parquet extension", async () => {
    const entry = createRequire(import.meta.url).resolve("@evidence-dev/universal-sql");
    const browserClient = await readFile(path.join(path.dirname(entry), "client-duckdb/browser.js"), "utf8");
    expect(browserClient).toContain("insertArrowFromIPCStream");
    expect(browserClient).toContain("parquet-wasm/esm/arrow1.js");
  });

  it("keeps a missing date missing in query results (upstream showed it as 1970-01-01)", async () => {
    const entry = createRequire(import.meta.url).resolve("@evidence-dev/universal-sql");
    const both = (await import(pathToFileURL(path.join(path.dirname(entry), "client-duckdb/both.js")).href)) as {
      arrowTableToJSON: (table: unknown) => Array<Record<string, unknown>>;
    };
    const arrow = createRequire(import.meta.url)("apache-arrow") as typeof import("apache-arrow");
    const table = new arrow.Table({
      region: arrow.vectorFromArray(["CN-GX", "CN-GD"], new arrow.Utf8()),
      authorised_from: arrow.vectorFromArray([Date.UTC(2024, 7, 29), null], new arrow.DateMillisecond()),
    });
    const rows = both.arrowTableToJSON(table).map((row) => ({ ...row }));
    expect(rows).toEqual([
      { region: "CN-GX", authorised_from: new Date(Date.UTC(2024, 7, 29)) },
      { region: "CN-GD", authorised_from: null },
    ]);
  });
});
