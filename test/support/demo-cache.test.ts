// The demo warehouses' cache (demo-cache.ts): its key follows every input of a build, and only a complete cached
// build is ever used.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp-dir.js";
import {
  DEMO_BUILD_SKIPPED,
  demoCacheInputs,
  demoCacheKey,
  describeChanges,
  findCachedBuild,
  logFor,
  otherCachedBuilds,
  removeAbandoned,
  storeCachedBuild,
  type CacheInputs,
} from "./demo-cache.js";
import { REPO_ROOT } from "./paths.js";

const VERSIONS = { node: "v20.0.0", duckdb: "v1.4.2" };
const SETTINGS = { demo: { seed: 42, scale: 1, plants: true } };

function write(root: string, file: string, content: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
}

/** A project with one file of each kind of input. */
function project(): string {
  const root = tempDir("demo-cache-project-");
  write(root, "pipelines/orchestrate/refresh.ts", "export const refresh = 1;\n");
  write(root, "models/core/orders.sql", "-- grain: one row per order\nselect 1 as order_id\n");
  write(root, "models/core/orders.yml", "description: orders\n");
  write(root, "package-lock.json", '{ "lockfileVersion": 3 }\n');
  write(root, "test/support/demo-build.ts", "export const build = 1;\n");
  return root;
}

const inputsOf = (root: string, settings: unknown = SETTINGS, versions = VERSIONS) =>
  demoCacheInputs({ root, settings, versions });
const keyOf = (root: string, settings: unknown = SETTINGS, versions = VERSIONS) =>
  demoCacheKey(inputsOf(root, settings, versions));

