/**
 * Lands files (CSV or XLSX) in raw, set-based in DuckDB. Each file is read as text columns (after
 * decoding GBK/GB18030 to UTF-8 where needed) with its headers mapped to the contract (aliases
 * allowed), judged and typed in the same SQL pass, into a temporary table whose row order gives
 * each row's line; then valid rows reach raw in one insert, and the rest — lines the CSV reader
 * could not parse, rows breaking the contract, earlier copies of a duplicated key — go to
 * quarantine with the file, the line and the reason.
 *
 * A file the loader cannot read at all (a corrupted or truncated XLSX, bytes valid in no supported
 * encoding) is rejected on its own: one quarantine record for the whole file, which counts as one
 * record read and rejected, while the run's other files load normally (see file-decoding.ts).
 *
 * Each file is loaded once (its content hash is recorded in meta.file_loads, with its schema drift
 * and, for a rejected file, why); a later file covering the same scope (a partner's month) replaces
 * what earlier files said about it. A run's new files are applied in one transaction and
 * reconciled: rows read = loaded + quarantined, per file and in total.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { DuckDBAppender, DuckDBConnection } from "@duckdb/node-api";
import type { Insertable } from "kysely";
import { duckdbTypeOf, type TableSpec } from "../shared/contracts/column-spec.js";
import { queryRows, quoteIdent, quoteLiteral } from "../shared/warehouse/duckdb.js";
import { kyselyOn } from "../shared/warehouse/kysely-dialect.js";
import type { FileLoadsTable, MetaDatabase } from "../shared/warehouse/meta-schema.js";
import { decodeCsv, readXlsx, type DecodedCsv, type FileRejection, type XlsxSheet } from "./file-decoding.js";
import { ensureRawTables, rawTableName } from "./raw-tables.js";
import { assertReconciles } from "./reconciliation.js";
import type { FileStream, LoadResult } from "../shared/source-stream.js";
import { cleanedSql, parsedSelectSql, rejectionReasonSql, typedSelectSql } from "./sql-validation.js";
import { crashPoint } from "../shared/crash-points.js";


/** A file's columns that do not match the contract: reported, never silently dropped. */
export interface FileDrift {
  readonly file: string;
  readonly unknownColumns: readonly string[];
  readonly missingColumns: readonly string[];
}

