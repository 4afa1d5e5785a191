/**
 * Lands files (CSV or XLSX) in raw, set-based in DuckDB. Each file is read as text columns (after
 * decoding GBK/GB18030 to UTF-8 where needed) with its headers mapped to the contract (aliases
 * allowed), judged and typed in the same SQL pass, into a temporary table whose row order gives
 * each row's line; then valid rows reach raw in one insert, and the rest — lines the CSV reader
 * could not parse, rows breaking the contract, rows outside what their file declares, earlier
 * copies of a duplicated key — go to quarantine with the file, the line and the reason.
 *
 * A file the loader cannot or must not read (a corrupted XLSX or one that would inflate too far,
 * bytes valid in no supported encoding, a link or anything else that is not a regular file) is
 * rejected on its own: one quarantine record for the whole file, which counts as one record read
 * and rejected, while the run's other files load normally (see file-decoding.ts, regular-file.ts).
 *
 * Each file is loaded once (its content hash is recorded in meta.file_loads, with its schema drift
 * and, for a rejected file, why). What a file replaces is stated by its name (see file-scope.ts): a
 * file declaring a partner and month replaces the rows earlier files gave them, unless that would
 * shrink them sharply (then it is held until accepted); a file declaring nothing is merged by key.
 * Files apply in the order given (name order). A run's new files are applied in one transaction and
 * reconciled: rows read = loaded + quarantined, per file and in total, and raw's row count — counted
 * before and after — changes by rows loaded minus rows superseded.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { DuckDBAppender, DuckDBConnection } from "@duckdb/node-api";
import type { Insertable } from "kysely";
import { duckdbTypeOf, type TableSpec } from "../shared/contracts/column-spec.js";
import type { FileNameScope } from "../shared/contracts/partner-files.js";
import { queryRows, quoteIdent, quoteLiteral } from "../shared/warehouse/duckdb.js";
import { kyselyOn } from "../shared/warehouse/kysely-dialect.js";
import type { FileLoadsTable, MetaDatabase } from "../shared/warehouse/meta-schema.js";
import { decodeCsv, readXlsx, type DecodedCsv, type FileRejection, type XlsxSheet } from "./file-decoding.js";
import { declaredScope, describeScope, holdReason } from "./file-scope.js";
import { ensureRawTables, rawTableName } from "./raw-tables.js";
import { assertReconciles } from "./reconciliation.js";
import { readRegularFile } from "./regular-file.js";
import { outOfScopeReasonSql } from "../shared/quarantine-reasons.js";
import type { FileStream, LoadResult } from "../shared/source-stream.js";
import { cleanedSql, parsedSelectSql, rejectionReasonSql, typedSelectSql } from "./sql-validation.js";
import { crashPoint } from "../shared/crash-points.js";

/** A file stream whose files may state, in their names, what they replace (partner drops). */
export interface ScopedFileStream extends FileStream {
  /** How a file's name declares what it covers; without it, no file replaces anything (rows merge by key). */
  readonly fileNameScope?: FileNameScope;
}

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
  /** Rows this file's rows took the place of: in the scope its name declares, or with the same key. */
  readonly superseded: number;
  /** What the file's name declares it covers (`partner PA0013, month 2026-10`), when it declares something. */
  readonly declaredScope?: string;
  /** Set when the whole file was rejected (it then counts as one record read and rejected). */
  readonly rejectedReason?: string;
  /** Set when the file's replacement was held, not applied (it then counts as one record read and rejected). */
  readonly heldReason?: string;
}

/** A file that replaced what its name declares: the scope, the rows taken out and the rows put in. */
export interface Replacement {
  readonly file: string;
  readonly scope: string;
  readonly removed: number;
  readonly added: number;
}

export interface FileLoadResult extends LoadResult {
  readonly drift: readonly FileDrift[];
  /** Files skipped because exactly the same content was loaded (or rejected whole, or held) before. */
  readonly skippedFiles: readonly string[];
  readonly loadedFiles: readonly LoadedFile[];
  /** Rows taken out of raw (or out of this run's earlier files) by the files' rows: loaded counts them too. */
  readonly superseded: number;
  /** The scope replacements that took rows out. */
  readonly replacements: readonly Replacement[];
  /** Files whose name declares no scope although the stream has a naming convention: they replaced nothing. */
  readonly undeclaredFiles: readonly string[];
  /** The naming convention of the stream's files, when it has one. */
  readonly convention?: string;
}

