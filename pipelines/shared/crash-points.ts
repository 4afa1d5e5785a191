/**
 * Named points where a refresh can be made to die, for the crash-safety test: with
 * WAREHOUSE_CRASH_AT=<point> (or <point>#<n> for its n-th passage) the process kills itself with
 * SIGKILL there — no cleanup, no finally blocks, exactly like the OOM killer or a power cut. Unset
 * (always, outside that test) a crash point costs one environment lookup.
 *
 * The same points can fill the disk instead, for the full-disk test: with
 * WAREHOUSE_FILL_DISK_AT=<point>[#<n>] and WAREHOUSE_FILL_DISK_FILE=<file>, the process writes
 * <file> there until the disk holding it has no room left, then carries on, so that every write
 * after that point meets the kernel's own "no space left on device", as when another program
 * fills the disk in the middle of a run.
 */
import { closeSync, openSync, writeSync } from "node:fs";

const target = process.env["WAREHOUSE_CRASH_AT"];
const [targetPoint, targetPassage = "1"] = (target ?? "").split("#");
let passages = 0;

const fillTarget = process.env["WAREHOUSE_FILL_DISK_AT"];
const fillFile = process.env["WAREHOUSE_FILL_DISK_FILE"];
const [fillPoint, fillPassage = "1"] = (fillTarget ?? "").split("#");
let fillPassages = 0;

export function crashPoint(point: string): void {
  if (fillTarget && fillFile && point === fillPoint && ++fillPassages === Number(fillPassage)) fillDisk(fillFile);
  if (!target || point !== targetPoint) return;
  passages++;
  if (passages === Number(targetPassage)) process.kill(process.pid, "SIGKILL");
}

/**
 * Appends to `file` until the disk refuses even a small write (ENOSPC): smaller and smaller writes fill the last pages.
 * Exported for the full-disk test, which fills its disk the same way before a run.
 */
export function fillDisk(file: string): void {
  const fd = openSync(file, "a");
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
      const chunk = Buffer.alloc(size, 0x78);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
