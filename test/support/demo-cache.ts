/**
 * A cache of the demo company's built warehouses between test runs (test/support/demo-build.ts). A demo refresh
 * is deterministic given its inputs, so a finished build is kept under data/test/demo-cache/<variant>-<key>/ and
 * reused while the key is the same. The key is a content hash of everything that decides the result:
 *
 * - every file under models/ (the macros in models/macros/ with the models) and pipelines/ (generator, servers,
 *   extract, load, models runner, publish), except the report site's code and the dev tools (DEMO_BUILD_SKIPPED),
 *   which a refresh without reports never runs;
 * - package-lock.json (every dependency's exact version), the Node version and the DuckDB library version;
 * - the config the build passes (seed, scale, plants) and test/support/demo-build.ts, which passes it.
 *
 * sources/ is left out: it holds the report site's queries, which a refresh without reports (the tests' build) never
 * reads. A cache folder appears in one rename once it is complete (written under `.tmp-...` first), so a run
 * killed while storing leaves nothing a later run trusts; the newest build is the only one kept per variant.
 *
 * `DEMO_CACHE=off` builds afresh and neither reads nor writes the cache. CI (.ci/run) runs on a clean checkout,
 * whose data/ folder is empty, so it always builds afresh.
 *
 * Runs in vitest's main process (global setup): must not import "vitest".
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cp, rm } from "node:fs/promises";
import path from "node:path";
import { version as duckdbVersion } from "@duckdb/node-api";
import { processAlive } from "../../pipelines/shared/process-alive.js";

/** Bumped when the cache's own layout changes, so an older layout is never read as this one. */
const CACHE_FORMAT = "1";

/** Folders and files of the project whose content decides a demo build (paths relative to the project root). */
export const DEMO_BUILD_INPUTS: readonly string[] = [
  "pipelines",
  "models",
  "package-lock.json",
  "test/support/demo-build.ts",
];

/**
 * Folders under the inputs that a refresh without reports never runs: the report site's build (run only with reports)
 * and the benchmark. Site edits are the everyday work of report authors: they must not rebuild the demo warehouses.
 * The refresh does use one file of the site folder, the Chinese number units of the brief's robot messages: listed in
 * DEMO_BUILD_KEPT.
 */
export const DEMO_BUILD_SKIPPED: readonly string[] = ["pipelines/site", "pipelines/dev-tools"];
const DEMO_BUILD_KEPT: readonly string[] = ["pipelines/site/evidence-offline/chinese-units.js"];

/** What decides a build: one entry per input file (`file:<path>`, its content's hash) and per setting. */
export type CacheInputs = Readonly<Record<string, string>>;

/** What is saved beside a cached build: the refresh's run id and log, and the inputs it was built from. */
export interface CachedBuildRecord {
  readonly format: string;
  readonly variant: string;
  readonly key: string;
  readonly runId: string;
  readonly log: readonly string[];
  /** The data folder the build ran in: the log names it, and a copy's log names the copy instead. */
  readonly builtIn: string;
  readonly builtAt: string;
  readonly inputs: CacheInputs;
}

export interface CachedBuild {
  /** The cached copy of the build's data folder (copy it; never open it for writing). */
  readonly dataDir: string;
  readonly record: CachedBuildRecord;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** Every regular file under `dir` (relative to `root`, with `/`), sorted; node_modules is skipped. */
function filesUnder(root: string, dir: string): string[] {
  const full = path.join(root, dir);
  const found: string[] = [];
  for (const entry of readdirSync(full, { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory() && entry.name !== "node_modules") found.push(...filesUnder(root, rel));
    else if (entry.isFile()) found.push(rel);
  }
  return found.sort();
}

/** Object keys sorted at every level, so equal settings give the same text whatever their order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The inputs of a demo build: the content hash of each file of `inputs` under `root` (a folder stands for every file
 * in it; a missing one counts as absent), the build's settings, and the Node and DuckDB versions.
 */
export function demoCacheInputs(options: {
  readonly root: string;
  readonly settings: unknown;
  readonly inputs?: readonly string[];
  readonly versions?: { readonly node: string; readonly duckdb: string };
}): CacheInputs {
  const entries: Record<string, string> = {};
  for (const input of options.inputs ?? DEMO_BUILD_INPUTS) {
    const stat = statSync(path.join(options.root, input), { throwIfNoEntry: false });
    const files = (!stat ? [] : stat.isDirectory() ? filesUnder(options.root, input) : [input]).filter(
      (file) => DEMO_BUILD_KEPT.includes(file) || !DEMO_BUILD_SKIPPED.some((skipped) => file.startsWith(`${skipped}/`)),
    );
    if (!files.length) entries[`file:${input}`] = "absent";
    for (const file of files) entries[`file:${file}`] = sha256(readFileSync(path.join(options.root, file)));
  }
  entries["settings"] = stableJson(options.settings);
  const versions = options.versions ?? { node: process.version, duckdb: duckdbVersion() };
  entries["node"] = versions.node;
  entries["duckdb"] = versions.duckdb;
  entries["platform"] = `${process.platform}-${process.arch}`;
  entries["format"] = CACHE_FORMAT;
  return entries;
}

/** The entries of `dir` when it is a folder, else undefined. */
function readdirSafe(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

/** The cache key of a set of inputs: 16 hex digits of a hash over them all. */
export function demoCacheKey(inputs: CacheInputs): string {
  return sha256(stableJson(inputs)).slice(0, 16);
}

/** What differs between two sets of inputs, for a person: "models/core/orders.sql, the DuckDB version". */
export function describeChanges(before: CacheInputs | undefined, after: CacheInputs): string {
  if (!before) return "the cached build records no inputs";
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed = names.filter((name) => before[name] !== after[name]);
  if (!changed.length) return "the cache format changed";
  const label = (name: string) =>
    name.startsWith("file:")
      ? name.slice(5)
      : ({ settings: "the build settings", node: "the Node version", duckdb: "the DuckDB version" }[name] ?? name);
  const shown = changed.slice(0, 3).map(label).join(", ");
  return changed.length > 3 ? `${shown} and ${changed.length - 3} more changed` : `${shown} changed`;
}

const folderName = (variant: string, key: string) => `${variant}-${key}`;

/** The files a cached build must hold, besides build.json (relative to its data folder). */
const REQUIRED = ["warehouse.duckdb", "raw.duckdb", path.join("demo", "manifest.json")];

/** Reads a cache folder's record; undefined when it has none or one that cannot be read. */
function readRecord(dir: string): CachedBuildRecord | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, "build.json"), "utf8")) as CachedBuildRecord;
  } catch {
    return undefined;
  }
}

