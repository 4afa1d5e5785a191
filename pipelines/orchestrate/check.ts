/**
 * The check before the long run (`npm run check`, and the first thing `refresh` does): read what the refresh would
 * read, judge it the way the refresh would, and say in seconds whether the warehouse would publish.
 *
 * It runs the loaders themselves (loadRecordStream, loadFileStream: every contract rule, duplicate key, file scope
 * and held replacement exactly as the refresh applies them) into a scratch DuckDB in memory. That scratch database
 * starts with what the refresh would start from — raw's read positions and file-load records, copied from the raw
 * database opened read-only — so an incremental source is read from where the refresh will read it and a partner
 * file already loaded is skipped as it will be. Raw itself is attached READ_ONLY: the check cannot write it, consume
 * a cursor or leave anything behind, and the scratch database goes when the check ends.
 *
 * The raw tables as they would be after the loads (this run's rows merged into what raw holds, by key) are then
 * judged by the rules in check-rules.ts: the model tests that would fail on those rows, with the severity the
 * models' .yml give them. Verdict: "would publish", or "would not publish" naming the error-severity tests.
 *
 * Large sources are sampled, and the output says so: at most `maxRows` records per record stream (the first ones
 * the refresh would read); of a file stream's new files at most `maxFiles`, spread over them in name order, up to
 * `maxFileBytes` (a file is judged whole). Counts over a sample are lower bounds.
 */
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { duckdbCreateTable, type TableSpec } from "../shared/contracts/column-spec.js";
import { SOURCE_TABLES, type SourceName } from "../shared/contracts/source-tables.js";
import type { WarehouseConfig, WarehousePaths } from "../shared/config.js";
import { PermanentError } from "../shared/errors.js";
import type { RecordStream } from "../shared/source-stream.js";
import { ensureMetaSchema } from "../shared/warehouse/meta-schema.js";
import { openDatabase, queryRows, quoteIdent, quoteLiteral, withDatabase } from "../shared/warehouse/duckdb.js";
import { describeFileLoad, loadFileStream, type FileLoadResult, type ScopedFileStream } from "../load/file-loader.js";
import { ensureRawTables } from "../load/raw-tables.js";
import { loadRecordStream } from "../load/record-loader.js";
import { readRegularFile } from "../load/regular-file.js";
import { judgeRules, resolveRules, type Finding, type WouldBeRaw } from "./check-rules.js";
import { connectSources, type ConnectedSources } from "./connect-sources.js";
import { identityRefusal, planSourceIdentities, SourceIdentityError } from "./source-identity.js";

/** Records judged per record stream unless told otherwise: about 2 s of reading and judging each. */
export const DEFAULT_MAX_ROWS = 200_000;
/** New files judged per file stream unless told otherwise (in bytes): about a million partner-file lines. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
/**
 * New files judged per file stream unless told otherwise: the loader spends some 30 ms on each file whatever its
 * size, so a first load of the demo's 672 partner files costs 20 s or more, and the check would pay it again.
 */
export const DEFAULT_MAX_FILES = 100;

export interface CheckContext {
  readonly config: WarehouseConfig;
  readonly paths: WarehousePaths;
  readonly fullRefresh?: boolean;
  readonly log: (line: string) => void;
}

export interface CheckOptions {
  /** Records judged per record stream (0: all). */
  readonly maxRows?: number;
  /** Bytes of new files judged per file stream (0: all); a file is always judged whole. */
  readonly maxFileBytes?: number;
  /** New files judged per file stream (0: all), spread evenly over the stream's files. */
  readonly maxFiles?: number;
  /** Sources already connected (the refresh's own, so the demo company is not started twice); closed by the caller. */
  readonly sources?: ConnectedSources;
  /**
   * Throw SourceIdentityError before reading anything when a source would mix two systems' data, as the refresh
   * does (the standalone check reports it as a blocking problem instead).
   */
  readonly throwOnMixedSystems?: boolean;
}

