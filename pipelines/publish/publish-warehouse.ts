/**
 * Publishing is one rename: the freshly built, fully tested file replaces the published one.
 * Readers that already have the old file open keep reading it; new readers see the new one.
 * A refresh that fails or is killed before this point leaves the published warehouse untouched.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { crashPoint } from "../shared/crash-points.js";
import { DiskFullError } from "../shared/errors.js";

/**
 * Room the data folder must have left for a warehouse to be published: the run log records the publish in the
 * raw database beside it (a few pages of its write-ahead log, then a checkpoint), and the next run starts there.
 */
export const PUBLISH_HEADROOM_BYTES = 8 << 20;

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
  // The rename itself needs no room, but a warehouse published on a full disk could not be recorded as published:
  // the run log would say the run failed while readers see its warehouse. So on a full disk nothing is published.
  const folder = dirname(publishedPath);
  const { bavail, bsize } = statfsSync(folder);
  if (bavail * bsize < PUBLISH_HEADROOM_BYTES) {
    throw new DiskFullError(
      folder,
      `${folder} has ${Math.floor((bavail * bsize) / 1024)} KB free, under the ${PUBLISH_HEADROOM_BYTES >> 20} MB ` +
        "needed to record publishing: no space left on device, so the warehouse was not published",
    );
  }
  renameSync(buildPath, publishedPath);
  crashPoint("publish:after-rename");
  fsyncPath(dirname(publishedPath));
}