/** How a file's drift reads in the run output and in meta.file_loads.schema_drift. */
export function describeDrift(drift: FileDrift): string {
  return [
    drift.unknownColumns.length ? `unknown column(s) ${drift.unknownColumns.join(", ")} (not loaded)` : "",
    drift.missingColumns.length ? `missing column(s) ${drift.missingColumns.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("; ");
}

export interface LoadedFile {
  readonly file: string;
  readonly encoding: string;
  readonly read: number;
  readonly rejected: number;
  /** Set when the whole file was rejected (it then counts as one record read and rejected). */
  readonly rejectedReason?: string;
}

export interface FileLoadResult extends LoadResult {
  readonly drift: readonly FileDrift[];
  /** Files skipped because exactly the same content was loaded (or rejected whole) before. */
  readonly skippedFiles: readonly string[];
  readonly loadedFiles: readonly LoadedFile[];
}

export interface FileLoadOptions {
  /** Reload every file, ignoring which were loaded before (raw is rebuilt from the files). */
  readonly fullRefresh?: boolean;
}

// The run's working tables are temporary: they never reach the database file, so committing a load writes only
// what raw keeps (at a million rows, persisting them cost more than reading the files).
const FILE_ROWS = "temp.main.__file_rows";
const READER_REJECTS = "temp.main.__reader_rejects";

/** The tables the bookkeeping queries read: meta, and the run's staging tables (temporary). */
interface LoaderDatabase extends MetaDatabase {
  __file_rows: { __file: number; __reason: string; __drop: string | null };
  __reader_rejects: { __file: number };
}

/** Splits a CSV header line into names (quoted names allowed). */
function parseHeader(line: string, delimiter: string): string[] {
  const names: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      names.push(current);
      current = "";
    } else current += ch;
  }
  names.push(current);
  return names.map((n) => n.replace(/^\uFEFF/, "").trim());
}

/** The delimiter of a header line: whichever of , ; tab | it uses most. */
function sniffDelimiter(headerLine: string): string {
  return [",", ";", "\t", "|"].reduce(
    (best, d) => (headerLine.split(d).length > headerLine.split(best).length ? d : best),
    ",",
  );
}

/**
 * Unique, non-empty names for a file's columns (blank or repeated headers become columnN). The names
 * go into SQL as quoted identifiers, so they must be safe there whatever the file holds: DuckDB
 * takes a statement as a C string, so a NUL would end it mid-identifier (a parser error failing the
 * whole stream), and it compares names ignoring case, so `Remark` and `remark` are the same column.
 */
function uniqueNames(headers: readonly string[]): string[] {
  const seen = new Set<string>();
  return headers.map((header, i) => {
    let name = header.replaceAll("\0", "\uFFFD");
    if (!name || seen.has(name.toLowerCase())) {
      name = `column${i + 1}`;
      for (let k = 2; seen.has(name.toLowerCase()); k++) name = `column${i + 1}_${k}`;
    }
    seen.add(name.toLowerCase());
    return name;
  });
}

/**
 * The lines (after the header) the CSV reader skips without returning a row: blank lines, comment
 * lines and lines it cannot parse, in ascending order. Used to turn row positions back into line
 * numbers. (A quoted value spanning lines would shift this; partner files do not have them.)
 */
function skippedLines(utf8: Buffer, commentPrefix: string | undefined, rejectedLines: readonly number[]): number[] {
  const skipped = new Set(rejectedLines);
  // Trailing line breaks end the file; they are not blank lines.
  let end = utf8.length;
  while (end > 0 && utf8[end - 1] === 0x0a) end -= end > 1 && utf8[end - 2] === 0x0d ? 2 : 1;
  const body = utf8.subarray(0, end);
  const prefix = commentPrefix === undefined ? undefined : Buffer.from(commentPrefix, "utf8");
  // Only empty lines are skipped silently; a line of spaces is read (and rejected as unreadable).
  const hasBlank = body.indexOf("\n\n") !== -1 || body.indexOf("\n\r\n") !== -1;
  const hasComment = prefix !== undefined && body.indexOf(Buffer.concat([Buffer.from("\n"), prefix])) !== -1;
  if (hasBlank || hasComment) {
    let at = body.indexOf(0x0a);
    for (let line = 2; at !== -1; line++) {
      const from = at + 1;
      const next = body.indexOf(0x0a, from);
      const to = next === -1 ? body.length : next;
      const empty = to === from || (to === from + 1 && body[from] === 0x0d);
      if (empty || (prefix !== undefined && body.subarray(from, from + prefix.length).equals(prefix)))
        skipped.add(line);
      at = next;
    }
  }
  return [...skipped].sort((a, b) => a - b);
}

/** Maps a file's headers onto the contract's columns. */
class HeaderMapper {
  private readonly aliases = new Map<string, string>();

  constructor(
    private readonly table: TableSpec,
    headerAliases: Readonly<Record<string, string>> = {},
  ) {
    for (const column of table.columns) this.aliases.set(column.name.toLowerCase(), column.name);
    for (const [alias, canonical] of Object.entries(headerAliases)) this.aliases.set(alias.toLowerCase(), canonical);
  }

  /** For each contract column, the file column holding it (if any); and the drift. */
  map(fileColumns: readonly string[]): { source: Map<string, string>; unknown: string[]; missing: string[] } {
    const source = new Map<string, string>();
    const unknown: string[] = [];
    for (const header of fileColumns) {
      const canonical = this.aliases.get(header.trim().toLowerCase());
      if (canonical && !source.has(canonical)) source.set(canonical, header);
      else unknown.push(header);
    }
    const missing = this.table.columns.filter((c) => !source.has(c.name)).map((c) => c.name);
    return { source, unknown, missing };
  }
}

/**
 * Stages files into FILE_ROWS, judged and typed in the same pass that reads them: contract columns
 * (typed, null when the row breaks the contract) + `__file`, `__line` (set only where the row
 * position does not give it, see lineSql), `__payload` (the row as the file had it, kept for
 * rejected rows only), `__reason` (why the row breaks the contract, '' if not) and `__drop` (set
 * later when a valid row is superseded: by a later file for its scope, or a later row with its key).
 */
class FileStager {
  private readonly mapper: HeaderMapper;
  readonly drift: FileDrift[] = [];
  /** Each staged file's drift as stored in meta.file_loads, by file index. */
  readonly driftByFile = new Map<number, string>();
  /** Rows staged before each file: a CSV row's line follows from its rowid and its file's base. */
  readonly baseByFile = new Map<number, bigint>();

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly table: TableSpec,
    headerAliases: Readonly<Record<string, string>> | undefined,
  ) {
    this.mapper = new HeaderMapper(table, headerAliases);
  }

  async createTables(): Promise<void> {
    const columns = this.table.columns.map((c) => `${quoteIdent(c.name)} ${duckdbTypeOf[c.type]}`).join(", ");
    await this.connection.run(`
      create or replace temp table __file_rows (${columns}, __file INTEGER, __line BIGINT, __payload VARCHAR, __reason VARCHAR, __drop VARCHAR);
      create or replace temp table __reader_rejects (__file INTEGER, line BIGINT, reason VARCHAR, payload VARCHAR);`);
  }

  /** The line of a staged row: its own when set (XLSX rows, files with skipped lines), else from its position. */
  lineSql(fileCount: number): string {
    const bases = Array.from({ length: fileCount }, (_, i) => this.baseByFile.get(i) ?? 0n);
    const base = bases.length ? `([${bases.join(", ")}]::bigint[])[__file + 1]` : "0";
    return `coalesce(__line, rowid - ${base} + 2)`;
  }

  private noteDrift(fileIndex: number, file: string, unknown: string[], missing: string[]): void {
    if (!unknown.length && !missing.length) return;
    const drift = { file, unknownColumns: unknown, missingColumns: missing };
    this.drift.push(drift);
    this.driftByFile.set(fileIndex, describeDrift(drift));
  }

  /**
   * One insert judging and typing rows whose cleaned contract columns `cleaned` selects (with the
   * columns `payloadSql` needs) from `from`.
   */
  private async insertJudged(
    fileIndex: number,
    missing: string[],
    cleaned: string[],
    from: string,
    line: string,
    payloadSql: string,
  ): Promise<void> {
    const judged = rejectionReasonSql(this.table, missing);
    const result = await this.connection.run(`
      insert into ${FILE_ROWS}
      select ${typedSelectSql(this.table, "__judged")}, ${fileIndex}, ${line},
             case when __judged <> '' then ${payloadSql} end, __judged, null
      from (select *, ${judged} as __judged from (
        select *, ${parsedSelectSql(this.table)} from (select *, ${cleaned.join(", ")} from ${from})))`);
    if (result.rowsChanged > 0) {
      // A file's rows take consecutive rowids in file order (not from 0: inside a transaction they start high).
      const [first] = await queryRows<{ base: string }>(
        this.connection,
        `select min(rowid)::varchar as base from ${FILE_ROWS} where __file = ${fileIndex}`,
      );
      this.baseByFile.set(fileIndex, BigInt(first!.base));
    }
  }

  /**
   * A CSV file, read by DuckDB with the header parsed here rather than sniffed: sniffing costs more
   * than reading a small partner file, and every column is read as text (then judged and typed here).
   */
  async stageCsv(
    fileIndex: number,
    file: string,
    decoded: DecodedCsv,
    commentPrefix: string | undefined,
  ): Promise<void> {
    const delimiter = sniffDelimiter(decoded.headerLine);
    const names = uniqueNames(parseHeader(decoded.headerLine, delimiter));
    const { source, unknown, missing } = this.mapper.map(names);
    this.noteDrift(fileIndex, file, unknown, missing);
    // The file's columns are read under positional names, so no header can clash with a contract column.
    const read = names.map((_, i) => `__c${i}`);
    const cleaned = this.table.columns.map((c) => {
      const from = source.get(c.name);
      return `${from ? cleanedSql(read[names.indexOf(from)]!) : "null::varchar"} as ${quoteIdent(c.name)}`;
    });
    const payload = `to_json(struct_pack(${names.map((n, i) => `${quoteIdent(n)} := ${read[i]}`).join(", ")}))::varchar`;
    const columns = read.map((n) => `'${n}': 'VARCHAR'`).join(", ");
    const comment = commentPrefix ? `, comment = ${quoteLiteral(commentPrefix)}` : "";
    await this.connection.run("drop table if exists csv_rejects; drop table if exists csv_scans;");
    // One pass: read, map, judge, type. The row's original text is serialised only when the row is rejected.
    await this.insertJudged(
      fileIndex,
      missing,
      cleaned,
      `read_csv(${quoteLiteral(decoded.readPath)}, header = true, auto_detect = false, columns = {${columns}},
                delim = ${quoteLiteral(delimiter)}, quote = '"', escape = '"'${comment},
                ignore_errors = true, store_rejects = true,
                rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')`,
      "null::bigint",
      payload,
    );
    const rejected = await queryRows<{ line: number }>(this.connection, "select distinct line from csv_rejects");
    const skipped = skippedLines(
      decoded.utf8,
      commentPrefix,
      rejected.map((r) => r.line),
    );
    // Row k is on line k + 1 unless the reader skipped lines before it: with skipped lines
    // s1 < s2 < ..., the k-th row sits on line k + 1 + #{i : s_i - (i - 1) <= k + 1}.
    const base = this.baseByFile.get(fileIndex);
    if (skipped.length > 0 && base !== undefined) {
      const position = `(__file_rows.rowid - ${base} + 2)`;
      await this.connection.run(`
        create or replace temp table skipped_lines as
          select unnest(${`[${skipped.join(",")}]::bigint[]`}) as line, generate_subscripts(${`[${skipped.join(",")}]::bigint[]`}, 1) as rank;
        update ${FILE_ROWS} set __line = ${position} + (
          select count(*) from skipped_lines as s where s.line - (s.rank - 1) <= ${position})
        where __file = ${fileIndex};`);
    }
    if (rejected.length) {
      await this.connection.run(`
        insert into ${READER_REJECTS}
          select ${fileIndex}, line, 'unreadable CSV line: ' || string_agg(distinct error_message, '; '), coalesce(any_value(csv_line), '')
          from csv_rejects group by line;`);
    }
  }

  async stageXlsx(fileIndex: number, file: string, { header, rows }: XlsxSheet): Promise<void> {
    const names = uniqueNames(header);
    const { source, unknown, missing } = this.mapper.map(names);
    this.noteDrift(fileIndex, file, unknown, missing);
    const positions = this.table.columns.map((c) => (source.has(c.name) ? names.indexOf(source.get(c.name)!) : -1));
    const textColumns = this.table.columns.map((c, i) => `__t${i} VARCHAR`).join(", ");
    await this.connection.run(
      `create or replace temp table __xlsx_rows (${textColumns}, __xlsx_line BIGINT, __xlsx_payload VARCHAR)`,
    );
    const appender = await this.connection.createAppender("__xlsx_rows", "main", "temp");
    const text = (a: DuckDBAppender, v: string | null | undefined) => (v == null ? a.appendNull() : a.appendVarchar(v));
    try {
      for (const { line, cells } of rows) {
        for (const position of positions) text(appender, position >= 0 ? cells[position] : null);
        appender.appendBigInt(BigInt(line));
        appender.appendVarchar(JSON.stringify(Object.fromEntries(names.map((n, i) => [n, cells[i] ?? null]))));
        appender.endRow();
      }
    } finally {
      appender.closeSync();
    }
    const cleaned = this.table.columns.map((c, i) => `${cleanedSql(`__t${i}`)} as ${quoteIdent(c.name)}`);
    await this.insertJudged(fileIndex, missing, cleaned, "temp.main.__xlsx_rows", "__xlsx_line", "__xlsx_payload");
    await this.connection.run("drop table temp.main.__xlsx_rows");
  }
}