export interface FileLoadOptions {
  /** Reload every file, ignoring which were loaded before (raw is rebuilt from the files). */
  readonly fullRefresh?: boolean;
}

// The run's working tables are temporary: they never reach the database file, so committing a load writes only
// what raw keeps (at a million rows, persisting them cost more than reading the files).
const FILE_ROWS = "temp.main.__file_rows";
const READER_REJECTS = "temp.main.__reader_rejects";
/** Per file declaring a scope: its index, the declared values (__v0, __v1, ...) and whether it is applied. */
const DECLARED = "temp.main.__declared";

/** The tables the bookkeeping queries read: meta, and the run's staging tables (temporary). */
interface LoaderDatabase extends MetaDatabase {
  __file_rows: { __file: number; __reason: string; __drop: string | null; __by: number | null };
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

/** A CSV file to stage: its index among the run's new files, its name, and its text. */
interface StagedCsv {
  readonly index: number;
  readonly file: string;
  readonly decoded: DecodedCsv;
}

/** At most this many files in one read_csv: the statement lists each file's path (a drop folder may hold thousands). */
const CSV_FILES_PER_READ = 200;

/** Files with the same shape (delimiter and header) are read together. */
const csvShape = (decoded: DecodedCsv): string => `${sniffDelimiter(decoded.headerLine)}\n${decoded.headerLine}`;

/**
 * Stages files into FILE_ROWS, judged and typed in the same pass that reads them: contract columns
 * (typed, null when the row breaks the contract) + `__file`, `__line` (set only where the row
 * position does not give it, see lineSql), `__payload` (the row as the file had it, kept for
 * rejected rows only), `__reason` (why the row breaks the contract, '' if not), `__drop` (set
 * later: 'held' for every row of a held file; for a valid row superseded in the run, 'superseded' by a
 * later file replacing its scope — that file's index in `__by` — or 'duplicate' by a later row with its key).
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
      create or replace temp table __file_rows (${columns}, __file INTEGER, __line BIGINT, __payload VARCHAR, __reason VARCHAR, __drop VARCHAR, __by INTEGER);
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
   * columns `payloadSql` needs) from `from`: the rows of the files `fileIndexes`, `fileSql` saying whose each row is.
   */
  private async insertJudged(
    fileIndexes: readonly number[],
    fileSql: string,
    missing: string[],
    cleaned: string[],
    from: string,
    line: string,
    payloadSql: string,
  ): Promise<void> {
    const judged = rejectionReasonSql(this.table, missing);
    const result = await this.connection.run(`
      insert into ${FILE_ROWS}
      select ${typedSelectSql(this.table, "__judged")}, ${fileSql}, ${line},
             case when __judged <> '' then ${payloadSql} end, __judged, null, null
      from (select *, ${judged} as __judged from (
        select *, ${parsedSelectSql(this.table)} from (select *, ${cleaned.join(", ")} from ${from})))`);
    if (result.rowsChanged === 0) return;
    // A file's rows take consecutive rowids in file order (not from 0: inside a transaction they start high), and
    // files read together come in the order listed (DuckDB keeps insertion order): checked, since line numbers and
    // which duplicate wins follow from it.
    const ranges = await queryRows<{ file: number; base: string; last: string; rows: string }>(
      this.connection,
      `select __file as file, min(rowid)::varchar as base, max(rowid)::varchar as last, count(*)::varchar as rows
       from ${FILE_ROWS} where __file in (${fileIndexes.join(", ")}) group by __file order by __file`,
    );
    let previousLast = -1n;
    for (const range of ranges) {
      const base = BigInt(range.base);
      if (BigInt(range.last) - base + 1n !== BigInt(range.rows) || base <= previousLast) {
        throw new Error(`staging file ${range.file} of ${this.table.name} did not keep the files' row order`);
      }
      previousLast = BigInt(range.last);
      this.baseByFile.set(range.file, base);
    }
  }

  /**
   * Stages CSV files, reading each run of consecutive files with the same header (a partner's monthly drops) in one
   * `read_csv`: a statement per file cost about 25 ms whatever its size, 15 s for the demo's 672 small drops.
   */
  async stageCsvFiles(files: readonly StagedCsv[], commentPrefix: string | undefined): Promise<void> {
    let run: StagedCsv[] = [];
    let runShape = "";
    for (const file of files) {
      const shape = csvShape(file.decoded);
      if (run.length && (run.length >= CSV_FILES_PER_READ || shape !== runShape)) {
        await this.stageCsvRun(run, commentPrefix);
        run = [];
      }
      run.push(file);
      runShape = shape;
    }
    if (run.length) await this.stageCsvRun(run, commentPrefix);
  }