/** What the check found in one source stream. */
export interface StreamCheck {
  readonly source: string;
  readonly stream: string;
  readonly read: number;
  /** How long reading and judging it took. */
  readonly ms: number;
  /** Records the load would quarantine. */
  readonly rejected: number;
  /** Set when only part of what the refresh would read was judged: what was. */
  readonly sample?: string;
  /** Set when the stream could not be read (the refresh would keep its previous data and exit non-zero). */
  readonly error?: string;
  /** File streams: files already loaded (skipped) and files judged. */
  readonly files?: { readonly skipped: number; readonly judged: number };
  /** What the loader would say about files beyond their counts: held replacements, schema drift, ... */
  readonly notes: readonly string[];
  /** Quarantine reasons, most frequent first, each with where to look. */
  readonly reasons: ReadonlyArray<{ readonly reason: string; readonly rows: number; readonly locations: string[] }>;
  /** Reasons beyond those listed. */
  readonly moreReasons: number;
}

export interface CheckReport {
  readonly streams: readonly StreamCheck[];
  /** Model tests the data would fail or warn on. */
  readonly findings: readonly Finding[];
  /** Why the refresh would refuse to run at all (a source pointed at another system). */
  readonly refusal?: string;
  /** False when an error-severity test would fail or the refresh would refuse to run: nothing would be published. */
  readonly wouldPublish: boolean;
  /** 0: would publish and every source could be read; 1 otherwise. */
  readonly exitCode: 0 | 1;
  /** How many model-test rules were judged on the would-be raw tables, and how long that took. */
  readonly rulesJudged: { readonly rules: number; readonly ms: number };
  readonly seconds: number;
}

/** The pre-refresh check found data that would stop the publish: the refresh stopped before extracting anything. */
export class CheckFailedError extends PermanentError {
  constructor(readonly report: CheckReport) {
    super(
      `the pre-refresh check found data the model tests would reject, so nothing was extracted or published: ` +
        `${blockingSummary(report)}. Fix the data at its source (the check's output above names each row), or run ` +
        "with --no-check to load it anyway and see the model tests fail.",
    );
    this.name = "CheckFailedError";
  }
}

/** The run id the scratch loads are stamped with (they never leave the scratch database). */
const CHECK_RUN_ID = "check";
const REASONS_SHOWN = 8;
const LOCATIONS_PER_REASON = 3;

/** A record stream that stops after `limit` records (0: none), noting whether it stopped early and what it deleted. */
function bounded(
  stream: RecordStream,
  limit: number,
  seen: { truncated: boolean; deleted: Array<Record<string, unknown>> },
): RecordStream {
  return {
    source: stream.source,
    table: stream.table,
    ...(stream.mode ? { mode: stream.mode } : {}),
    async *read(savedState) {
      let read = 0;
      for await (const batch of stream.read(savedState)) {
        if (limit > 0 && read >= limit) {
          seen.truncated = true;
          return;
        }
        const room = limit > 0 ? limit - read : Infinity;
        const records = batch.records.length > room ? batch.records.slice(0, room) : batch.records;
        if (records.length < batch.records.length) seen.truncated = true;
        read += records.length;
        for (const r of records) if (r.deleted) seen.deleted.push(r.record as Record<string, unknown>);
        yield batch.state === undefined ? { records } : { records, state: batch.state };
        if (seen.truncated) return;
      }
    },
    // A sample is not what the source says it delivered: reconcile it against what was read only.
    expectedCount: async () => (seen.truncated ? undefined : stream.expectedCount?.()),
  };
}

/**
 * The files of a stream the check judges: all of them when they fit the limits, else a sample of the ones the loader
 * would not skip (content not loaded before, as in loadFileStream): at most `maxFiles`, spread evenly over them in
 * name order (so a problem confined to one partner's files has a chance), then cut at `maxBytes`.
 */