describe("the demo cache's key", () => {
  it("is the same for the same inputs, whatever the order of the settings", () => {
    const root = project();
    expect(keyOf(root)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyOf(root)).toBe(keyOf(root));
    expect(keyOf(root, { demo: { plants: true, scale: 1, seed: 42 } })).toBe(keyOf(root));
  });

  it("changes when a model file's content changes, and says which file", () => {
    const root = project();
    const before = inputsOf(root);
    write(root, "models/core/orders.sql", "-- grain: one row per order\nselect 2 as order_id\n");
    const after = inputsOf(root);
    expect(demoCacheKey(after)).not.toBe(demoCacheKey(before));
    expect(describeChanges(before, after)).toBe("models/core/orders.sql changed");
  });

  it("changes when a macro file the models call changes (models/macros/), and says which file", () => {
    const root = project();
    write(
      root,
      "models/macros/ratios.sql",
      "create or replace macro macros.ratio_or_null(n, d) as n / nullif(d, 0);\n",
    );
    const before = inputsOf(root);
    write(root, "models/macros/ratios.sql", "create or replace macro macros.ratio_or_null(n, d) as n / d;\n");
    const after = inputsOf(root);
    expect(demoCacheKey(after)).not.toBe(demoCacheKey(before));
    expect(describeChanges(before, after)).toBe("models/macros/ratios.sql changed");
  });

  it("changes with a pipeline file, a model added or removed, the lockfile, the build script and the settings", () => {
    const root = project();
    let previous = keyOf(root);
    const changes: Array<[string, () => string]> = [
      [
        "a pipeline file",
        () => (write(root, "pipelines/orchestrate/refresh.ts", "export const refresh = 2;\n"), keyOf(root)),
      ],
      ["a model added", () => (write(root, "models/marts/new_mart.sql", "select 1\n"), keyOf(root))],
      ["a model removed", () => (rmSync(path.join(root, "models/marts/new_mart.sql")), keyOf(root))],
      [
        "the lockfile",
        () => (write(root, "package-lock.json", '{ "lockfileVersion": 3, "packages": {} }\n'), keyOf(root)),
      ],
      ["the build script", () => (write(root, "test/support/demo-build.ts", "export const build = 2;\n"), keyOf(root))],
      ["the settings", () => keyOf(root, { demo: { seed: 42, scale: 1, plants: false } })],
      ["the Node version", () => keyOf(root, SETTINGS, { ...VERSIONS, node: "v22.0.0" })],
      ["the DuckDB version", () => keyOf(root, SETTINGS, { ...VERSIONS, duckdb: "v1.5.0" })],
    ];
    const seen: string[] = [previous];
    for (const [what, change] of changes) {
      const key = change();
      expect(key, `${what} changes the key`).not.toBe(previous);
      seen.push((previous = key));
    }
    // content, not history: removing the model added gives back the key from before it was added
    expect(seen[3]).toBe(seen[1]);
    expect(new Set(seen).size).toBe(seen.length - 1);
  });

  it("covers the files of pipelines/ a refresh runs, models/, the lockfile and the running Node and DuckDB", () => {
    const inputs = demoCacheInputs({ root: REPO_ROOT, settings: SETTINGS });
    const files = Object.keys(inputs).filter((name) => name.startsWith("file:"));
    expect(files).toContain("file:package-lock.json");
    expect(files).toContain("file:test/support/demo-build.ts");
    expect(files).toContain("file:pipelines/orchestrate/refresh.ts");
    expect(files).toContain("file:models/marts/warehouse_status.sql");
    expect(files.filter((f) => f.startsWith("file:models/")).length).toBeGreaterThan(100);
    // The report site's build and the bench never run in a refresh without reports; the brief's number units do.
    expect(files.filter((f) => f.startsWith("file:pipelines/site/"))).toEqual([
      "file:pipelines/site/evidence-offline/chinese-units.js",
    ]);
    expect(files.filter((f) => f.startsWith("file:pipelines/dev-tools/"))).toEqual([]);
  });

  it("leaves out only code a refresh without reports never imports", () => {
    // What the rest of pipelines/ imports statically from the skipped folders must be in the key; the refresh reaches
    // the site's build through dynamic imports, run only when it builds reports.
    const imported: string[] = [];
    for (const file of readdirSync(path.join(REPO_ROOT, "pipelines"), { recursive: true, encoding: "utf8" })) {
      const relative = `pipelines/${file}`;
      if (!/\.(ts|js|mjs)$/.test(file) || DEMO_BUILD_SKIPPED.some((skipped) => relative.startsWith(`${skipped}/`)))
        continue;
      const text = readFileSync(path.join(REPO_ROOT, relative), "utf8");
      for (const [, target] of text.matchAll(/^import\s[^;]*?from\s+"(\.[^"]+)"/gm)) {
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(relative), target!));
        if (DEMO_BUILD_SKIPPED.some((skipped) => resolved.startsWith(`${skipped}/`))) imported.push(`file:${resolved}`);
      }
    }
    expect(imported.length).toBeGreaterThan(0);
    const inputs = demoCacheInputs({ root: REPO_ROOT, settings: SETTINGS });
    expect(imported.filter((file) => !(file in inputs))).toEqual([]);
    expect(inputs["node"]).toBe(process.version);
    expect(inputs["duckdb"]).toMatch(/^v?\d+\.\d+/);
  });
});

/** A finished build's data folder, as a refresh leaves it (only the files the cache checks). */
function builtDataDir(): string {
  const dir = tempDir("demo-cache-data-");
  write(dir, "warehouse.duckdb", "warehouse");
  write(dir, "raw.duckdb", "raw");
  write(dir, "demo/manifest.json", "{}");
  return dir;
}

const record = (variant: string, key: string, inputs: CacheInputs = {}) => ({
  variant,
  key,
  runId: `run-${key}`,
  log: ["refresh run-1", "  published DATA/warehouse.duckdb"],
  inputs,
});

