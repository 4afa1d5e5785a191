/**
 * Streaming file writers: rows go out in ~1 MB chunks while a SHA-256 of the bytes is kept, so
 * the largest tables never sit in memory and every file's content hash is known when it closes.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import type { TableSpec } from "../../shared/contracts/column-spec.js";
import { csvLine } from "../generator/format.js";

const CHUNK = 1 << 20;

export class StreamingTextFile {
  private readonly fd: number;
  private readonly hash: Hash = createHash("sha256");
  private buffer: string[] = [];
  private buffered = 0;
  rows = 0;
  bytes = 0;
  private closed = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
  }

  append(text: string): void {
    this.buffer.push(text);
    this.buffered += text.length;
    if (this.buffered >= CHUNK) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const data = Buffer.from(this.buffer.join(""), "utf8");
    this.hash.update(data);
    this.bytes += data.length;
    let offset = 0;
    while (offset < data.length) offset += writeSync(this.fd, data, offset);
    this.buffer = [];
    this.buffered = 0;
  }

  /** Flushes, closes and returns the SHA-256 (hex) of everything written. */
  close(): string {
    if (this.closed) throw new Error(`${this.path} closed twice`);
    this.flush();
    closeSync(this.fd);
    this.closed = true;
    return this.hash.digest("hex");
  }
}

/** A CSV file with the contract's column names as the header row. */
export class CsvTableFile {
  private readonly file: StreamingTextFile;

  constructor(
    readonly spec: TableSpec,
    path: string,
  ) {
    this.file = new StreamingTextFile(path);
    this.file.append(csvLine(spec.columns.map((c) => c.name)));
  }

  write(values: readonly (string | null)[]): void {
    if (values.length !== this.spec.columns.length) {
      throw new Error(`${this.spec.name}: ${values.length} values for ${this.spec.columns.length} columns`);
    }
    this.file.append(csvLine(values));
    this.file.rows++;
  }

  /** For rows whose values are known to need no quoting (ids, numbers, dates): skips the escaping. */
  writeTrusted(values: readonly (string | null)[]): void {
    this.file.append(`${values.join(",")}\n`);
    this.file.rows++;
  }

  get rows(): number {
    return this.file.rows;
  }

  get path(): string {
    return this.file.path;
  }

  close(): string {
    return this.file.close();
  }
}

/** Newline-delimited JSON, one record per line, as the CRM keeps its entities. */
export class NdjsonFile {
  private readonly file: StreamingTextFile;

  constructor(path: string) {
    this.file = new StreamingTextFile(path);
  }

  write(record: unknown): void {
    this.file.append(`${JSON.stringify(record)}\n`);
    this.file.rows++;
  }

  get rows(): number {
    return this.file.rows;
  }

  close(): string {
    return this.file.close();
  }
}
