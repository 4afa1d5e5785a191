/**
 * Expensive fixtures (a demo warehouse, an Evidence build) computed once per test run and shared by
 * every test file. Test files run in separate worker processes, so they agree through the file
 * system: the first to ask takes a lock directory, builds, and records the result under the run's
 * key; the others wait for that record. The key identifies the vitest run (its main process id plus
 * that process's start time), so a new `npm test` always builds afresh.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where shared fixtures live (inside the gitignored data folder). */
export const TEST_DATA_DIR = path.join(REPO_ROOT, "data", "test");

/** Identifies this vitest run: the main vitest process (our parent in the forks pool, ourselves in threads). */
export function vitestRunKey(): string {
  const mainPid = process.env["VITEST_POOL_ID"] !== undefined && isMainThread ? process.ppid : process.pid;
  let started = "";
  try {
    // Field 22 of /proc/<pid>/stat is the start time: it tells a reused pid from the original.
    started = readFileSync(`/proc/${mainPid}/stat`, "utf8").split(") ")[1]?.split(" ")[19] ?? "";
  } catch {
    // Not Linux: the pid alone will do.
  }
  return `${mainPid}:${started}`;
}

interface Record_<T> {
  runKey: string;
  value?: T;
  error?: string;
}

function holderIsGone(lockDir: string): boolean {
  try {
    const { pid } = JSON.parse(readFileSync(path.join(lockDir, "owner.json"), "utf8")) as { pid: number };
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // No owner file yet (just created) counts as held; a dead pid (ESRCH) means a crashed builder.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Returns `name`'s value for this test run, computing it with `build` if no other test file has. */
export async function sharedOnce<T>(name: string, build: () => Promise<T>): Promise<T> {
  const stateDir = path.join(TEST_DATA_DIR, "shared");
  const recordFile = path.join(stateDir, `${name}.json`);
  const lockDir = path.join(stateDir, `${name}.lock`);
  await mkdir(stateDir, { recursive: true });
  const runKey = vitestRunKey();
  const read = async (): Promise<Record_<T> | undefined> => {
    try {
      return JSON.parse(await readFile(recordFile, "utf8")) as Record_<T>;
    } catch {
      return undefined;
    }
  };
  for (;;) {
    const record = await read();
    if (record?.runKey === runKey) {
      if (record.error) throw new Error(`shared fixture ${name} failed to build:\n${record.error}`);
      return record.value as T;
    }
    try {
      await mkdir(lockDir);
    } catch {
      if (existsSync(lockDir) && holderIsGone(lockDir)) await rm(lockDir, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      continue;
    }
    try {
      await writeFile(path.join(lockDir, "owner.json"), JSON.stringify({ pid: process.pid }));
      if ((await read())?.runKey === runKey) continue;
      let result: Record_<T>;
      try {
        result = { runKey, value: await build() };
      } catch (error) {
        result = { runKey, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      }
      await writeFile(recordFile, JSON.stringify(result));
    } finally {
      await rm(lockDir, { recursive: true, force: true });
    }
  }
}