/**
 * The cached build of `variant` for `key`, or undefined. Only a complete one counts: its folder under its final name
 * (a build being stored is elsewhere until done), a readable build.json for this very variant, key and format, and
 * the files a test reads.
 */
export function findCachedBuild(cacheDir: string, variant: string, key: string): CachedBuild | undefined {
  const dir = path.join(cacheDir, folderName(variant, key));
  const record = readRecord(dir);
  if (!record || record.format !== CACHE_FORMAT || record.variant !== variant || record.key !== key) return undefined;
  if (typeof record.runId !== "string" || !Array.isArray(record.log)) return undefined;
  const dataDir = path.join(dir, "data");
  if (!REQUIRED.every((file) => existsSync(path.join(dataDir, file)))) return undefined;
  return { dataDir, record };
}

/** The cached builds of `variant` under other keys (the inputs changed since), newest first. */
export function otherCachedBuilds(cacheDir: string, variant: string, key: string): CachedBuildRecord[] {
  return (readdirSafe(cacheDir) ?? [])
    .filter((name) => name.startsWith(`${variant}-`) && name !== folderName(variant, key))
    .map((name) => readRecord(path.join(cacheDir, name)))
    .filter((record): record is CachedBuildRecord => record?.variant === variant)
    .sort((a, b) => (a.builtAt < b.builtAt ? 1 : -1));
}

/** Copies a cached build's data folder to `dataDir` (replacing it), for one run's own use. */
export async function copyCachedBuild(cached: CachedBuild, dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
  await cp(cached.dataDir, dataDir, { recursive: true });
}

/** The log of a cached build as the copy in `dataDir` would have printed it (paths name the copy). */
export function logFor(record: CachedBuildRecord, dataDir: string): string[] {
  return record.log.map((line) => line.split(record.builtIn).join(dataDir));
}

/**
 * Stores the finished build in `dataDir` as the cache of `variant` for `key`: copied into a temporary folder, its
 * record written last, then renamed into place in one step. Removes the variant's other (stale) builds. Another run
 * that stored the same key first wins; ours is dropped.
 */
export async function storeCachedBuild(
  cacheDir: string,
  dataDir: string,
  record: Omit<CachedBuildRecord, "format" | "builtIn" | "builtAt">,
): Promise<void> {
  const final = path.join(cacheDir, folderName(record.variant, record.key));
  const tmp = path.join(cacheDir, `.tmp-${folderName(record.variant, record.key)}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  try {
    await cp(dataDir, path.join(tmp, "data"), { recursive: true });
    const full: CachedBuildRecord = {
      format: CACHE_FORMAT,
      ...record,
      builtIn: dataDir,
      builtAt: new Date().toISOString(),
    };
    writeFileSync(path.join(tmp, "build.json"), `${JSON.stringify(full, null, 2)}\n`);
    if (existsSync(final) && !findCachedBuild(cacheDir, record.variant, record.key)) {
      await removeFolder(cacheDir, final); // a broken folder under the final name: replaced
    }
    try {
      renameSync(tmp, final);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
      // another run stored the same build meanwhile: keep theirs
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  for (const name of readdirSafe(cacheDir) ?? []) {
    if (name.startsWith(`${record.variant}-`) && name !== path.basename(final)) {
      await removeFolder(cacheDir, path.join(cacheDir, name));
    }
  }
}

/** Removes a cache folder: first renamed out of sight (a rename is atomic), so no run finds it half removed. */
async function removeFolder(cacheDir: string, dir: string): Promise<void> {
  const doomed = path.join(cacheDir, `.stale-${path.basename(dir)}-${process.pid}`);
  try {
    renameSync(dir, doomed);
  } catch {
    return; // already gone (another run removed it)
  }
  await rm(doomed, { recursive: true, force: true });
}

/** Removes what runs that have ended left half written or half removed (`.tmp-...-<pid>`, `.stale-...-<pid>`). */
export function removeAbandoned(cacheDir: string): void {
  for (const name of readdirSafe(cacheDir) ?? []) {
    const pid = Number(/^\.(?:tmp|stale)-.+-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  }
}
