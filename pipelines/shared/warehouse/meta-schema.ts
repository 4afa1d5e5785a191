/**
 * The loader's own bookkeeping tables, kept in the raw database's `meta` schema: runs and their
 * steps, per-stream load counts, quarantined records and extract state. Typed for kysely.
 */
import type { DuckDBConnection } from "@duckdb/node-api";

export interface RunsTable {
  run_id: string;
  started_at: string;
  finished_at: string | null;
  status: "running" | "succeeded" | "failed";
  error: string | null;
}

export interface RunStepsTable {
  run_id: string;
  step: string;
  started_at: string;
  finished_at: string | null;
  status: "running" | "succeeded" | "failed" | "skipped";
  rows: number | null;
  error: string | null;
}

export interface LoadsTable {
  run_id: string;
  source: string;
  stream: string;
  rows_read: number;
  rows_loaded: number;
  rows_rejected: number;
  rows_deleted: number;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  status: "succeeded" | "failed";
  error: string | null;
}

export interface QuarantineTable {
  run_id: string;
  source: string;
  stream: string;
  location: string;
  reason: string;
  payload: string;
  quarantined_at: string;
}

export interface StreamStateTable {
  source: string;
  stream: string;
  /** JSON of the stream's extract state (its cursor). */
  state: string;
  run_id: string;
  updated_at: string;
}

export interface FileLoadsTable {
  source: string;
  stream: string;
  file_name: string;
  content_sha256: string;
  encoding: string;
  run_id: string;
  rows_read: number;
  rows_loaded: number;
  rows_rejected: number;
  loaded_at: string;
  /** The file's columns not matching the contract (as in the run output), null when none. */
  schema_drift: string | null;
  /** Why the whole file was rejected, null when its rows were read. */
  rejected_reason: string | null;
  /**
   * Rows already in raw (or loaded from an earlier file of the same run) that this file's rows took
   * the place of: the partner's month its name declares, and earlier rows with the same key.
   */
  rows_superseded: number;
  /** What the file's name says it covers (`partner PA0013, month 2026-10`), null when it declares nothing. */
  declared_scope: string | null;
  /** Why the file's replacement was held instead of applied (it would shrink the scope sharply), null if not held. */
  held_reason: string | null;
  /** When someone accepted the held replacement (`npm run accept-replacement`); the next refresh applies it. */
  accepted_at: string | null;
}

/** Which system each raw source's data came from (orchestrate/source-identity.ts): two systems' data never mix. */
export interface SourceIdentityTable {
  source: string;
  /** The system(s) as canonical JSON: kind plus what identifies it, never a secret. */
  identity_json: string;
  /** The same in words, for messages (`postgres://db1:5432/erp (schema public)`). */
  identity_text: string;
  first_run_id: string;
  recorded_at: string;
}

export interface MetaDatabase {
  "meta.file_loads": FileLoadsTable;
  "meta.stream_state": StreamStateTable;
  "meta.runs": RunsTable;
  "meta.run_steps": RunStepsTable;
  "meta.loads": LoadsTable;
  "meta.quarantine": QuarantineTable;
  "meta.source_identity": SourceIdentityTable;
}

/** Creates the meta schema (or an empty copy of it under another name) if it is not there yet. */
export async function ensureMetaSchema(connection: DuckDBConnection, schema = "meta"): Promise<void> {
  await connection.run(
    `
    create schema if not exists meta;
    create table if not exists meta.runs (
      run_id varchar primary key, started_at timestamp not null, finished_at timestamp,
      status varchar not null, error varchar);
    create table if not exists meta.run_steps (
      run_id varchar not null, step varchar not null, started_at timestamp not null, finished_at timestamp,
      status varchar not null, rows bigint, error varchar);
    create table if not exists meta.loads (
      run_id varchar not null, source varchar not null, stream varchar not null,
      rows_read bigint not null, rows_loaded bigint not null, rows_rejected bigint not null, rows_deleted bigint not null default 0,
      started_at timestamp not null, finished_at timestamp not null, duration_ms bigint not null,
      status varchar not null, error varchar);
    create table if not exists meta.stream_state (
      source varchar not null, stream varchar not null, state varchar not null, run_id varchar not null,
      updated_at timestamp not null, primary key (source, stream));
    create table if not exists meta.file_loads (
      source varchar not null, stream varchar not null, file_name varchar not null, content_sha256 varchar not null,
      encoding varchar not null, run_id varchar not null, rows_read bigint not null, rows_loaded bigint not null,
      rows_rejected bigint not null, loaded_at timestamp not null, schema_drift varchar, rejected_reason varchar,
      rows_superseded bigint not null default 0, declared_scope varchar, held_reason varchar, accepted_at timestamp);
    -- Columns file_loads gained after its first release: a raw database from then gets them here.
    alter table meta.file_loads add column if not exists schema_drift varchar;
    alter table meta.file_loads add column if not exists rejected_reason varchar;
    alter table meta.file_loads add column if not exists rows_superseded bigint default 0;
    alter table meta.file_loads add column if not exists declared_scope varchar;
    alter table meta.file_loads add column if not exists held_reason varchar;
    alter table meta.file_loads add column if not exists accepted_at timestamp;
    create table if not exists meta.quarantine (
      run_id varchar not null, source varchar not null, stream varchar not null, location varchar not null,
      reason varchar not null, payload varchar not null, quarantined_at timestamp not null);
    create table if not exists meta.source_identity (
      source varchar primary key, identity_json varchar not null, identity_text varchar not null,
      first_run_id varchar not null, recorded_at timestamp not null);
  `
      .replaceAll("meta.", `${schema}.`)
      .replace("schema if not exists meta", `schema if not exists ${schema}`),
  );
}