async function filesToJudge(
  connection: DuckDBConnection,
  stream: ScopedFileStream,
  limits: { readonly maxBytes: number; readonly maxFiles: number },
  fullRefresh: boolean,
): Promise<{ files: string[]; sample?: string; skipped?: number }> {
  const sizeOf = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  const within = (files: number, bytes: number) =>
    (limits.maxFiles <= 0 || files <= limits.maxFiles) && (limits.maxBytes <= 0 || bytes <= limits.maxBytes);
  const total = stream.files.reduce((sum, path) => sum + sizeOf(path), 0);
  if (within(stream.files.length, total)) return { files: [...stream.files] };
  const known = await queryRows<{ content_sha256: string }>(
    connection,
    `select content_sha256 from meta.file_loads
     where source = $1 and stream = $2 and not (held_reason is not null and accepted_at is not null)`,
    [stream.source, stream.table.name],
  );
  const loaded = new Set(fullRefresh ? [] : known.map((k) => k.content_sha256));
  const fresh: Array<{ path: string; bytes: number }> = [];
  for (const path of stream.files) {
    const opened = readRegularFile(path);
    const hash = Buffer.isBuffer(opened) ? createHash("sha256").update(opened).digest("hex") : opened.sha256;
    if (!loaded.has(hash)) fresh.push({ path, bytes: Buffer.isBuffer(opened) ? opened.length : 0 });
  }
  const freshBytes = fresh.reduce((sum, f) => sum + f.bytes, 0);
  const skipped = stream.files.length - fresh.length;
  // Only the new files go to the loader: it would read and hash the others again just to skip them.
  if (within(fresh.length, freshBytes)) return { files: fresh.map((f) => f.path), skipped };
  const take = limits.maxFiles > 0 ? Math.min(limits.maxFiles, fresh.length) : fresh.length;
  // The first and the last new file included (in name order the last is often the newest partner or month).
  const spread = Array.from(
    { length: take },
    (_, i) => fresh[take === 1 ? 0 : Math.round((i * (fresh.length - 1)) / (take - 1))]!,
  );
  const files: string[] = [];
  let bytes = 0;
  for (const f of spread) {
    if (files.length > 0 && limits.maxBytes > 0 && bytes + f.bytes > limits.maxBytes) break;
    files.push(f.path);
    bytes += f.bytes;
  }
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return {
    files,
    skipped,
    sample: `${files.length} of ${fresh.length} new files, spread over them (${mb(bytes)} of ${mb(freshBytes)})`,
  };
}

/** How a contract table's rows relate to what raw holds once this run's rows are loaded. */
type TableState =
  /** Not read this run (not configured, absent, or failed): raw keeps what it has. */
  | "untouched"
  /** Read whole: the load replaces raw's rows (a full read, a full refresh, a partner drop copied in first). */
  | "replaced"
  /** Merged by key into raw's rows (an incremental read, a template file, a sample). */
  | "merged";

const localTable = (source: string, table: string) => `${quoteIdent(source)}.${quoteIdent(table)}`;
const wouldBeName = (source: string, table: string) => `wb.${quoteIdent(`${source}__${table}`)}`;

