/**
 * Turning a dropped file's bytes into something the loader can read, or saying why it cannot.
 *
 * CSV: UTF-8 (with or without BOM) is read as is; UTF-16 (LE or BE, with a BOM, or without one when
 * the zero bytes of its ASCII text give it away) and GBK/GB18030 are converted to a UTF-8 copy.
 * Bytes that are valid in none of these (binary data, most Latin-1/Windows-1252 exports, a
 * truncated UTF-16 file) make the file a whole-file reject. XLSX: a file that is not a readable
 * workbook (truncated, corrupted, an old .xls, password-protected) is a whole-file reject too, and so
 * is one that would inflate beyond the limits of zip-limits.ts (checked before anything is inflated).
 *
 * A whole-file reject is quarantined on its own as one record (location: the file) and recorded as
 * loaded, so the same bytes are not tried again; the other files of the run load normally.
 */
import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { xlsxZipProblem } from "./zip-limits.js";

/** A file the loader cannot read at all: why (and what to do), and a bounded description of its bytes. */
export interface FileRejection {
  readonly rejected: true;
  /** The encoding or format the file was taken for. */
  readonly encoding: string;
  readonly reason: string;
  /** JSON: size, SHA-256, the first bytes in hex, and where it helps the offending line. */
  readonly payload: string;
}

/** A CSV file decoded: its encoding, the path DuckDB should read, its header line and its UTF-8 bytes. */
export interface DecodedCsv {
  readonly rejected: false;
  readonly encoding: string;
  readonly readPath: string;
  readonly headerLine: string;
  readonly utf8: Buffer;
}

/** Bytes per chunk when converting to UTF-8. */
const DECODE_CHUNK = 16 * 1024 * 1024;
/** A header line longer than this is not a CSV header (a binary file, or a file without line breaks). */
const MAX_HEADER_BYTES = 1024 * 1024;
/** First bytes of a rejected file kept in its quarantine payload. */
const HEAD_BYTES = 32;
const REPLACEMENT = Buffer.from("\uFFFD", "utf8");
const CSV_ADVICE = "save it as CSV UTF-8 (or GBK) and drop it again";

/** The quarantine payload of a whole-file reject: enough to recognise the file, never the whole file. */
function wholeFilePayload(bytes: Buffer, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    size_bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    first_bytes_hex: bytes.subarray(0, HEAD_BYTES).toString("hex"),
    ...extra,
  });
}

function reject(bytes: Buffer, encoding: string, reason: string, extra?: Record<string, unknown>): FileRejection {
  return { rejected: true, encoding, reason, payload: wholeFilePayload(bytes, extra) };
}

type TextEncoding = "gb18030" | "utf-16le" | "utf-16be";

/**
 * Converts to UTF-8 chunk by chunk, never holding the file as one string: a JavaScript string
 * cannot hold more than about 512 MB, and exports of a million rows are larger. A byte-order mark
 * is dropped. Invalid sequences come out as U+FFFD.
 */
function toUtf8(bytes: Buffer, encoding: TextEncoding, fatal = false): Buffer {
  const decoder = new TextDecoder(encoding, { fatal });
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += DECODE_CHUNK) {
    const last = at + DECODE_CHUNK >= bytes.length;
    parts.push(Buffer.from(decoder.decode(bytes.subarray(at, at + DECODE_CHUNK), { stream: !last })));
  }
  return Buffer.concat(parts);
}

/** The 1-based line of a byte offset in UTF-8 text. */
function lineAt(utf8: Buffer, offset: number): number {
  let line = 1;
  for (let at = utf8.indexOf(0x0a); at !== -1 && at < offset; at = utf8.indexOf(0x0a, at + 1)) line++;
  return line;
}

/** The text of the line holding `offset`, shortened for a payload. */
function lineExcerpt(utf8: Buffer, offset: number): string {
  const start = utf8.lastIndexOf(0x0a, offset) + 1;
  const end = utf8.indexOf(0x0a, offset);
  return (
    utf8
      .subarray(start, Math.min(end === -1 ? utf8.length : end, start + 120))
      .toString("utf8")
      .replace(/\r$/, "")
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "\uFFFD")
  );
}

