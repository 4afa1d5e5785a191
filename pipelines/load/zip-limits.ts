/**
 * Refusing an XLSX that would inflate to more than the loader can hold, before inflating it. An XLSX
 * is a zip archive, and a few MB of zip can inflate to gigabytes (a "zip bomb"): one such 1.5 MB
 * workbook took the loader to 1.9 GB of memory before failing. exceljs (through jszip) inflates
 * every entry whole, so the check must come first.
 *
 * The zip's central directory states each entry's compressed and inflated size; those sizes are read
 * here from the bytes and checked against the limits below. Since the directory is written by whoever
 * made the file, each entry is then inflated once as a stream, counting bytes and keeping none, and
 * stopped as soon as it passes the size its directory declares — so a lying directory costs at most
 * what it declared, never the real size. The directory is read the way jszip reads it, but strictly:
 * anything jszip would read differently (a directory not where the end record says, entries beyond
 * those it counts) is a corrupt zip here, so nothing inflated by exceljs escapes the check.
 */
import { createInflateRaw } from "node:zlib";

const MiB = 1024 * 1024;
/** No workbook may inflate to more than this in total: far above any sell-through export, and what memory allows. */
export const MAX_INFLATED_BYTES = 512 * MiB;
/** A large entry compressing better than this is not spreadsheet data but a bomb. */
export const MAX_ENTRY_RATIO = 100;
/** ... where large means over this (small XML parts of real workbooks can compress very well). */
export const RATIO_CHECKED_ABOVE = 50 * MiB;

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;
const MAX_16 = 0xffff;
const MAX_32 = 0xffffffff;

interface DirectoryEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly inflatedSize: number;
  readonly localHeaderOffset: number;
}

/** What is wrong with a workbook's zip: for the quarantine reason (`problem`), and technical detail. */
export interface ZipProblem {
  readonly problem: string;
  readonly detail?: string;
  /** The zip's structure is damaged (as opposed to too large). */
  readonly corrupt?: boolean;
}

class CorruptZip extends Error {}

/** "1.5 GiB", "512 MiB", "94.3 KiB": sizes as a person reads them. */
export function formatBytes(bytes: number): string {
  const [unit, size] =
    bytes >= 1024 * MiB ? ["GiB", bytes / (1024 * MiB)] : bytes >= MiB ? ["MiB", bytes / MiB] : ["KiB", bytes / 1024];
  return `${size.toFixed(1).replace(/\.0$/, "")} ${unit}`;
}

function ratio(inflated: number, compressed: number): number {
  return Math.round(inflated / Math.max(compressed, 1));
}

/** An entry name as it may appear in a message: printable and short. */
function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, "?");
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}

function uint64(bytes: Buffer, at: number): number {
  const value = bytes.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CorruptZip(`a ZIP64 size or offset of ${value} bytes`);
  return Number(value);
}

function need(bytes: Buffer, at: number, length: number, what: string): void {
  if (at < 0 || at + length > bytes.length) throw new CorruptZip(`${what} runs past the end of the file`);
}

/**
 * The central directory's entries, or undefined when the file has no end-of-directory record at all
 * (truncated, or not a zip): exceljs then says what is wrong, as for any unreadable workbook.
 */