describe("the demo cache's folders", () => {
  it("finds a stored build with its run id and log, the log naming the copy's folder", async () => {
    const cacheDir = tempDir("demo-cache-");
    const dataDir = builtDataDir();
    await storeCachedBuild(cacheDir, dataDir, { ...record("planted", "k1"), log: [`  published ${dataDir}/w`] });
    const found = findCachedBuild(cacheDir, "planted", "k1");
    expect(found?.record.runId).toBe("run-k1");
    expect(logFor(found!.record, "/elsewhere")).toEqual(["  published /elsewhere/w"]);
    expect(existsSync(path.join(found!.dataDir, "warehouse.duckdb"))).toBe(true);
    // nothing half written is left beside it
    expect(readdirSync(cacheDir)).toEqual(["planted-k1"]);
    // another key or variant is a miss
    expect(findCachedBuild(cacheDir, "planted", "k2")).toBeUndefined();
    expect(findCachedBuild(cacheDir, "clean", "k1")).toBeUndefined();
  });

  it("never uses an incomplete folder: no record, a file missing, or one still being written", async () => {
    const cacheDir = tempDir("demo-cache-");
    // killed before the record was written: the folder holds the data but no build.json
    const noRecord = path.join(cacheDir, "planted-k1");
    mkdirSync(noRecord);
    for (const file of ["warehouse.duckdb", "raw.duckdb", "demo/manifest.json"]) write(noRecord, `data/${file}`, "x");
    expect(findCachedBuild(cacheDir, "planted", "k1")).toBeUndefined();

    // a record, but the published warehouse is missing
    await storeCachedBuild(cacheDir, builtDataDir(), record("clean", "k2"));
    expect(findCachedBuild(cacheDir, "clean", "k2")).toBeDefined();
    const partial = tempDir("demo-cache-data-");
    write(partial, "raw.duckdb", "raw");
    write(partial, "demo/manifest.json", "{}");
    const other = tempDir("demo-cache-");
    await storeCachedBuild(other, partial, record("clean", "k2"));
    expect(findCachedBuild(other, "clean", "k2")).toBeUndefined();

    // a complete build still under its temporary name is not found either
    const writing = tempDir("demo-cache-");
    await storeCachedBuild(writing, builtDataDir(), record("planted", "k3"));
    renameSync(path.join(writing, "planted-k3"), path.join(writing, `.tmp-planted-k3-${process.pid}`));
    expect(findCachedBuild(writing, "planted", "k3")).toBeUndefined();
  });

  it("replaces a broken folder under the final name when the build is stored again", async () => {
    const cacheDir = tempDir("demo-cache-");
    mkdirSync(path.join(cacheDir, "planted-k1", "data"), { recursive: true });
    await storeCachedBuild(cacheDir, builtDataDir(), record("planted", "k1"));
    expect(findCachedBuild(cacheDir, "planted", "k1")?.record.runId).toBe("run-k1");
  });

  it("keeps only the newest build of a variant, and leaves the other variant's alone", async () => {
    const cacheDir = tempDir("demo-cache-");
    await storeCachedBuild(cacheDir, builtDataDir(), record("planted", "old", { "file:models/a.sql": "1" }));
    await storeCachedBuild(cacheDir, builtDataDir(), record("clean", "c1"));
    // before the new build is stored, the old one is what it replaces, and says what changed since
    const [previous] = otherCachedBuilds(cacheDir, "planted", "new");
    expect(previous?.key).toBe("old");
    expect(describeChanges(previous!.inputs, { "file:models/a.sql": "2" })).toBe("models/a.sql changed");
    await storeCachedBuild(cacheDir, builtDataDir(), record("planted", "new"));
    expect(readdirSync(cacheDir).sort()).toEqual(["clean-c1", "planted-new"]);
  });

  it("removes what an ended run left half written or half removed, not what a live run is writing", () => {
    const cacheDir = tempDir("demo-cache-");
    const deadPid = 4_194_305; // above Linux's highest pid: no such process
    for (const name of [`.tmp-planted-k1-${deadPid}`, `.stale-clean-k0-${deadPid}`, `.tmp-clean-k2-${process.pid}`])
      mkdirSync(path.join(cacheDir, name));
    removeAbandoned(cacheDir);
    expect(readdirSync(cacheDir)).toEqual([`.tmp-clean-k2-${process.pid}`]);
  });
});
