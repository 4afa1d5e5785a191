// One Evidence build per test run, shared by every test file that needs the built site.
//
// An Evidence build takes about 90 s here, so it must not run once per test file. Test files run in separate
// worker processes (or threads), so they agree through the file system: the first to ask takes a lock directory,
// builds, and records the result under the run's key; the others wait for that record. The key identifies the
// vitest run (its main process id plus that process's start time), so a new `npm test` always builds afresh -- a
// site left from an earlier run (maybe built online) proves nothing about this one.
//
// test/reports/global-setup.ts calls the same function from vitest's main process, for those who prefer to pay
// for the build up front; it is optional: without it the first reports test builds lazily, and runs that select no
// reports test do not build at all.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";
import { buildReports } from "../../../pipelines/reports/build-reports.js";
import { WORKSPACES_DIR } from "../../../pipelines/reports/workspace.js";
import { createStandInWarehouse } from "./stand-in-warehouse.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Scratch space for test artifacts, inside the gitignored workspaces directory (same disk as the workspaces). */
export const TEST_SCRATCH = path.join(REPO_ROOT, WORKSPACES_DIR, "tests");

export interface SharedSite {
  /** The stand-in warehouse the site was built from. */
  warehousePath: string;
  /** The built site (what build/ would hold). */
  siteDir: string;
  /** Wall-clock time of the stand-in warehouse + `evidence sources` + `evidence build`. */
  buildMs: number;
  /** Whether the build ran with no network interface but loopback (as under the offline wrapper). */
  ranOffline: boolean;
  /** Evidence's output, for diagnosing a failure. */
  log: string[];
}

interface Record_ {
  runKey: string;
  site?: SharedSite;
  error?: string;
}

const STATE_DIR = path.join(TEST_SCRATCH, "shared-site");
const RECORD_FILE = path.join(STATE_DIR, "record.json");
const LOCK_DIR = path.join(TEST_SCRATCH, "shared-site.lock");

/** Identifies this vitest run: the main vitest process (our parent in the forks pool, ourselves in threads). */
export function vitestRunKey(): string {
  const mainPid = process.env.VITEST_POOL_ID !== undefined && isMainThread ? process.ppid : process.pid;
  let started = "";
  try {
    // Field 22 of /proc/<pid>/stat is the start time: it tells a reused pid from the original.
    started = readFileSync(`/proc/${mainPid}/stat`, "utf8").split(") ")[1]?.split(" ")[19] ?? "";
  } catch {
    // Not Linux: the pid alone will do.
  }
  return `${mainPid}:${started}`;
}

/** True when no network interface other than loopback is up (how the offline wrapper runs us). */
export function networkIsOff(): boolean {
  return Object.entries(os.networkInterfaces()).every(([, addresses]) =>
    (addresses ?? []).every((address) => address.internal),
  );
}

async function readRecord(): Promise<Record_ | undefined> {
  try {
    return JSON.parse(await readFile(RECORD_FILE, "utf8")) as Record_;
  } catch {
    return undefined;
  }
}

function lockHolderIsGone(): boolean {
  try {
    const { pid } = JSON.parse(readFileSync(path.join(LOCK_DIR, "owner.json"), "utf8")) as { pid: number };
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // No owner file yet (just created) counts as held; a dead pid (ESRCH) means a crashed builder.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

async function build(runKey: string): Promise<Record_> {
  const started = Date.now();
  const log: string[] = [];
  const warehousePath = path.join(STATE_DIR, "warehouse.duckdb");
  const siteDir = path.join(STATE_DIR, "site");
  try {
    await createStandInWarehouse(warehousePath);
    await buildReports({
      repoRoot: REPO_ROOT,
      warehousePath,
      outDir: siteDir,
      workspaceName: "tests-shared-site",
      log: (line) => log.push(line),
    });
    return { runKey, site: { warehousePath, siteDir, buildMs: Date.now() - started, ranOffline: networkIsOff(), log } };
  } catch (error) {
    return { runKey, error: `${String(error)}\n--- output ---\n${log.slice(-60).join("\n")}` };
  }
}

/** Returns this run's built site, building it if no other test file has. */
export async function sharedSite(): Promise<SharedSite> {
  const runKey = vitestRunKey();
  await mkdir(STATE_DIR, { recursive: true });
  for (;;) {
    const record = await readRecord();
    if (record?.runKey === runKey) {
      if (record.site) return record.site;
      throw new Error(`The shared reports build failed in this run:\n${record.error ?? "(no message)"}`);
    }
    let locked = false;
    try {
      await mkdir(LOCK_DIR);
      locked = true;
    } catch {
      if (existsSync(LOCK_DIR) && lockHolderIsGone()) await rm(LOCK_DIR, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      continue;
    }
    try {
      await writeFile(path.join(LOCK_DIR, "owner.json"), JSON.stringify({ pid: process.pid }));
      const again = await readRecord();
      if (again?.runKey === runKey) continue;
      const result = await build(runKey);
      await writeFile(RECORD_FILE, JSON.stringify(result));
    } finally {
      if (locked) await rm(LOCK_DIR, { recursive: true, force: true });
    }
  }
}
