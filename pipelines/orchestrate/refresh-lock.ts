/**
 * One refresh at a time per warehouse: a lock file in the data folder holding the owner's pid and
 * start time. A second refresh (a manual run while the nightly one works, or an overlapping
 * trigger) is refused with a message naming the holder; a lock left by a process that died is
 * detected (its pid is gone) and cleared.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { processAlive } from "../shared/process-alive.js";
import { PermanentError } from "../shared/errors.js";

export class RefreshLockedError extends PermanentError {
  constructor(
    readonly holder: LockHolder,
    lockPath: string,
  ) {
    super(
      `Another refresh is running (${describeHolder(holder)}). This one was skipped: run it again when that one ` +
        `has finished. If that process is gone, remove ${lockPath}.`,
    );
    this.name = "RefreshLockedError";
  }
}

/** The lock's holder for a message: `pid 4242, started 2026-11-27T18:15:00.000Z` (with its host if not this one). */
export function describeHolder(holder: LockHolder): string {
  const where = holder.host === hostname() ? "" : ` on ${holder.host}`;
  return `pid ${holder.pid}${where}, started ${holder.startedAt}`;
}

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly runId?: string;
}

export function lockPath(dataDir: string): string {
  return join(dataDir, "refresh.lock");
}

/** Takes the refresh lock or throws RefreshLockedError; returns the function that releases it. */
export function acquireRefreshLock(
  dataDir: string,
  runId?: string,
  log: (line: string) => void = () => undefined,
): () => void {
  const path = lockPath(dataDir);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    ...(runId ? { runId } : {}),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      try {
        writeSync(fd, JSON.stringify(me));
      } catch (error) {
        // A full disk takes the name but not the holder: leave no empty lock for the next run to puzzle over.
        closeSync(fd);
        rmSync(path, { force: true });
        throw error;
      }
      closeSync(fd);
      return () => {
        try {
          const holder = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
          if (holder.pid === me.pid && holder.startedAt === me.startedAt) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let holder: LockHolder | undefined;
      try {
        holder = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
      } catch {
        holder = undefined; // half-written by a process that died while taking it
      }
      // A holder on another host cannot be checked from here: respect it.
      if (holder && (holder.host !== hostname() || processAlive(holder.pid)))
        throw new RefreshLockedError(holder, path);
      log(
        `clearing a stale refresh lock left by ${holder ? `pid ${holder.pid} (no longer running)` : "an unfinished write"}`,
      );
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not take the refresh lock ${path}`);
}

/** Runs `fn` holding the refresh lock. */
export async function withRefreshLock<T>(
  dataDir: string,
  runId: string,
  log: (line: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const release = acquireRefreshLock(dataDir, runId, log);
  try {
    return await fn();
  } finally {
    release();
  }
}