/** Runs the check; see the module comment. */
export async function checkSources(ctx: CheckContext, options: CheckOptions = {}): Promise<CheckReport> {
  const started = Date.now();
  const fullRefresh = ctx.fullRefresh ?? false;
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const fileLimits = {
    maxBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    maxFiles: options.maxFiles ?? DEFAULT_MAX_FILES,
  };
  const rawPath = ctx.paths.rawDatabase;
  const hasRaw = existsSync(rawPath);

  // Which system each source's raw data came from, and what the refresh would make of this run's (read-only).
  const decisions = hasRaw
    ? await withDatabase(rawPath, (c) => planSourceIdentities(c, { ...ctx, fullRefresh }), { readOnly: true })
    : [];
  const refusal = identityRefusal(decisions);
  if (refusal && options.throwOnMixedSystems) throw new SourceIdentityError(refusal);
  const refused = new Set(decisions.flatMap((d) => (d.action === "refuse" ? [d.identity.source] : [])));
  // A source the refresh clears first (the demo company with another seed) is judged without raw's rows.
  const restarted = new Set(decisions.flatMap((d) => (d.action === "restart" ? [d.from.source] : [])));

  const sources = options.sources ?? (await connectSources(ctx.config, ctx.paths, ctx.log, { fullRefresh }));
  const scratch = await openDatabase(":memory:");
  const c = scratch.connection;
  try {
    await ensureMetaSchema(c);
    await ensureRawTables(c, SOURCE_TABLES);
    const inRaw = new Set<string>();
    const notRestarted = (column: string) =>
      restarted.size ? `${column} not in (${[...restarted].map(quoteLiteral).join(", ")})` : "true";
    if (hasRaw) {
      await c.run(`attach ${quoteLiteral(rawPath)} as raw (read_only)`);
      for (const t of await queryRows<{ schema_name: string; table_name: string }>(
        c,
        "select schema_name, table_name from duckdb_tables() where database_name = 'raw'",
      )) {
        inRaw.add(`${t.schema_name}.${t.table_name}`);
      }
      // Where the refresh starts from: its read positions and the files it has loaded (not those it will clear).
      for (const bookkeeping of ["stream_state", "file_loads"]) {
        if (!inRaw.has(`meta.${bookkeeping}`)) continue;
        await c.run(
          `insert into meta.${bookkeeping} by name select * from raw.meta.${bookkeeping} where ${notRestarted("source")}`,
        );
      }
    }
    const rawOf = (source: string, table: string) =>
      inRaw.has(`${source}.${table}`) && !restarted.has(source) ? `raw.${localTable(source, table)}` : undefined;

    const states = new Map<string, TableState>();
    const sampledTables = new Set<string>();
    const deletedKeys = new Map<string, Array<Record<string, unknown>>>();
    const streams: StreamCheck[] = [];

    const judge = async (
      source: string,
      table: TableSpec,
      load: () => Promise<{ read: number; rejected: number; files?: StreamCheck["files"]; notes?: string[] }>,
      sample: () => string | undefined,
    ) => {
      const began = Date.now();
      try {
        const result = await load();
        streams.push({
          source,
          stream: table.name,
          read: result.read,
          ms: Date.now() - began,
          rejected: result.rejected,
          ...(sample() ? { sample: sample()! } : {}),
          ...(result.files ? { files: result.files } : {}),
          notes: result.notes ?? [],
          ...(await quarantineReasons(c, source, table.name)),
        });
      } catch (error) {
        // The refresh would record the failure and keep the stream's previous data: judge the rest on that.
        await c.run(`delete from ${localTable(source, table.name)}`);
        states.set(`${source}.${table.name}`, "untouched");
        const message = error instanceof Error ? error.message : String(error);
        streams.push({
          source,
          stream: table.name,
          read: 0,
          ms: Date.now() - began,
          rejected: 0,
          error: message,
          notes: [],
          reasons: [],
          moreReasons: 0,
        });
      }
    };

    for (const stream of sources.recordStreams) {
      if (refused.has(stream.source as SourceName)) continue;
      const key = `${stream.source}.${stream.table.name}`;
      const seen = { truncated: false, deleted: [] as Array<Record<string, unknown>> };
      await judge(
        stream.source,
        stream.table,
        async () => {
          const result = await loadRecordStream(c, CHECK_RUN_ID, bounded(stream, maxRows, seen));
          states.set(key, stream.mode === "incremental" || seen.truncated ? "merged" : "replaced");
          if (seen.truncated) sampledTables.add(key);
          if (seen.deleted.length) deletedKeys.set(key, seen.deleted);
          return { read: result.read, rejected: result.rejected };
        },
        () =>
          seen.truncated ? `the first ${maxRows.toLocaleString("en-US")} records the refresh would read` : undefined,
      );
    }

    for (const stream of sources.fileStreams) {
      if (refused.has(stream.source as SourceName)) continue;
      const key = `${stream.source}.${stream.table.name}`;
      const { files, sample, skipped } = await filesToJudge(c, stream, fileLimits, fullRefresh);
      const real = rawOf(stream.source, stream.table.name);
      // A file naming a partner and month replaces raw's rows for them, and may be held for replacing too many:
      // the loader needs those rows beside it, so raw's table is copied into the scratch database first.
      const copied = !fullRefresh && stream.fileNameScope !== undefined && real !== undefined && !sample;
      await judge(
        stream.source,
        stream.table,
        async () => {
          if (copied)
            await c.run(`insert into ${localTable(stream.source, stream.table.name)} by name select * from ${real}`);
          const result: FileLoadResult = await loadFileStream(c, CHECK_RUN_ID, { ...stream, files }, { fullRefresh });
          // A sample leaves raw's other rows standing beside it, so a parent table is never judged on a part of it.
          states.set(key, (fullRefresh || copied) && !sample ? "replaced" : "merged");
          if (sample) sampledTables.add(key);
          return {
            read: result.read,
            rejected: result.rejected,
            files: { skipped: skipped ?? result.skippedFiles.length, judged: result.loadedFiles.length },
            notes: describeFileLoad(result),
          };
        },
        () => sample,
      );
    }

    // The raw tables as the refresh would leave them, for the rules to read.
    await c.run("create schema wb");
    for (const { source, table } of SOURCE_TABLES) {
      const key = `${source}.${table.name}`;
      const local = localTable(source, table.name);
      const real = rawOf(source, table.name);
      const state = states.get(key) ?? "untouched";
      let sql: string;
      if (!real || state === "replaced") sql = `select * from ${local}`;
      else if (state === "untouched") sql = `select * from ${real}`;
      else {
        const keys = (alias: string, other: string) =>
          table.primaryKey
            .map((k) => `${alias}.${quoteIdent(k)} is not distinct from ${other}.${quoteIdent(k)}`)
            .join(" and ");
        const deleted = await deletedKeysTable(c, key, table, deletedKeys.get(key));
        const notDeleted = deleted
          ? `and not exists (select 1 from ${deleted} as d where ${table.primaryKey
              .map((k) => `trim(cast(r.${quoteIdent(k)} as varchar)) = d.${quoteIdent(k)}`)
              .join(" and ")})`
          : "";
        sql = `select * from ${local} union all by name
               select r.* from ${real} as r where not exists (select 1 from ${local} as l where ${keys("l", "r")}) ${notDeleted}`;
      }
      await c.run(`create view ${wouldBeName(source, table.name)} as ${sql}`);
    }
    const quarantined = ["select source, stream, location, reason, payload from meta.quarantine"];
    if (inRaw.has("meta.quarantine")) {
      quarantined.push(
        `select source, stream, location, reason, payload from raw.meta.quarantine where ${notRestarted("source")}`,
      );
    }
    const wouldBe: WouldBeRaw = {
      table: (source, table) => wouldBeName(source, table),
      sampled: (source, table) => sampledTables.has(`${source}.${table}`),
      quarantine: `(${quarantined.join(" union all ")})`,
      reportingCurrency: ctx.config.reporting.currency.code,
    };
    const judging = Date.now();
    const { rules } = resolveRules(ctx.paths.projectRoot);
    const findings = await judgeRules(c, rules, wouldBe);
    const rulesJudged = { rules: rules.length, ms: Date.now() - judging };

    const wouldPublish = !refusal && !findings.some((f) => f.status === "error");
    const readable = streams.every((s) => !s.error);
    return {
      streams,
      findings,
      ...(refusal ? { refusal } : {}),
      wouldPublish,
      exitCode: wouldPublish && readable ? 0 : 1,
      rulesJudged,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    scratch.close();
    if (!options.sources) await sources.close();
  }
}

/** Keys the source marked deleted in this run's reads, as a table of text keys (undefined when none). */
async function deletedKeysTable(
  c: DuckDBConnection,
  key: string,
  table: TableSpec,
  deleted: ReadonlyArray<Record<string, unknown>> | undefined,
): Promise<string | undefined> {
  if (!deleted?.length) return undefined;
  const name = `wb.${quoteIdent(`deleted__${key.replace(".", "__")}`)}`;
  const keyColumns = table.primaryKey.map((k) => ({ name: k, type: "text" as const }));
  await c.run(duckdbCreateTable(name, { ...table, columns: keyColumns }));
  const values = deleted
    .map((record) => `(${table.primaryKey.map((k) => quoteLiteral(String(record[k] ?? "").trim())).join(", ")})`)
    .join(", ");
  await c.run(`insert into ${name} values ${values}`);
  return name;
}

/** A stream's quarantine reasons in the scratch database, most frequent first, with where to look. */
async function quarantineReasons(
  c: DuckDBConnection,
  source: string,
  stream: string,
): Promise<Pick<StreamCheck, "reasons" | "moreReasons">> {
  const rows = await queryRows<{ reason: string; rows: number; locations: string[] }>(
    c,
    `select reason, count(*) as rows,
            list(location order by regexp_replace(location, '[0-9]+$', ''),
                 try_cast(regexp_extract(location, '([0-9]+)$', 1) as bigint))[1:${LOCATIONS_PER_REASON}] as locations
     from meta.quarantine where source = $1 and stream = $2 group by reason order by rows desc, reason`,
    [source, stream],
  );
  return {
    reasons: rows.slice(0, REASONS_SHOWN).map((r) => ({ ...r, rows: Number(r.rows) })),
    moreReasons: Math.max(0, rows.length - REASONS_SHOWN),
  };
}

const count = (n: number) => n.toLocaleString("en-US");

/** `core.orders "channel_id relationships core.channels.channel_id" (1 failing row)`, for each blocking test. */
function blockingSummary(report: CheckReport): string {
  const tests = report.findings
    .filter((f) => f.status === "error")
    .map((f) => `${f.model} "${f.test}" (${f.atLeast ? "at least " : ""}${count(f.failing)} failing)`);
  if (report.refusal) tests.unshift("a source would mix two systems' data");
  return tests.join(", ");
}

/** The check's output: per stream, then what the model tests would make of the data, then the verdict. */
export function formatCheckReport(report: CheckReport): string[] {
  const lines: string[] = [];
  for (const s of report.streams) {
    const name = `${s.source}.${s.stream}`;
    if (s.error) {
      lines.push(`  ✘ ${name}: could not be read: ${s.error}`);
      continue;
    }
    const files = s.files ? `, ${count(s.files.judged)} new file(s) (${count(s.files.skipped)} already loaded)` : "";
    const sample = s.sample ? ` — sampled: ${s.sample}` : "";
    lines.push(
      `  ${name}: ${count(s.read)} read, ${count(s.rejected)} would be quarantined${files} (${s.ms} ms)${sample}`,
    );
    for (const r of s.reasons) {
      const more = r.rows > r.locations.length ? `, and ${count(r.rows - r.locations.length)} more` : "";
      lines.push(`    ${count(r.rows)} × ${r.reason} (${r.locations.join(", ")}${more})`);
    }
    if (s.moreReasons) lines.push(`    ... and ${s.moreReasons} other reason(s)`);
    for (const note of s.notes) lines.push(`  ${note}`);
  }
  if (report.refusal) lines.push("", `✘ ${report.refusal}`);
  lines.push(
    `  ${report.rulesJudged.rules} model tests judged on the rows read plus what raw holds (${report.rulesJudged.ms} ms)`,
  );
  const findingLine = (f: Finding) => {
    const atLeast = f.atLeast ? "at least " : "";
    const rows = f.rows !== f.failing ? ` in ${count(f.rows)} row(s)` : "";
    return [
      `  ${f.status === "error" ? "✘" : "!"} ${f.model} — "${f.test}": ${atLeast}${count(f.failing)} failing${rows}: ${f.what}`,
      ...f.samples.map((sample) => `      ${sample}`),
      // A test without a description of its own is described by its name, already on the line above.
      ...(f.description && !f.description.endsWith(f.test) ? [`      ${f.description.replace(/\s+/g, " ")}`] : []),
    ];
  };
  const errors = report.findings.filter((f) => f.status === "error");
  const warnings = report.findings.filter((f) => f.status === "warn");
  if (errors.length)
    lines.push("", "blocking (error-severity model tests that would fail):", ...errors.flatMap(findingLine));
  if (warnings.length)
    lines.push("", "warnings (warn-severity: published, to be fixed):", ...warnings.flatMap(findingLine));
  const quarantined = report.streams.reduce((n, s) => n + s.rejected, 0);
  const unreadable = report.streams.filter((s) => s.error);
  lines.push("");
  lines.push(report.wouldPublish ? "verdict: would publish" : `verdict: would not publish: ${blockingSummary(report)}`);
  const warningParts = [
    warnings.length ? `${warnings.length} warn-severity test(s)` : "",
    quarantined ? `${count(quarantined)} record(s) would be quarantined` : "",
    unreadable.length
      ? `${unreadable.length} stream(s) could not be read (the refresh keeps their previous data and exits non-zero)`
      : "",
  ].filter(Boolean);
  lines.push(warningParts.length ? `warnings: ${warningParts.join("; ")}` : "warnings: none");
  const sampled = report.streams.filter((s) => s.sample).length;
  lines.push(
    `checked in ${report.seconds.toFixed(1)} s, read-only (nothing written to raw, nothing published)` +
      (sampled ? `; ${sampled} stream(s) sampled, so their counts are lower bounds` : ""),
  );
  return lines;
}
