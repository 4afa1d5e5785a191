/**
 * Whether the live preview may keep the source data `evidence sources` wrote at its last start. Loading the sources
 * takes 10-15 s of every preview start, and an analyst restarting the preview (after a layout change, a crash, a
 * reboot) nearly always has the same warehouse as before. What the data depends on is stamped when it is written: the
 * warehouse file (its path, identity, size and modification time: a refresh publishes a new file by renaming it into
 * place), the source queries (sources/warehouse/*.sql), the Evidence changes that write the parquet files, and the
 * installed packages. A start whose stamp matches, with the data's manifest in place, skips the load; any difference
 * loads again. The stamp is removed before a load and written after it succeeds, so a load that failed or was killed
 * half-way is never taken for a complete one.
 *
 * Only the preview uses it: a site build always follows a refresh, which always publishes a new warehouse.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { EVIDENCE_CHANGES_DIR, filesUnder } from "./bundle-reuse.js";
import type { Workspace } from "./workspace.js";

/** Bumped when what goes into the stamp changes, so an older stamp never matches. */
const STAMP_FORMAT = 1;

function stampFile(workspace: Workspace): string {
  return path.join(workspace.dir, ".source-data-stamp");
}

/** The manifest `evidence sources` writes last, beside the parquet files (Evidence keeps static/ across starts). */
function manifestFile(workspace: Workspace): string {
  return path.join(workspace.dir, ".evidence", "template", "static", "data", "manifest.json");
}

/** The stamp of the source data `evidence sources` would write now from `warehousePath`. */
export async function sourceDataStamp(workspace: Workspace, warehousePath: string, repoRoot: string): Promise<string> {
  const hash = createHash("sha256");
  const add = (label: string, content: string | Buffer): void => {
    hash.update(`${label}\0${content.length}\0`);
    hash.update(content);
  };
  add("format", String(STAMP_FORMAT));
  const warehouse = await realpath(warehousePath);
  const file = await stat(warehouse);
  add("warehouse", `${warehouse}\0${file.dev}:${file.ino}\0${file.size}\0${file.mtimeMs}`);
  const sourcesDir = workspace.languagePages.sourcesDir ?? path.join(repoRoot, "sources");
  for (const dir of [sourcesDir, EVIDENCE_CHANGES_DIR]) {
    for (const source of await filesUnder(dir)) add(path.relative(repoRoot, source), await readFile(source));
  }
  add("packages", await readFile(path.join(repoRoot, "node_modules", ".package-lock.json")).catch(() => ""));
  return hash.digest("hex");
}

/** Whether the workspace holds complete source data stamped `stamp`. */
export async function sourceDataCurrent(workspace: Workspace, stamp: string): Promise<boolean> {
  if (!existsSync(manifestFile(workspace))) return false;
  const recorded = await readFile(stampFile(workspace), "utf8").catch(() => "");
  return recorded.trim() === stamp;
}

/** Before a load: whatever the workspace holds no longer counts as current. */
export async function forgetSourceData(workspace: Workspace): Promise<void> {
  await rm(stampFile(workspace), { force: true });
}

/** After a load that succeeded: its data is current for `stamp`. */
export async function recordSourceData(workspace: Workspace, stamp: string): Promise<void> {
  await writeFile(stampFile(workspace), `${stamp}\n`);
}
