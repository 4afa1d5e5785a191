/**
 * The shape every extract takes (after airbyte's streams): a source names its tables and yields
 * batches of raw records, each with where it came from. The loader does the rest.
 */
import type { TableSpec } from "../contracts/column-spec.js";

export interface SourceRecord {
  /** The record exactly as the source delivered it (validated by the loader, kept verbatim if rejected). */
  readonly record: unknown;
  /** Where it came from: table + key, page + index, or file + line. */
  readonly location: string;
}

/** Records of one table from one source, delivered in batches (memory stays flat whatever the size). */
export interface RecordStream {
  readonly source: string;
  readonly table: TableSpec;
  read(): AsyncIterable<readonly SourceRecord[]>;
  /** The number of rows the source says it holds, when it says; checked against what was read. */
  expectedCount?(): Promise<number | undefined>;
}

/** Counts of one stream's load, as written to the run log. */
export interface LoadResult {
  readonly source: string;
  readonly stream: string;
  readonly read: number;
  readonly loaded: number;
  readonly rejected: number;
  readonly durationMs: number;
}
