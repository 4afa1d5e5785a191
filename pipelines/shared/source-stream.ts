/**
 * The shape every extract takes (after airbyte's streams): a source names its tables and yields
 * batches of raw records, each with where it came from. The loader does the rest.
 */
import type { TableSpec } from "./contracts/column-spec.js";

export interface SourceRecord {
  /** The record exactly as the source delivered it (validated by the loader, kept verbatim if rejected). */
  readonly record: unknown;
  /** Where it came from: table + key, page + index, or file + line. */
  readonly location: string;
  /**
   * The source marks this record as deleted: only its primary-key fields are needed, and the
   * loader removes that key from raw (incremental streams only).
   */
  readonly deleted?: boolean;
}

export interface RecordBatch {
  readonly records: readonly SourceRecord[];
  /**
   * Extract state (a cursor) to save once this batch is durably stored; the next run's `read`
   * receives the last saved state. Must be JSON-serialisable.
   */
  readonly state?: unknown;
}

/** Records of one table from one source, delivered in batches (memory stays flat whatever the size). */
export interface RecordStream {
  readonly source: string;
  readonly table: TableSpec;
  /**
   * `full` (default): every run delivers the whole table and replaces raw in one transaction.
   * `incremental`: a run delivers what changed since the saved state; each batch is merged into
   * raw by primary key and its state saved in the same transaction.
   */
  readonly mode?: "full" | "incremental";
  read(savedState: unknown): AsyncIterable<RecordBatch>;
  /** The number of rows the source says it delivered, when it says; checked against what was read. */
  expectedCount?(): Promise<number | undefined>;
}

/** Counts of one stream's load, as written to the run log. */
export interface LoadResult {
  readonly source: string;
  readonly stream: string;
  readonly read: number;
  readonly loaded: number;
  readonly rejected: number;
  /** Keys removed because the source marked them deleted. */
  readonly deleted?: number;
  readonly durationMs: number;
}

/** Files of one table from one source (partner drops, filled templates): the file loader reads, judges and lands them. */
export interface FileStream {
  readonly source: string;
  readonly table: TableSpec;
  readonly files: readonly string[];
  /** Header spellings partners use, mapped to contract column names (matched case-insensitively). */
  readonly headerAliases?: Readonly<Record<string, string>>;
  /** Lines starting with this are comments, not data (templates carry their example row that way). */
  readonly commentPrefix?: string;
}