/**
 * Where a conversion first met bytes invalid in `encoding`, or undefined when the text is valid.
 * U+FFFD in the output marks a bad sequence unless the file really holds U+FFFD, which a strict
 * second pass tells apart (run only when there is a U+FFFD at all).
 */
function firstInvalid(bytes: Buffer, utf8: Buffer, encoding: TextEncoding): number | undefined {
  const at = utf8.indexOf(REPLACEMENT);
  if (at === -1) return undefined;
  try {
    toUtf8(bytes, encoding, true);
    return undefined;
  } catch {
    return at;
  }
}

/**
 * UTF-16 without a byte-order mark: CSV text is mostly ASCII, which UTF-16 writes as a zero byte
 * next to each character — on odd positions for little-endian, even ones for big-endian. UTF-8 and
 * GB18030 text has no zero bytes, so the pattern does not occur by accident.
 */
function sniffUtf16(bytes: Buffer): "utf-16le" | "utf-16be" | undefined {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  // Other characters rarely have a zero byte (CJK ones ending in 00, like 销 U+9500, do).
  const pairs = n / 2;
  if (oddZeros >= pairs * 0.3 && evenZeros * 8 <= oddZeros) return "utf-16le";
  if (evenZeros >= pairs * 0.3 && oddZeros * 8 <= evenZeros) return "utf-16be";
  return undefined;
}

/** How many times `needle` occurs in `bytes`. */
function occurrences(bytes: Buffer, needle: number | string): number {
  let n = 0;
  const step = typeof needle === "string" ? needle.length : 1;
  for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + step)) n++;
  return n;
}

/**
 * The text with every line ending made LF, when the file mixes them (a partner adding rows in
 * another editor) or uses CR alone (old Mac exports); undefined when it uses LF or CRLF throughout.
 * DuckDB's CSV reader stops with "state machine reached an invalid state" on mixed line endings,
 * which would fail the whole stream.
 */
function normalizedLineEndings(utf8: Buffer): Buffer | undefined {
  const cr = occurrences(utf8, 0x0d);
  if (cr === 0) return undefined;
  const crlf = occurrences(utf8, "\r\n");
  if (cr === crlf && occurrences(utf8, 0x0a) === crlf) return undefined;
  const out = Buffer.allocUnsafe(utf8.length - crlf);
  let written = 0;
  let from = 0;
  for (let at = utf8.indexOf(0x0d); at !== -1; at = utf8.indexOf(0x0d, from)) {
    written += utf8.copy(out, written, from, at);
    out[written++] = 0x0a;
    from = utf8[at + 1] === 0x0a ? at + 2 : at + 1;
  }
  written += utf8.copy(out, written, from);
  return out.subarray(0, written);
}

/**
 * Decodes a CSV file, or rejects it whole with the reason. UTF-8 with consistent line endings is
 * read from the file itself; anything else from a UTF-8 copy (LF line endings) written to `scratchDir`.
 */
export function decodeCsv(bytes: Buffer, path: string, scratchDir: string): DecodedCsv | FileRejection {
  let utf8 = bytes;
  let encoding: string;
  let readPath = path;
  let converted: TextEncoding | undefined;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    converted = "utf-16le";
    encoding = "utf-16le (BOM)";
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    converted = "utf-16be";
    encoding = "utf-16be (BOM)";
  } else if ((converted = sniffUtf16(bytes))) {
    encoding = converted;
  } else if (isUtf8(bytes)) {
    encoding = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? "utf-8 (BOM)" : "utf-8";
  } else {
    // Chinese partners' spreadsheets export GBK, which GB18030 contains.
    converted = "gb18030";
    encoding = "gb18030";
  }
  if (converted) {
    utf8 = toUtf8(bytes, converted);
    const bad = firstInvalid(bytes, utf8, converted);
    if (bad !== undefined) {
      const line = lineAt(utf8, bad);
      const extra = { bad_line: line, bad_line_text: lineExcerpt(utf8, bad) };
      if (converted === "gb18030") {
        return reject(
          bytes,
          "unknown",
          `not a text file in a supported encoding: line ${line} is neither UTF-8 nor GBK/GB18030 ` +
            `(a Latin-1/Windows-1252 export, or not a CSV at all?): ${CSV_ADVICE}`,
          extra,
        );
      }
      return reject(
        bytes,
        encoding,
        `not valid ${converted.toUpperCase()} text (broken or truncated at line ${line}): ${CSV_ADVICE}`,
        extra,
      );
    }
  }
  const normalized = normalizedLineEndings(utf8);
  if (normalized) utf8 = normalized;
  const newline = utf8.indexOf(0x0a);
  const headerEnd = newline === -1 ? utf8.length : newline;
  if (headerEnd > MAX_HEADER_BYTES) {
    return reject(
      bytes,
      encoding,
      `no line break in the first ${MAX_HEADER_BYTES / 1024 / 1024} MB, so no header line: not a CSV file? ${CSV_ADVICE}`,
    );
  }
  const headerLine = utf8
    .subarray(0, headerEnd)
    .toString("utf8")
    .replace(/\r$/, "")
    .replace(/^\uFEFF/, "");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(headerLine)) {
    return reject(
      bytes,
      encoding,
      `the header line holds control characters (binary data, not CSV text): ${CSV_ADVICE}`,
      { header_text: headerLine.slice(0, 40) },
    );
  }
  if (converted || normalized) {
    readPath = join(scratchDir, `${createHash("sha1").update(path).digest("hex")}.csv`);
    writeFileSync(readPath, utf8);
  }
  return { rejected: false, encoding, readPath, headerLine, utf8 };
}