async function countRows(connection: DuckDBConnection, query: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(connection, `select count(*) as n from (${query})`);
  return row?.n ?? 0;
}

/** Loads the files of a stream that were not loaded before (all of them with `fullRefresh`). */
export async function loadFileStream(
  connection: DuckDBConnection,
  runId: string,
  stream: FileStream,
  options: FileLoadOptions = {},
): Promise<FileLoadResult> {
  const started = Date.now();
  const { source, table } = stream;
  const loadedAt = new Date().toISOString();
  await ensureRawTables(connection, [{ source, table }]);
  const db = kyselyOn<LoaderDatabase>(connection);
  const raw = rawTableName(source, table);
  const meta = [quoteLiteral(runId), quoteLiteral(source), quoteLiteral(table.name)].join(", ");
  const stamp = `${quoteLiteral(loadedAt)}::timestamp`;
  const quarantinedInRun = async () =>
    Number(
      (
        await db
          .selectFrom("meta.quarantine")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("run_id", "=", runId)
          .where("source", "=", source)
          .where("stream", "=", table.name)
          .executeTakeFirstOrThrow()
      ).n,
    );

  const previouslyLoaded = options.fullRefresh
    ? new Set<string>()
    : new Set(
        (
          await db
            .selectFrom("meta.file_loads")
            .select("content_sha256")
            .where("source", "=", source)
            .where("stream", "=", table.name)
            .execute()
        ).map((r) => r.content_sha256),
      );

  // Which files are new this run (the same content twice in one drop counts once).
  const skippedFiles: string[] = [];
  const newFiles: Array<{ path: string; file: string; hash: string; bytes: Buffer }> = [];
  for (const path of stream.files) {
    const bytes = readFileSync(path);
    const hash = createHash("sha256").update(bytes).digest("hex");
    if (previouslyLoaded.has(hash)) skippedFiles.push(basename(path));
    else {
      previouslyLoaded.add(hash);
      newFiles.push({ path, file: basename(path), hash, bytes });
    }
  }

  const stager = new FileStager(connection, table, stream.headerAliases);
  const scratchDir = mkdtempSync(join(tmpdir(), "warehouse-files-"));
  const loadedFiles: LoadedFile[] = [];
  let read = 0;
  let rejected = 0;
  await connection.run("begin transaction");
  try {
    if (options.fullRefresh) {
      await connection.run(`delete from ${raw}`);
      await db.deleteFrom("meta.file_loads").where("source", "=", source).where("stream", "=", table.name).execute();
    }
    await stager.createTables();
    const encodings: string[] = [];
    // Files the loader cannot read at all, by index: each is one quarantine record, the others load.
    const fileRejects = new Map<number, FileRejection>();
    for (const [index, { path, file, bytes }] of newFiles.entries()) {
      try {
        let opened: DecodedCsv | XlsxSheet | FileRejection;
        if (/\.xlsx$/i.test(path)) {
          opened = await readXlsx(bytes);
          encodings.push("xlsx");
          if (!opened.rejected) await stager.stageXlsx(index, file, opened);
        } else {
          opened = decodeCsv(bytes, path, scratchDir);
          encodings.push(opened.encoding);
          if (!opened.rejected) await stager.stageCsv(index, file, opened, stream.commentPrefix);
        }
        if (opened.rejected) fileRejects.set(index, opened);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`Could not read ${file}: ${message}`, { cause: error });
      }
    }
    crashPoint("files:staged");
    const fileName = `(${newFiles.length ? `[${newFiles.map((f) => quoteLiteral(f.file)).join(", ")}]` : "['']::varchar[]"})[__file + 1]`;
    const location = `${fileName} || ' line ' || ${stager.lineSql(newFiles.length)}`;
    const scope = stream.replaceScope?.length ? stream.replaceScope.join(", ") : undefined;
    const quarantinedBefore = await quarantinedInRun();
    await connection.run(`
      insert into meta.quarantine
        select ${meta}, ${location}, __reason, __payload, ${stamp} from ${FILE_ROWS} where __reason <> '';
      insert into meta.quarantine
        select ${meta}, ${fileName} || ' line ' || line, reason, payload, ${stamp} from ${READER_REJECTS};`);
    if (fileRejects.size) {
      await db
        .insertInto("meta.quarantine")
        .values(
          [...fileRejects].map(([index, { reason, payload }]) => ({
            run_id: runId,
            source,
            stream: table.name,
            location: newFiles[index]!.file,
            reason,
            payload,
            quarantined_at: loadedAt,
          })),
        )
        .execute();
    }
    // Among valid rows, a later file of this run covering the same scope wins (rows are staged in file order,
    // then line order, so rowid orders them); then, among the rest, the later row with a key.
    const valid = `${FILE_ROWS} where __reason = '' and __drop is null`;
    const replacedInRun =
      scope && newFiles.length > 1
        ? (
            await connection.run(`
              update ${FILE_ROWS} set __drop = 'replaced' where rowid in (
                select rowid from ${valid} qualify max(__file) over (partition by ${scope}) > __file)`)
          ).rowsChanged
        : 0;
    const keys = table.primaryKey.map(quoteIdent).join(", ");
    let duplicates = 0;
    if ((await countRows(connection, `select 1 from ${valid} group by ${keys} having count(*) > 1`)) > 0) {
      duplicates = (
        await connection.run(`
          update ${FILE_ROWS} set __drop = 'duplicate' where rowid in (
            select rowid from ${valid} qualify row_number() over (partition by ${keys} order by rowid desc) > 1)`)
      ).rowsChanged;
      const contractColumns = table.columns.map((c) => `${quoteIdent(c.name)} := ${quoteIdent(c.name)}`).join(", ");
      await connection.run(`
        insert into meta.quarantine
        select ${meta}, ${location},
               'duplicate key (${table.primaryKey.join(", ")}): a later record with the same key was loaded instead',
               to_json(struct_pack(${contractColumns}))::varchar, ${stamp}
        from ${FILE_ROWS} where __drop = 'duplicate'`);
    }
    if (scope)
      await connection.run(`delete from ${raw} where (${scope}) in (select distinct (${scope}) from ${valid})`);
    if (!options.fullRefresh) {
      const keyMatch = table.primaryKey.map((k) => `t.${quoteIdent(k)} = l.${quoteIdent(k)}`).join(" and ");
      await connection.run(`delete from ${raw} as t using (select ${keys} from ${valid}) as l where ${keyMatch}`);
    }
    const columns = table.columns.map((c) => quoteIdent(c.name)).join(", ");
    // In staging order, which is file order then line order.
    const inserted = (
      await connection.run(
        `insert into ${raw} select ${columns}, ${quoteLiteral(runId)}, ${stamp}, ${location} from ${valid}`,
      )
    ).rowsChanged;

    // Per-file accounting, from the tables: rows read, rows quarantined, superseded duplicates.
    const staged = await db
      .selectFrom("__file_rows")
      .select("__file")
      .select((eb) => [
        eb.fn.countAll<number>().as("read"),
        eb.fn.countAll<number>().filterWhere("__reason", "<>", "").as("bad"),
        eb.fn.countAll<number>().filterWhere("__drop", "=", "duplicate").as("duplicates"),
      ])
      .groupBy("__file")
      .execute();
    const unreadable = await db
      .selectFrom("__reader_rejects")
      .select("__file")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .groupBy("__file")
      .execute();
    const readByFile = new Map<number, number>();
    const badByFile = new Map<number, number>();
    const add = (counts: Map<number, number>, file: number, n: number) =>
      counts.set(file, (counts.get(file) ?? 0) + Number(n));
    for (const s of staged) {
      add(readByFile, s.__file, s.read);
      add(badByFile, s.__file, s.bad);
    }
    for (const u of unreadable) {
      add(readByFile, u.__file, u.n);
      add(badByFile, u.__file, u.n);
    }
    const dupesByFile = new Map(staged.map((s) => [s.__file, Number(s.duplicates)]));
    // Empty files count as loaded too, so they are not read again; a file rejected whole is one record
    // read and rejected, and is not read again either (a corrected file has another hash).
    const fileLoads: Array<Insertable<FileLoadsTable>> = newFiles.map(({ file, hash }, index) => {
      const wholeFile = fileRejects.get(index);
      const fileRead = wholeFile ? 1 : (readByFile.get(index) ?? 0);
      const fileRejected = wholeFile ? 1 : (badByFile.get(index) ?? 0) + (dupesByFile.get(index) ?? 0);
      loadedFiles.push({
        file,
        encoding: encodings[index]!,
        read: fileRead,
        rejected: fileRejected,
        ...(wholeFile ? { rejectedReason: wholeFile.reason } : {}),
      });
      read += fileRead;
      rejected += fileRejected;
      return {
        source,
        stream: table.name,
        file_name: file,
        content_sha256: hash,
        encoding: encodings[index]!,
        run_id: runId,
        rows_read: fileRead,
        rows_loaded: fileRead - fileRejected,
        rows_rejected: fileRejected,
        loaded_at: loadedAt,
        schema_drift: stager.driftByFile.get(index) ?? null,
        rejected_reason: wholeFile?.reason ?? null,
      };
    });
    if (fileLoads.length) await db.insertInto("meta.file_loads").values(fileLoads).execute();
    const quarantined = (await quarantinedInRun()) - quarantinedBefore;
    // Rows replaced by a later file of the same run were loaded, then superseded: they count as loaded.
    assertReconciles(source, table.name, { read, loaded: inserted + replacedInRun, rejected: quarantined });
    if (quarantined !== rejected || duplicates !== [...dupesByFile.values()].reduce((a, b) => a + b, 0)) {
      throw new Error(`per-file counts of ${source}.${table.name} do not add up to the run's quarantine`);
    }
    crashPoint("files:before-commit");
    await connection.run("commit");
  } catch (error) {
    await connection.run("rollback");
    throw error;
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
    await connection.run(
      `drop table if exists ${FILE_ROWS}; drop table if exists ${READER_REJECTS}; drop table if exists temp.main.__xlsx_rows;`,
    );
  }
  return {
    source,
    stream: table.name,
    read,
    loaded: read - rejected,
    rejected,
    durationMs: Date.now() - started,
    drift: stager.drift,
    skippedFiles,
    loadedFiles,
  };
}
