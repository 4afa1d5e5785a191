/**
 * Publishing is one rename: the freshly built, fully tested file replaces the published one.
 * Readers that already have the old file open keep reading it; new readers see the new one.
 * A refresh that fails or is killed before this point leaves the published warehouse untouched.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { crashPoint } from "../shared/crash-points.js";

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Atomically replaces `publishedPath` with the closed, checkpointed file at `buildPath`. */
export function publishWarehouse(buildPath: string, publishedPath: string): void {
  if (existsSync(`${buildPath}.wal`)) {
    throw new Error(`${buildPath} still has a write-ahead log: close (checkpoint) it before publishing`);
  }
  fsyncPath(buildPath);
  // A stale WAL beside the published name belongs to the old file and would be replayed into the new one.
  rmSync(`${publishedPath}.wal`, { force: true });
  crashPoint("publish:before-rename");
  renameSync(buildPath, publishedPath);
  crashPoint("publish:after-rename");
  fsyncPath(dirname(publishedPath));
}