  /**
   * CSV files with one header, read by DuckDB with the header parsed here rather than sniffed: sniffing costs more
   * than reading a small partner file, and every column is read as text (then judged and typed here).
   */
  private async stageCsvRun(files: readonly StagedCsv[], commentPrefix: string | undefined): Promise<void> {
    const { headerLine } = files[0]!.decoded;
    const delimiter = sniffDelimiter(headerLine);
    const names = uniqueNames(parseHeader(headerLine, delimiter));
    const { source, unknown, missing } = this.mapper.map(names);
    for (const { index, file } of files) this.noteDrift(index, file, unknown, missing);
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
    const paths = `[${files.map((f) => quoteLiteral(f.decoded.readPath)).join(", ")}]`;
    // Each row's file, from the path read_csv gives it (`filename`) or, for an unreadable line, csv_scans gives it.
    const fileOf = (pathSql: string) =>
      `([${files.map((f) => f.index).join(", ")}])[list_position(${paths}, ${pathSql})]`;
    // One pass: read, map, judge, type. The row's original text is serialised only when the row is rejected.
    await this.insertJudged(
      files.map((f) => f.index),
      fileOf("filename"),
      missing,
      cleaned,
      `read_csv(${paths}, header = true, auto_detect = false, columns = {${columns}},
                delim = ${quoteLiteral(delimiter)}, quote = '"', escape = '"'${comment},
                ignore_errors = true, store_rejects = true, filename = true,
                rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')`,
      "null::bigint",
      payload,
    );
    const rejects = `csv_rejects as r join csv_scans as s on s.scan_id = r.scan_id and s.file_id = r.file_id`;
    const rejected = await queryRows<{ file: number; line: number }>(
      this.connection,
      `select distinct ${fileOf("s.file_path")} as file, r.line as line from ${rejects}`,
    );
    for (const { index, decoded } of files) {
      const skipped = skippedLines(
        decoded.utf8,
        commentPrefix,
        rejected.filter((r) => r.file === index).map((r) => r.line),
      );
      // Row k is on line k + 1 unless the reader skipped lines before it: with skipped lines
      // s1 < s2 < ..., the k-th row sits on line k + 1 + #{i : s_i - (i - 1) <= k + 1}.
      const base = this.baseByFile.get(index);
      if (skipped.length > 0 && base !== undefined) {
        const position = `(__file_rows.rowid - ${base} + 2)`;
        await this.connection.run(`
          create or replace temp table skipped_lines as
            select unnest(${`[${skipped.join(",")}]::bigint[]`}) as line, generate_subscripts(${`[${skipped.join(",")}]::bigint[]`}, 1) as rank;
          update ${FILE_ROWS} set __line = ${position} + (
            select count(*) from skipped_lines as s where s.line - (s.rank - 1) <= ${position})
          where __file = ${index};`);
      }
    }
    if (rejected.length) {
      await this.connection.run(`
        insert into ${READER_REJECTS}
          select ${fileOf("s.file_path")}, r.line, 'unreadable CSV line: ' || string_agg(distinct r.error_message, '; '),
                 coalesce(any_value(r.csv_line), '')
          from ${rejects} group by s.file_path, r.line;`);
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
    await this.insertJudged(
      [fileIndex],
      String(fileIndex),
      missing,
      cleaned,
      "temp.main.__xlsx_rows",
      "__xlsx_line",
      "__xlsx_payload",
    );
    await this.connection.run("drop table temp.main.__xlsx_rows");
  }
}

async function countRows(connection: DuckDBConnection, query: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(connection, `select count(*) as n from (${query})`);
  return Number(row?.n ?? 0);
}

/** A query's `n` per file index (`file`), as a map. */
async function countsByFile(connection: DuckDBConnection, sql: string): Promise<Map<number, number>> {
  const rows = await queryRows<{ file: number; n: number }>(connection, sql);
  return new Map(rows.map((r) => [Number(r.file), Number(r.n)]));
}

/** A new file of the run: its bytes, or why it is not read (a link, a pipe, a directory). */
type NewFile = { readonly path: string; readonly file: string; readonly hash: string } & (
  | { readonly bytes: Buffer; readonly notRegular?: undefined }
  | { readonly bytes?: undefined; readonly notRegular: FileRejection }
);

/** What a run's files may replace, decided before anything reaches raw or quarantine. */
interface ReplacementPlan {
  /** Per file whose name declares a scope: the declared values (in the rule's order). */
  readonly declared: ReadonlyMap<number, string[]>;
  /** Per file whose replacement is held: why (its rows are marked 'held' and apply nowhere). */
  readonly held: ReadonlyMap<number, string>;
  /** Per file applying its replacement: the rows it takes out of raw (only the run's first file for a scope does). */
  readonly fromRaw: ReadonlyMap<number, number>;
  /** Files whose name declares nothing although the stream has a convention. */
  readonly undeclaredFiles: readonly string[];
  /** SQL: a row (its columns unqualified) lies in the scope `d` of DECLARED. */
  readonly inScope: string;
  /** SQL: DECLARED's value columns (__v0, __v1, ...). */
  readonly scopeColumns: string;
}

/**
 * Reads each staged file's declared scope from its name and, in SQL over the staged rows:
 * quarantines (marks with a reason) valid rows outside their file's scope; holds a replacement that
 * would shrink its scope sharply unless it was accepted (see file-scope.ts); and records in DECLARED
 * which replacements apply. Files apply in order: a scope holds what raw has for it until a file of
 * this run replaces it, then that file's rows — so a partial file after a complete one is held too.
 */
async function planReplacements(
  connection: DuckDBConnection,
  args: {
    rule: FileNameScope | undefined;
    raw: string;
    table: TableSpec;
    rowPayload: string;
    files: ReadonlyArray<{ file: string; accepted: boolean; readable: boolean }>;
  },
): Promise<ReplacementPlan> {
  const { rule, raw, table, rowPayload, files } = args;
  const declared = new Map<number, string[]>();
  const undeclaredFiles: string[] = [];
  for (const [index, { file, readable }] of files.entries()) {
    if (!readable) continue; // a file rejected whole has no rows, so it replaces nothing
    const values = declaredScope(rule, file);
    if (values) declared.set(index, values);
    else if (rule) undeclaredFiles.push(file);
  }
  const parts = rule?.parts ?? [];
  const scopeColumns = parts.map((_, i) => `__v${i}`).join(", ");
  // A row's value of each part, as text, against the declared one in DECLARED (aliased d).
  const partOfRow = parts.map((p) => `(${p.sql})::varchar`);
  const inScope = partOfRow.map((sql, i) => `${sql} = d.__v${i}`).join(" and ");
  const held = new Map<number, string>();
  const fromRaw = new Map<number, number>();
  const plan = { declared, held, fromRaw, undeclaredFiles, inScope, scopeColumns };
  if (!rule || !declared.size) return plan;

  const inList = `(${[...declared.keys()].join(", ")})`;
  await connection.run(`
    create or replace temp table __declared (__file INTEGER, ${parts.map((_, i) => `__v${i} VARCHAR`).join(", ")},
                                             __applied BOOLEAN DEFAULT false);
    insert into ${DECLARED} (__file, ${scopeColumns}) values
      ${[...declared].map(([index, values]) => `(${index}, ${values.map(quoteLiteral).join(", ")})`).join(", ")};`);

  // A valid row outside its file's declared scope is quarantined, never used to replace anything.
  const outside = parts.map(
    (p, i) =>
      `case when ${partOfRow[i]} is distinct from d.__v${i} then ` +
      `${outOfScopeReasonSql(p.name, partOfRow[i]!, `d.__v${i}`)} end`,
  );
  await connection.run(`
    update ${FILE_ROWS} set __reason = concat_ws('; ', ${outside.join(", ")}), __payload = ${rowPayload}
    from ${DECLARED} as d
    where __file_rows.__file = d.__file and __file_rows.__reason = '' and not (${inScope})`);

  // What each replacement would take out and put in: raw's rows per scope; the file's valid keys and broken rows.
  const keys = table.primaryKey.map(quoteIdent).join(", ");
  const fresh = await countsByFile(
    connection,
    `select __file as file, count(distinct (${keys})) filter (where __reason = '') as n
     from ${FILE_ROWS} where __file in ${inList} group by __file`,
  );
  const invalid = await countsByFile(
    connection,
    `select __file as file, count(*) as n from (
       select __file from ${FILE_ROWS} where __reason <> '' union all select __file from ${READER_REJECTS})
     where __file in ${inList} group by __file`,
  );
  const inRaw = new Map(
    (
      await queryRows<Record<string, unknown>>(
        connection,
        `select ${parts.map((_, i) => `d.__v${i}`).join(", ")}, count(*) as n
         from ${raw} join (select distinct ${scopeColumns} from ${DECLARED}) as d on ${inScope}
         group by all`,
      )
    ).map((r) => [JSON.stringify(parts.map((_, i) => r[`__v${i}`])), Number(r["n"])]),
  );

  const current = new Map(inRaw); // what each scope holds as the run's files apply, in order
  const replacedInRun = new Set<string>();
  for (const [index, values] of declared) {
    const scope = JSON.stringify(values);
    const counts = {
      replaced: current.get(scope) ?? 0,
      fresh: fresh.get(index) ?? 0,
      invalid: invalid.get(index) ?? 0,
    };
    const { file, accepted } = files[index]!;
    const reason = accepted ? undefined : holdReason(file, describeScope(rule, values), counts);
    if (reason) {
      held.set(index, reason);
      continue;
    }
    // The run's first file for a scope takes raw's rows out of it; a later one takes out the earlier file's rows.
    fromRaw.set(index, replacedInRun.has(scope) ? 0 : (inRaw.get(scope) ?? 0));
    replacedInRun.add(scope);
    current.set(scope, counts.fresh);
  }
  if (fromRaw.size)
    await connection.run(`update ${DECLARED} set __applied = true where __file in (${[...fromRaw.keys()].join(", ")})`);
  if (held.size) {
    // Nothing of a held file is applied or quarantined now: it is read again once accepted.
    const heldList = `(${[...held.keys()].join(", ")})`;
    await connection.run(`
      update ${FILE_ROWS} set __drop = 'held' where __file in ${heldList};
      delete from ${READER_REJECTS} where __file in ${heldList};`);
  }
  return plan;
}

/** Loads the files of a stream that were not loaded before (all of them with `fullRefresh`). */
export async function loadFileStream(
  connection: DuckDBConnection,
  runId: string,
  stream: ScopedFileStream,
  options: FileLoadOptions = {},
): Promise<FileLoadResult> {
  const started = Date.now();
  const { source, table } = stream;
  const rule = stream.fileNameScope;
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

  const earlierLoads = await db
    .selectFrom("meta.file_loads")
    .select(["content_sha256", "held_reason", "accepted_at"])
    .where("source", "=", source)
    .where("stream", "=", table.name)
    .execute();
  // A held replacement someone accepted is applied when its file is next seen; every other file
  // recorded before (loaded, rejected whole, or held and waiting) is skipped.
  const isAccepted = (l: (typeof earlierLoads)[number]) => l.held_reason !== null && l.accepted_at !== null;
  const accepted = new Set(earlierLoads.filter(isAccepted).map((l) => l.content_sha256));
  const previouslyLoaded = new Set(
    options.fullRefresh ? [] : earlierLoads.filter((l) => !isAccepted(l)).map((l) => l.content_sha256),
  );

  // Which files are new this run (the same content twice in one drop counts once). Only regular files are read.
  const skippedFiles: string[] = [];
  const newFiles: NewFile[] = [];
  for (const path of stream.files) {
    const file = basename(path);
    const opened = readRegularFile(path);
    if (!Buffer.isBuffer(opened)) {
      if (previouslyLoaded.has(opened.sha256)) skippedFiles.push(file);
      else {
        previouslyLoaded.add(opened.sha256);
        const payload = JSON.stringify({ kind: opened.kind });
        const notRegular: FileRejection = { rejected: true, encoding: "not read", reason: opened.reason, payload };
        newFiles.push({ path, file, hash: opened.sha256, notRegular });
      }
      continue;
    }
    const hash = createHash("sha256").update(opened).digest("hex");
    if (previouslyLoaded.has(hash)) skippedFiles.push(file);
    else {
      previouslyLoaded.add(hash);
      newFiles.push({ path, file, hash, bytes: opened });
    }
  }

  const stager = new FileStager(connection, table, stream.headerAliases);
  const scratchDir = mkdtempSync(join(tmpdir(), "warehouse-files-"));
  const loadedFiles: LoadedFile[] = [];
  const replacements: Replacement[] = [];
  const undeclaredFiles: string[] = [];
  let read = 0;
  let loaded = 0;
  let rejected = 0;
  let superseded = 0;
  await connection.run("begin transaction");
  try {
    if (options.fullRefresh) {
      await connection.run(`delete from ${raw}`);
      // Acceptances of held replacements outlive a full refresh: the files are still the ones someone accepted.
      await db
        .deleteFrom("meta.file_loads")
        .where("source", "=", source)
        .where("stream", "=", table.name)
        .where((eb) => eb.or([eb("held_reason", "is", null), eb("accepted_at", "is", null)]))
        .execute();
    }
    // Raw is counted here and again after the load: its change must be what the files loaded minus what they superseded.
    const rawBefore = await countRows(connection, `select 1 from ${raw}`);
    await stager.createTables();
    const encodings: string[] = [];
    // Files the loader cannot or must not read, by index: each is one quarantine record, the others load.
    const fileRejects = new Map<number, FileRejection>();
    // CSV files wait here to be read with the next ones of the same header; anything else staged reads them first,
    // so rows are staged in file order (line numbers and which duplicate wins follow from it).
    let pendingCsv: StagedCsv[] = [];
    const stagePendingCsv = async () => {
      if (!pendingCsv.length) return;
      try {
        await stager.stageCsvFiles(pendingCsv, stream.commentPrefix);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const files = pendingCsv.map((f) => f.file);
        const named =
          files.length > 3 ? `${files.slice(0, 3).join(", ")} (or ${files.length - 3} more)` : files.join(", ");
        throw new Error(`Could not read ${named}: ${message}`, { cause: error });
      }
      pendingCsv = [];
    };
    for (const [index, entry] of newFiles.entries()) {
      const { path, file } = entry;
      if (/\.xlsx$/i.test(path) && !entry.notRegular) await stagePendingCsv();
      try {
        let opened: DecodedCsv | XlsxSheet | FileRejection;
        if (entry.notRegular) {
          opened = entry.notRegular;
          encodings.push(opened.encoding);
        } else if (/\.xlsx$/i.test(path)) {
          opened = await readXlsx(entry.bytes);
          encodings.push("xlsx");
          if (!opened.rejected) await stager.stageXlsx(index, file, opened);
        } else {
          opened = decodeCsv(entry.bytes, path, scratchDir);
          encodings.push(opened.encoding);
          if (!opened.rejected) pendingCsv.push({ index, file, decoded: opened });
        }
        if (opened.rejected) fileRejects.set(index, opened);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`Could not read ${file}: ${message}`, { cause: error });
      }
    }
    await stagePendingCsv();
    crashPoint("files:staged");
    const fileName = `(${newFiles.length ? `[${newFiles.map((f) => quoteLiteral(f.file)).join(", ")}]` : "['']::varchar[]"})[__file + 1]`;
    const location = `${fileName} || ' line ' || ${stager.lineSql(newFiles.length)}`;
    const contractColumns = table.columns.map((c) => `${quoteIdent(c.name)} := ${quoteIdent(c.name)}`).join(", ");
    const rowPayload = `to_json(struct_pack(${contractColumns}))::varchar`;
    const valid = `${FILE_ROWS} where __reason = '' and __drop is null`;

    // What each file may replace (stated by its name), which rows lie outside it, and which replacements wait.
    const plan = await planReplacements(connection, {
      rule,
      raw,
      table,
      rowPayload,
      files: newFiles.map(({ file, hash }, index) => ({
        file,
        accepted: accepted.has(hash),
        readable: !fileRejects.has(index),
      })),
    });
    const { declared, held, fromRaw, inScope, scopeColumns } = plan;
    undeclaredFiles.push(...plan.undeclaredFiles);

    const quarantinedBefore = await quarantinedInRun();
    await connection.run(`
      insert into meta.quarantine
        select ${meta}, ${location}, __reason, __payload, ${stamp} from ${FILE_ROWS} where __reason <> '' and __drop is null;
      insert into meta.quarantine
        select ${meta}, ${fileName} || ' line ' || line, reason, payload, ${stamp} from ${READER_REJECTS};`);
    const wholeFileRecords = [
      ...[...fileRejects].map(([index, { reason, payload }]) => ({ index, reason, payload })),
      ...[...held].map(([index, reason]) => ({
        index,
        reason,
        payload: JSON.stringify({ declared_scope: describeScope(rule!, declared.get(index)!) }),
      })),
    ];
    if (wholeFileRecords.length) {
      await db
        .insertInto("meta.quarantine")
        .values(
          wholeFileRecords.map(({ index, reason, payload }) => ({
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

    // A valid row of an earlier file of this run falling in a scope a later file replaces is superseded by
    // the next such file (rows are staged in file order, so __file orders them).
    if (fromRaw.size) {
      await connection.run(`
        update ${FILE_ROWS} set __drop = 'superseded', __by = s.by_file
        from (select r.rowid as row_id, min(d.__file) as by_file
              from ${FILE_ROWS} as r join ${DECLARED} as d on d.__applied and d.__file > r.__file and ${inScope}
              where r.__reason = '' and r.__drop is null group by r.rowid) as s
        where __file_rows.rowid = s.row_id`);
    }
    // Among the rest, the later row with a key wins (rowid orders rows by file, then line).
    const keys = table.primaryKey.map(quoteIdent).join(", ");
    if ((await countRows(connection, `select 1 from ${valid} group by ${keys} having count(*) > 1`)) > 0) {
      await connection.run(`
        update ${FILE_ROWS} set __drop = 'duplicate' where rowid in (
          select rowid from ${valid} qualify row_number() over (partition by ${keys} order by rowid desc) > 1)`);
      await connection.run(`
        insert into meta.quarantine
        select ${meta}, ${location},
               'duplicate key (${table.primaryKey.join(", ")}): a later record with the same key was loaded instead',
               ${rowPayload}, ${stamp}
        from ${FILE_ROWS} where __drop = 'duplicate'`);
    }

    // Raw: take out the scopes replaced, then earlier rows with a key loaded now; then put the rows in.
    if (fromRaw.size) {
      await connection.run(`
        delete from ${raw} using (select distinct ${scopeColumns} from ${DECLARED} where __applied) as d where ${inScope}`);
    }
    const byKey = new Map<number, number>();
    if (!options.fullRefresh) {
      // `is not distinct from`: a key part may be empty (touch_paths.period), and an empty one matches an empty one.
      const keyMatch = table.primaryKey
        .map((k) => `t.${quoteIdent(k)} is not distinct from l.${quoteIdent(k)}`)
        .join(" and ");
      for (const [file, n] of await countsByFile(
        connection,
        `select l.__file as file, count(*) as n from ${raw} as t join (select __file, ${keys} from ${valid}) as l
         on ${keyMatch} group by l.__file`,
      ))
        byKey.set(file, n);
      await connection.run(`delete from ${raw} as t using (select ${keys} from ${valid}) as l where ${keyMatch}`);
    }
    const columns = table.columns.map((c) => quoteIdent(c.name)).join(", ");
    // In staging order, which is file order then line order.
    const inserted = (
      await connection.run(
        `insert into ${raw} select ${columns}, ${quoteLiteral(runId)}, ${stamp}, ${location} from ${valid}`,
      )
    ).rowsChanged;

    // Per-file accounting, from the staged rows' final state: each row is exactly one of quarantined,
    // duplicate, superseded later in the run, held, or in raw.
    const staged = await db
      .selectFrom("__file_rows")
      .select("__file")
      .select((eb) => [
        eb.fn.countAll<number>().as("read"),
        eb.fn.countAll<number>().filterWhere("__reason", "<>", "").filterWhere("__drop", "is", null).as("bad"),
        eb.fn.countAll<number>().filterWhere("__drop", "=", "duplicate").as("duplicates"),
        eb.fn.countAll<number>().filterWhere("__drop", "=", "superseded").as("supersededLater"),
        eb.fn.countAll<number>().filterWhere("__reason", "=", "").filterWhere("__drop", "is", null).as("inRaw"),
      ])
      .groupBy("__file")
      .execute();
    const stagedByFile = new Map(staged.map((s) => [s.__file, s]));
    const unreadable = await countsByFile(
      connection,
      `select __file as file, count(*) as n from ${READER_REJECTS} group by __file`,
    );
    const supersededBy = await countsByFile(
      connection,
      `select __by as file, count(*) as n from ${FILE_ROWS} where __drop = 'superseded' group by __by`,
    );
    let insertedCounted = 0;
    const fileLoads: Array<Insertable<FileLoadsTable>> = newFiles.map(({ file, hash }, index) => {
      const values = declared.get(index);
      const scope = values && rule ? describeScope(rule, values) : undefined;
      // A file rejected whole, or held, is one record read and rejected (a corrected or accepted file is read again).
      const wholeFile = fileRejects.get(index)?.reason;
      const heldReason = held.get(index);
      const s = stagedByFile.get(index);
      const lines = unreadable.get(index) ?? 0;
      const fileRead = wholeFile || heldReason ? 1 : Number(s?.read ?? 0) + lines;
      const fileRejected = wholeFile || heldReason ? 1 : Number(s?.bad ?? 0) + Number(s?.duplicates ?? 0) + lines;
      const fileLoaded = wholeFile || heldReason ? 0 : Number(s?.inRaw ?? 0) + Number(s?.supersededLater ?? 0);
      if (fileRead !== fileLoaded + fileRejected) {
        throw new Error(
          `per-file counts of ${source}.${table.name} do not add up for ${file}: ${fileRead} read, ` +
            `${fileLoaded} loaded, ${fileRejected} quarantined; nothing from this load was kept`,
        );
      }
      if (!wholeFile && !heldReason) insertedCounted += Number(s?.inRaw ?? 0);
      const replacing = fromRaw.has(index);
      const fromScope = replacing ? fromRaw.get(index)! + (supersededBy.get(index) ?? 0) : 0;
      const fileSuperseded = fromScope + (byKey.get(index) ?? 0);
      if (replacing && fromScope > 0) replacements.push({ file, scope: scope!, removed: fromScope, added: fileLoaded });
      loadedFiles.push({
        file,
        encoding: encodings[index]!,
        read: fileRead,
        rejected: fileRejected,
        superseded: fileSuperseded,
        ...(scope ? { declaredScope: scope } : {}),
        ...(wholeFile ? { rejectedReason: wholeFile } : {}),
        ...(heldReason ? { heldReason } : {}),
      });
      read += fileRead;
      loaded += fileLoaded;
      rejected += fileRejected;
      superseded += fileSuperseded;
      return {
        source,
        stream: table.name,
        file_name: file,
        content_sha256: hash,
        encoding: encodings[index]!,
        run_id: runId,
        rows_read: fileRead,
        rows_loaded: fileLoaded,
        rows_rejected: fileRejected,
        loaded_at: loadedAt,
        schema_drift: stager.driftByFile.get(index) ?? null,
        rejected_reason: wholeFile ?? null,
        rows_superseded: fileSuperseded,
        declared_scope: scope ?? null,
        held_reason: heldReason ?? null,
        accepted_at: null,
      };
    });
    if (fileLoads.length) await db.insertInto("meta.file_loads").values(fileLoads).execute();
    if (insertedCounted !== inserted) {
      throw new Error(
        `${source}.${table.name}: ${inserted} rows were inserted into raw but the files account for ${insertedCounted}; ` +
          "nothing from this load was kept",
      );
    }
    const quarantined = (await quarantinedInRun()) - quarantinedBefore;
    const rawAfter = await countRows(connection, `select 1 from ${raw}`);
    // Rows replaced by a later file of the same run were loaded, then superseded: they count in both.
    assertReconciles(source, table.name, {
      read,
      loaded,
      rejected: quarantined,
      superseded,
      raw: { before: rawBefore, after: rawAfter },
    });
    if (quarantined !== rejected) {
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
      `drop table if exists ${FILE_ROWS}; drop table if exists ${READER_REJECTS}; drop table if exists temp.main.__xlsx_rows;
       drop table if exists ${DECLARED};`,
    );
  }
  return {
    source,
    stream: table.name,
    read,
    loaded,
    rejected,
    durationMs: Date.now() - started,
    drift: stager.drift,
    skippedFiles,
    loadedFiles,
    superseded,
    replacements,
    undeclaredFiles,
    ...(rule ? { convention: rule.convention } : {}),
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * What the run output says about a file stream's load beyond its counts, one line per file worth
 * naming: replacements (what was taken out, what was put in), held files (and how to accept them),
 * schema drift, and files whose name declares nothing.
 */
export function describeFileLoad(result: FileLoadResult): string[] {
  const lines: string[] = [];
  const replaced = new Map(result.replacements.map((r) => [r.file, r]));
  for (const f of result.loadedFiles) {
    const replacement = replaced.get(f.file);
    const byKey = f.superseded - (replacement?.removed ?? 0);
    if (replacement) {
      lines.push(
        `  ↻ ${f.file} replaced ${replacement.scope}: ${plural(replacement.removed, "row")} -> ` +
          `${plural(replacement.added, "row")}${byKey ? ` (and ${byKey} earlier with the same key elsewhere)` : ""}`,
      );
    } else if (byKey) {
      lines.push(`  ↻ ${f.file}: ${plural(byKey, "earlier row")} replaced by rows with the same key`);
    }
    if (f.heldReason) lines.push(`  ⏸ ${f.file}: ${f.heldReason}`);
  }
  for (const d of result.drift) lines.push(`  ! ${d.file}: schema drift — ${describeDrift(d)}`);
  for (const file of result.undeclaredFiles) {
    lines.push(
      `  ! ${file}: its name does not declare what it covers (${result.convention}), so it replaced nothing; ` +
        "its rows were merged by key",
    );
  }
  return lines;
}