function readDirectory(bytes: Buffer): DirectoryEntry[] | undefined {
  // jszip takes the last end record in the file; so does this.
  const signature = Buffer.alloc(4);
  signature.writeUInt32LE(END_OF_DIRECTORY);
  const end = bytes.lastIndexOf(signature);
  if (end < 0 || end + 22 > bytes.length) return undefined;
  let count = bytes.readUInt16LE(end + 10);
  let size = bytes.readUInt32LE(end + 12);
  let offset = bytes.readUInt32LE(end + 16);
  // Where the directory must end: at the end record, or at the ZIP64 end record that precedes it.
  let directoryEnd = end;
  if (count === MAX_16 || size === MAX_32 || offset === MAX_32) {
    const locator = end - 20;
    if (locator < 0 || bytes.readUInt32LE(locator) !== ZIP64_END_LOCATOR) {
      throw new CorruptZip("no ZIP64 end locator before the end record");
    }
    const zip64End = uint64(bytes, locator + 8);
    need(bytes, zip64End, 56, "the ZIP64 end record");
    if (
      bytes.readUInt32LE(zip64End) !== ZIP64_END_OF_DIRECTORY ||
      zip64End + 12 + uint64(bytes, zip64End + 4) !== locator
    ) {
      throw new CorruptZip("the ZIP64 end record is not where its locator says");
    }
    count = uint64(bytes, zip64End + 32);
    size = uint64(bytes, zip64End + 40);
    offset = uint64(bytes, zip64End + 48);
    directoryEnd = zip64End;
  }
  if (offset + size !== directoryEnd) {
    throw new CorruptZip(`the central directory (${size} bytes at ${offset}) does not end where its end record is`);
  }
  const entries: DirectoryEntry[] = [];
  for (let at = offset; at < directoryEnd; ) {
    need(bytes, at, 46, "a central directory entry");
    if (bytes.readUInt32LE(at) !== DIRECTORY_ENTRY) throw new CorruptZip(`no central directory entry at ${at}`);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    need(bytes, at + 46, nameLength + extraLength + commentLength, "a central directory entry");
    let compressedSize = bytes.readUInt32LE(at + 20);
    let inflatedSize = bytes.readUInt32LE(at + 24);
    let localHeaderOffset = bytes.readUInt32LE(at + 42);
    const name = bytes.toString("utf8", at + 46, at + 46 + nameLength);
    if (inflatedSize === MAX_32 || compressedSize === MAX_32 || localHeaderOffset === MAX_32) {
      // The real values are in the ZIP64 extra field (id 1), in this order, for those that overflowed.
      let zip64: number | undefined;
      for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
        if (bytes.readUInt16LE(x) === 1) zip64 = x + 4;
        x += 4 + bytes.readUInt16LE(x + 2);
      }
      if (zip64 === undefined) throw new CorruptZip(`entry ${printable(name)} has no ZIP64 sizes`);
      const next = () => {
        need(bytes, zip64!, 8, `the ZIP64 sizes of ${printable(name)}`);
        const value = uint64(bytes, zip64!);
        zip64! += 8;
        return value;
      };
      if (inflatedSize === MAX_32) inflatedSize = next();
      if (compressedSize === MAX_32) compressedSize = next();
      if (localHeaderOffset === MAX_32) localHeaderOffset = next();
    }
    entries.push({ name, method: bytes.readUInt16LE(at + 10), compressedSize, inflatedSize, localHeaderOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  if (entries.length !== count) {
    throw new CorruptZip(`the end record counts ${count} entries, the central directory holds ${entries.length}`);
  }
  return entries;
}

/** What an entry takes once read: a stored entry is its bytes as they are, whatever the directory claims. */
function sizeInMemory(entry: DirectoryEntry): number {
  return entry.method === STORED ? Math.max(entry.inflatedSize, entry.compressedSize) : entry.inflatedSize;
}

/** Where an entry's compressed bytes are: after its local header, as jszip finds them. */
function entryData(bytes: Buffer, entry: DirectoryEntry): Buffer {
  const at = entry.localHeaderOffset;
  need(bytes, at, 30, `the local header of ${printable(entry.name)}`);
  if (bytes.readUInt32LE(at) !== LOCAL_HEADER) throw new CorruptZip(`no local header for ${printable(entry.name)}`);
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  need(bytes, start, entry.compressedSize, `the data of ${printable(entry.name)}`);
  return bytes.subarray(start, start + entry.compressedSize);
}

/** Whether deflated `data` inflates to at most `limit` bytes: inflated as a stream, kept nowhere, stopped past the limit. */
async function inflatesWithin(data: Buffer, limit: number): Promise<boolean> {
  const inflater = createInflateRaw();
  inflater.end(data);
  let inflated = 0;
  for await (const chunk of inflater as AsyncIterable<Buffer>) {
    inflated += chunk.length;
    if (inflated > limit) return false; // leaving the loop destroys the stream
  }
  return true;
}

/**
 * Why an XLSX's zip must not be inflated, or undefined when it may (including when it is no zip at
 * all: exceljs then reports that as usual).
 */
export async function xlsxZipProblem(bytes: Buffer): Promise<ZipProblem | undefined> {
  let entries: DirectoryEntry[] | undefined;
  try {
    entries = readDirectory(bytes);
  } catch (error) {
    if (!(error instanceof CorruptZip) && !(error instanceof RangeError)) throw error;
    return {
      problem: "not a readable XLSX workbook (corrupted or truncated zip)",
      detail: error.message,
      corrupt: true,
    };
  }
  if (!entries) return undefined;
  const inflated = entries.reduce((sum, e) => sum + sizeInMemory(e), 0);
  const compressed = entries.reduce((sum, e) => sum + e.compressedSize, 0);
  if (inflated > MAX_INFLATED_BYTES) {
    return {
      problem:
        `XLSX would inflate to ${formatBytes(inflated)} (ratio ${ratio(inflated, compressed)}:1), above the ` +
        `${formatBytes(MAX_INFLATED_BYTES)} limit (a sell-through export is far smaller: a zip bomb, or not an export)`,
    };
  }
  for (const e of entries) {
    if (e.inflatedSize > RATIO_CHECKED_ABOVE && ratio(e.inflatedSize, e.compressedSize) > MAX_ENTRY_RATIO) {
      return {
        problem:
          `XLSX entry ${printable(e.name)} would inflate to ${formatBytes(e.inflatedSize)} from ` +
          `${formatBytes(e.compressedSize)} (ratio ${ratio(e.inflatedSize, e.compressedSize)}:1), above the ` +
          `${MAX_ENTRY_RATIO}:1 allowed for entries over ${formatBytes(RATIO_CHECKED_ABOVE)} (a zip bomb, or not an export)`,
      };
    }
  }
  // The directory's sizes are only claims: hold every deflated entry to its own.
  for (const e of entries) {
    if (e.method !== DEFLATED) continue; // stored entries are their own size; others jszip refuses to read
    try {
      if (!(await inflatesWithin(entryData(bytes, e), e.inflatedSize))) {
        return {
          problem:
            `XLSX entry ${printable(e.name)} inflates to more than the ${formatBytes(e.inflatedSize)} its zip ` +
            `directory declares (a tampered or corrupt zip)`,
        };
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        problem: "not a readable XLSX workbook (corrupted or truncated zip)",
        detail: `${printable(e.name)}: ${message}`,
        corrupt: true,
      };
    }
  }
  return undefined;
}