/** An XLSX file's first sheet as header + rows of text cells. */
export interface XlsxSheet {
  readonly rejected: false;
  readonly header: string[];
  readonly rows: Array<{ line: number; cells: (string | null)[] }>;
}

const XLSX_ADVICE = "re-export it from Excel and drop it again";

/** Why bytes that do not open as a workbook are not one: the kind of damage, from the signature. */
function unreadableXlsx(bytes: Buffer, error: unknown): FileRejection {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").slice(0, 120);
  if (bytes.length === 0)
    return reject(bytes, "xlsx", `not a readable XLSX workbook (the file is empty): ${XLSX_ADVICE}`);
  if (bytes.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) {
    return reject(
      bytes,
      "xlsx",
      "not a readable XLSX workbook (an old-format .xls or a password-protected workbook): " +
        "save it from Excel as .xlsx without a password and drop it again",
    );
  }
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    return reject(bytes, "xlsx", `not a readable XLSX workbook (not a zip archive at all): ${XLSX_ADVICE}`, {
      error: message,
    });
  }
  return reject(bytes, "xlsx", `not a readable XLSX workbook (corrupted or truncated zip): ${XLSX_ADVICE}`, {
    error: message,
  });
}

/**
 * Reads an XLSX file's first sheet, or rejects the file whole when it is not a readable workbook or
 * would inflate beyond the limits (a zip bomb): that is decided from the zip's own directory first.
 */
export async function readXlsx(bytes: Buffer): Promise<XlsxSheet | FileRejection> {
  const zipProblem = await xlsxZipProblem(bytes);
  if (zipProblem) {
    return reject(bytes, "xlsx", `${zipProblem.problem}: ${XLSX_ADVICE}`, {
      ...(zipProblem.detail ? { error: zipProblem.detail } : {}),
    });
  }
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (error) {
    return unreadableXlsx(bytes, error);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) {
    return reject(bytes, "xlsx", `not a readable XLSX workbook (a zip archive without a worksheet): ${XLSX_ADVICE}`);
  }
  const cellText = (value: ExcelJS.CellValue): string | null => {
    if (value === null || value === undefined) return null;
    if (value instanceof Date) return value.toISOString().replace(/T00:00:00\.000Z$/, "");
    if (typeof value === "object") {
      if ("richText" in value) return value.richText.map((r) => r.text).join("");
      if ("result" in value) return cellText(value.result as ExcelJS.CellValue);
      if ("text" in value) return String(value.text);
      return JSON.stringify(value);
    }
    return String(value);
  };
  const header = (sheet.getRow(1).values as ExcelJS.CellValue[]).slice(1).map((v) => (cellText(v) ?? "").trim());
  const rows: Array<{ line: number; cells: (string | null)[] }> = [];
  for (let r = 2; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    if (!row.hasValues) continue;
    rows.push({ line: r, cells: header.map((_, c) => cellText(row.getCell(c + 1).value)) });
  }
  return { rejected: false, header, rows };
}
