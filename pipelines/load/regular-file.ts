/**
 * Reading a dropped file's bytes, and only if it is a regular file inside its folder. Anyone who
 * can write to a drop folder could otherwise make the loader read what the warehouse process can
 * read and they cannot: a link `passwd_link.csv` -> /etc/passwd would put the password file's lines
 * into quarantine payloads and the run output. A named pipe would block the run forever (reading
 * one waits for a writer), and a directory named `x.csv` would fail the whole stream.
 *
 * So: lstat (which describes a link itself, never its target) must say "regular file", the file's
 * real path must lie in the folder's real path, and the file is then opened without following
 * links and checked again on the open descriptor, so nothing swapped in between is read.
 *
 * A hard link passes all of that: it is a regular file whose path lies in the folder, yet it is the
 * very same file as one outside (`ln /etc/shadow drops/x.csv` on the same disk). Nothing tells which
 * of its names came first, so a file with more than one name is not read at all; a partner's tool or
 * a person copies the file in instead (a copy has one name).
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
} from "node:fs";
import type { Stats } from "node:fs";
import { basename, dirname, sep } from "node:path";

/** A folder entry the loader will not read: what it is, and a hash standing in for its content. */
export interface NotRegularFile {
  readonly notRegular: true;
  /** What the entry is: "symbolic link", "named pipe", "directory", ... */
  readonly kind: string;
  readonly reason: string;
  /**
   * Identifies the entry in meta.file_loads (so the same link is reported once, not every run) from
   * its name, its kind and, for a link, where it points — never from the target's content.
   */
  readonly sha256: string;
}

function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return "symbolic link";
  if (stats.isFIFO()) return "named pipe";
  if (stats.isDirectory()) return "directory";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "device";
  if (stats.isSocket()) return "socket";
  return "not a file";
}

function notRegular(path: string, kind: string, identity = ""): NotRegularFile {
  const advice = kind === "symbolic link" ? "the file itself, not a link to it" : "the file itself";
  return {
    notRegular: true,
    kind,
    reason:
      kind === "hard link"
        ? "a hard link in the drop folder (the same file also has a name elsewhere, perhaps outside the folder): " +
          "copy the file into the folder instead of linking it"
        : `not a regular file in the drop folder (${kind}): partners must drop ${advice}`,
    sha256: createHash("sha256")
      .update(`not a regular file\0${basename(path)}\0${kind}\0${identity}`)
      .digest("hex"),
  };
}

/**
 * The bytes of `path` when it is a regular file inside its folder, or why it is not read. Errors
 * other than "this is not a regular file" (the file vanished, no permission) are thrown as before:
 * they are problems with the folder, not with what a partner dropped.
 */
export function readRegularFile(path: string): Buffer | NotRegularFile {
  const stats = lstatSync(path);
  if (!stats.isFile()) {
    const target = stats.isSymbolicLink() ? readlinkSync(path) : "";
    return notRegular(path, kindOf(stats), target);
  }
  // A regular file listed in the folder lies in it; checked all the same, as the one thing that must hold.
  const folder = realpathSync(dirname(path));
  if (!realpathSync(path).startsWith(folder + sep)) return notRegular(path, "outside the folder");
  // Identified by the file itself (device and inode), never by its content: it is not read.
  if (stats.nlink > 1) return notRegular(path, "hard link", `${stats.dev}:${stats.ino}`);
  // O_NOFOLLOW: fail rather than follow a link swapped in since lstat; O_NONBLOCK: never wait on a pipe.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") return notRegular(path, "symbolic link");
    throw error;
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile() || opened.ino !== stats.ino || opened.dev !== stats.dev) {
      return notRegular(path, opened.isFile() ? "replaced while being read" : kindOf(opened));
    }
    // Linked since lstat: what the descriptor reads is what counts.
    if (opened.nlink > 1) return notRegular(path, "hard link", `${opened.dev}:${opened.ino}`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
