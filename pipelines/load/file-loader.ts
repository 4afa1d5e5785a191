/**
 * Lands files (CSV or XLSX) in raw, set-based in DuckDB. Each file is read as text columns (after
 * decoding GBK/GB18030 to UTF-8 where needed) with its headers mapped to the contract (aliases
 * allowed); then all new files of a run are checked in one SQL pass: valid rows reach raw, the
 * rest — lines the CSV reader could not parse, rows breaking the contract, earlier copies of a
 * duplicated key — go to quarantine with the file, the line and the reason.
 *
 * Each file is loaded once (its content hash is recorded); a later file covering the same scope
 * (a partner's month) replaces what earlier files said about it. A run's new files are applied in
 * one transaction and reconciled: rows read = loaded + quarantined, per file and in total.
 */
import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { DuckDBAppender, DuckDBConnection } from "@duckdb/node-api";
import ExcelJS from "exceljs";
import type { TableSpec } from "../contracts/column-spec.js";
import { queryRows, quoteIdent, quoteLiteral } from "../warehouse/duckdb.js";
import { landingTableName, prepareRawAndLanding, rawTableName } from "./raw-tables.js";
import { assertReconciles } from "./reconciliation.js";
import { quarantineSupersededDuplicates } from "./record-loader.js";
import type { LoadResult } from "./source-stream.js";
import { rejectionReasonSql, typedSelectSql } from "./sql-validation.js";
import { crashPoint } from "../operate/crash-points.js";

export interface FileStream {
  readonly source: string;
  readonly table: TableSpec;
  readonly files: readonly string[];
  /** Header spellings partners use, mapped to contract column names (matched case-insensitively). */
  readonly headerAliases?: Readonly<Record<string, string>>;
  /**
   * SQL expressions over the contract's columns saying what a file covers, e.g. partner and month:
   * a later file covering the same values replaces the rows earlier files gave for them.
   */
  readonly replaceScope?: readonly string[];
  /** Lines starting with this are comments, not data (templates carry their example row that way). */
  readonly commentPrefix?: string;
}

/** A file's columns that do not match the contract: reported, never silently dropped. */
export interface FileDrift {
  readonly file: string;
  readonly unknownColumns: readonly string[];
  readonly missingColumns: readonly string[];
}

export interface FileLoadResult extends LoadResult {
  readonly drift: readonly FileDrift[];
  /** Files skipped because exactly the same content was loaded before. */
  readonly skippedFiles: readonly string[];
  readonly loadedFiles: ReadonlyArray<{ file: string; encoding: string; read: number; rejected: number }>;
}

export interface FileLoadOptions {
  /** Reload every file, ignoring which were loaded before (raw is rebuilt from the files). */
  readonly fullRefresh?: boolean;
}

// The run's working tables are temporary: they never reach the database file, so committing a load writes only
// what raw keeps (at a million rows, persisting them cost more than reading the files).
const FILE_ROWS = "temp.main.__file_rows";
const READER_REJECTS = "temp.main.__reader_rejects";
const VALID_ROWS = "temp.main.__valid_rows";

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

/** Unique, non-empty names for a file's columns (blank or repeated headers become columnN). */
function uniqueNames(headers: readonly string[]): string[] {
  const seen = new Set<string>();
  return headers.map((name, i) => {
    const unique = !name || seen.has(name) ? `column${i + 1}` : name;
    seen.add(unique);
    return unique;
  });
}

/** A CSV file decoded: its encoding, the path DuckDB should read, its header line and its UTF-8 bytes. */
interface DecodedCsv {
  readonly encoding: string;
  readonly readPath: string;
  readonly headerLine: string;
  readonly utf8: Buffer;
}

/** Bytes per chunk when converting GB18030 to UTF-8. */
const DECODE_CHUNK = 16 * 1024 * 1024;

/**
 * Decodes a CSV file: read as is when it is UTF-8, else from a UTF-8 copy (Chinese partners'
 * spreadsheets export GBK, which GB18030 contains). Works on bytes, never on the whole file as one
 * string: a JavaScript string cannot hold more than about 512 MB, and exports of a million rows are larger.
 */
function decodeCsv(bytes: Buffer, path: string, scratchDir: string): DecodedCsv {
  let utf8 = bytes;
  let encoding: string;
  let readPath = path;
  if (isUtf8(bytes)) {
    encoding = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? "utf-8 (BOM)" : "utf-8";
  } else {
    const decoder = new TextDecoder("gb18030");
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += DECODE_CHUNK) {
      const last = at + DECODE_CHUNK >= bytes.length;
      parts.push(Buffer.from(decoder.decode(bytes.subarray(at, at + DECODE_CHUNK), { stream: !last })));
    }
    utf8 = Buffer.concat(parts);
    encoding = "gb18030";
    readPath = join(scratchDir, `${createHash("sha1").update(path).digest("hex")}.csv`);
    writeFileSync(readPath, utf8);
  }
  const newline = utf8.indexOf(0x0a);
  const headerLine = utf8
    .subarray(0, newline === -1 ? utf8.length : newline)
    .toString("utf8")
    .replace(/\r$/, "")
    .replace(/^\uFEFF/, "");
  return { encoding, readPath, headerLine, utf8 };
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

/** Reads an XLSX file's first sheet as header + rows of text cells. */
async function readXlsx(
  path: string,
): Promise<{ header: string[]; rows: Array<{ line: number; cells: (string | null)[] }> }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const sheet = workbook.worksheets[0];
  if (!sheet) return { header: [], rows: [] };
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
  return { header, rows };
}

/**
 * Stages files into FILE_ROWS: contract columns as text + `__file`, `__line`, `__payload` (the row as the file
 * had it, kept for rejected rows only), `__missing` and `__reason` (why the row breaks the contract, '' if not).
 */
class FileStager {
  private readonly mapper: HeaderMapper;
  private readonly reasonSql: string;
  readonly drift: FileDrift[] = [];

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly table: TableSpec,
    headerAliases: Readonly<Record<string, string>> | undefined,
  ) {
    this.mapper = new HeaderMapper(table, headerAliases);
    this.reasonSql = rejectionReasonSql(table);
  }

  async createTables(): Promise<void> {
    const columns = this.table.columns.map((c) => `${quoteIdent(c.name)} VARCHAR`).join(", ");
    await this.connection.run(`
      create or replace temp table __file_rows (${columns}, __file INTEGER, __line BIGINT, __payload VARCHAR, __missing VARCHAR, __reason VARCHAR);
      create or replace temp table __reader_rejects (__file INTEGER, line BIGINT, reason VARCHAR, payload VARCHAR);`);
  }

  private noteDrift(file: string, unknown: string[], missing: string[]): void {
    if (unknown.length || missing.length) this.drift.push({ file, unknownColumns: unknown, missingColumns: missing });
  }

  /**
   * A CSV file, read by DuckDB with the header parsed here rather than sniffed: sniffing costs more
   * than reading a small partner file, and every column is read as text anyway.
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
    this.noteDrift(file, unknown, missing);
    const select = this.table.columns.map((c) => {
      const from = source.get(c.name);
      return from ? `${quoteIdent(from)} as ${quoteIdent(c.name)}` : `null as ${quoteIdent(c.name)}`;
    });
    const original = `struct_pack(${names.map((n) => `${quoteIdent(n)} := ${quoteIdent(n)}`).join(", ")})`;
    const columns = names.map((n) => `${quoteLiteral(n)}: 'VARCHAR'`).join(", ");
    const comment = commentPrefix ? `, comment = ${quoteLiteral(commentPrefix)}` : "";
    await this.connection.run("drop table if exists csv_rejects; drop table if exists csv_scans;");
    // One pass: read, map, judge. The row's original text is serialised only when the row is rejected.
    await this.connection.run(`
      insert into ${FILE_ROWS}
      select * exclude (__original, __missing, __judged), case when __judged <> '' then to_json(__original)::varchar end,
             __missing, __judged
      from (
        select *, ${this.reasonSql} as __judged
        from (
          select ${select.join(", ")}, ${fileIndex} as __file, row_number() over () + 1 as __line, ${original} as __original,
                 ${quoteLiteral(missing.join(","))} as __missing
          from read_csv(${quoteLiteral(decoded.readPath)}, header = true, auto_detect = false, columns = {${columns}},
                        delim = ${quoteLiteral(delimiter)}, quote = '"', escape = '"'${comment},
                        ignore_errors = true, store_rejects = true,
                        rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')
        )
      )`);
    const rejected = await queryRows<{ line: number }>(this.connection, "select distinct line from csv_rejects");
    const skipped = skippedLines(
      decoded.utf8,
      commentPrefix,
      rejected.map((r) => r.line),
    );
    // Row k is on line k + 1 unless the reader skipped lines before it: with skipped lines
    // s1 < s2 < ..., the k-th row sits on line k + 1 + #{i : s_i - (i - 1) <= k + 1}.
    // (Rows were staged with __line = k + 1.)
    if (skipped.length > 0) {
      await this.connection.run(`
        create or replace temp table skipped_lines as
          select unnest(${`[${skipped.join(",")}]::bigint[]`}) as line, generate_subscripts(${`[${skipped.join(",")}]::bigint[]`}, 1) as rank;
        update ${FILE_ROWS} set __line = __line + (
          select count(*) from skipped_lines as s where s.line - (s.rank - 1) <= __file_rows.__line)
        where __file = ${fileIndex};`);
    }
    if (rejected.length) {
      await this.connection.run(`
        insert into ${READER_REJECTS}
          select ${fileIndex}, line, 'unreadable CSV line: ' || string_agg(distinct error_message, '; '), coalesce(any_value(csv_line), '')
          from csv_rejects group by line;`);
    }
  }

  async stageXlsx(fileIndex: number, file: string, path: string): Promise<void> {
    const { header, rows } = await readXlsx(path);
    const names = uniqueNames(header);
    const { source, unknown, missing } = this.mapper.map(names);
    this.noteDrift(file, unknown, missing);
    const positions = this.table.columns.map((c) => (source.has(c.name) ? names.indexOf(source.get(c.name)!) : -1));
    const appender = await this.connection.createAppender("__file_rows", "main", "temp");
    const text = (a: DuckDBAppender, v: string | null | undefined) => (v == null ? a.appendNull() : a.appendVarchar(v));
    try {
      for (const { line, cells } of rows) {
        for (const position of positions) text(appender, position >= 0 ? cells[position] : null);
        appender.appendInteger(fileIndex);
        appender.appendBigInt(BigInt(line));
        appender.appendVarchar(JSON.stringify(Object.fromEntries(names.map((n, i) => [n, cells[i] ?? null]))));
        appender.appendVarchar(missing.join(","));
        appender.appendNull(); // judged below, in SQL like the CSV rows
        appender.endRow();
      }
    } finally {
      appender.closeSync();
    }
    await this.connection.run(`update ${FILE_ROWS} set __reason = ${this.reasonSql} where __file = ${fileIndex}`);
  }
}

async function countRows(connection: DuckDBConnection, sql: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(connection, `select count(*) as n from (${sql})`);
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
  await prepareRawAndLanding(connection, source, table);
  const raw = rawTableName(source, table);
  const landing = landingTableName(source, table);
  const meta = [quoteLiteral(runId), quoteLiteral(source), quoteLiteral(table.name)].join(", ");
  const stamp = `${quoteLiteral(loadedAt)}::timestamp`;

  const previouslyLoaded = options.fullRefresh
    ? new Set<string>()
    : new Set(
        (
          await queryRows<{ content_sha256: string }>(
            connection,
            "select content_sha256 from meta.file_loads where source = $1 and stream = $2",
            [source, table.name],
          )
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
  const loadedFiles: Array<{ file: string; encoding: string; read: number; rejected: number }> = [];
  let read = 0;
  let rejected = 0;
  await connection.run("begin transaction");
  try {
    if (options.fullRefresh) {
      await connection.run(`delete from ${raw}`);
      await connection.run("delete from meta.file_loads where source = $1 and stream = $2", [source, table.name]);
    }
    await stager.createTables();
    const encodings: string[] = [];
    for (const [index, { path, file, bytes }] of newFiles.entries()) {
      if (/\.xlsx$/i.test(path)) {
        encodings.push("xlsx");
        await stager.stageXlsx(index, file, path);
      } else {
        const decoded = decodeCsv(bytes, path, scratchDir);
        encodings.push(decoded.encoding);
        await stager.stageCsv(index, file, decoded, stream.commentPrefix);
      }
    }
    crashPoint("files:staged");
    const fileName = `(${newFiles.length ? `[${newFiles.map((f) => quoteLiteral(f.file)).join(", ")}]` : "['']::varchar[]"})[__file + 1]`;
    const location = `${fileName} || ' line ' || __line`;
    const scope = stream.replaceScope?.length ? stream.replaceScope.join(", ") : undefined;
    // One pass judges every row; among valid rows, a later file of this run covering the same scope wins.
    await connection.run(`
      create or replace temp table __valid_rows as
      select ${typedSelectSql(table)}, __file, __line from ${FILE_ROWS} where __reason = '';`);
    const quarantinedBefore = await countRows(
      connection,
      `select 1 from meta.quarantine where run_id = ${quoteLiteral(runId)} and source = ${quoteLiteral(source)} and stream = ${quoteLiteral(table.name)}`,
    );
    await connection.run(`
      insert into meta.quarantine
        select ${meta}, ${location}, __reason, __payload, ${stamp} from ${FILE_ROWS} where __reason <> '';
      insert into meta.quarantine
        select ${meta}, ${fileName} || ' line ' || line, reason, payload, ${stamp} from ${READER_REJECTS};`);
    const replacedInRun = scope
      ? await countRows(
          connection,
          `select 1 from ${VALID_ROWS} qualify max(__file) over (partition by ${scope}) > __file`,
        )
      : 0;
    await connection.run(`
      insert into ${landing}
      select * exclude (__file, __line), ${quoteLiteral(runId)}, ${stamp}, ${location}
      from ${VALID_ROWS}
      ${scope ? `qualify max(__file) over (partition by ${scope}) = __file` : ""}
      order by __file, __line`);
    const duplicates = await quarantineSupersededDuplicates(connection, runId, source, table);
    if (scope)
      await connection.run(`delete from ${raw} where (${scope}) in (select distinct (${scope}) from ${landing})`);
    const keyMatch = table.primaryKey.map((k) => `t.${quoteIdent(k)} = l.${quoteIdent(k)}`).join(" and ");
    await connection.run(`delete from ${raw} as t using ${landing} as l where ${keyMatch}`);
    const inserted = await countRows(connection, `select 1 from ${landing}`);
    await connection.run(`insert into ${raw} select * from ${landing}`);

    // Per-file accounting, from the tables: rows read and rows quarantined.
    const perFile = await queryRows<{ file: number; read: number; rejected: number }>(
      connection,
      `select __file as file, sum(n) as read, sum(bad) as rejected from (
         select __file, count(*) as n, count(*) filter (where __reason <> '') as bad from ${FILE_ROWS} group by all
         union all select __file, count(*), count(*) from ${READER_REJECTS} group by all
       ) group by all order by 1`,
    );
    const dupes = await queryRows<{ location: string; n: number }>(
      connection,
      `select split_part(location, ' line ', 1) as location, count(*) as n from meta.quarantine
       where run_id = ${quoteLiteral(runId)} and source = ${quoteLiteral(source)} and stream = ${quoteLiteral(table.name)}
         and reason like 'duplicate key%' group by all`,
    );
    const dupesByFile = new Map(dupes.map((d) => [d.location, d.n]));
    for (const { file: index, read: fileRead, rejected: fileBad } of perFile) {
      const { file, hash } = newFiles[index]!;
      const fileRejected = fileBad + (dupesByFile.get(file) ?? 0);
      loadedFiles.push({ file, encoding: encodings[index]!, read: fileRead, rejected: fileRejected });
      await connection.run(`insert into meta.file_loads values ($1, $2, $3, $4, $5, $6, $7, $8, $9, ${stamp})`, [
        source,
        table.name,
        file,
        hash,
        encodings[index]!,
        runId,
        fileRead,
        fileRead - fileRejected,
        fileRejected,
      ] as never);
      read += fileRead;
      rejected += fileRejected;
    }
    // Empty files still count as loaded, so they are not read again.
    for (const [index, { file, hash }] of newFiles.entries()) {
      if (perFile.some((p) => p.file === index)) continue;
      loadedFiles.push({ file, encoding: encodings[index]!, read: 0, rejected: 0 });
      await connection.run(`insert into meta.file_loads values ($1, $2, $3, $4, $5, $6, 0, 0, 0, ${stamp})`, [
        source,
        table.name,
        file,
        hash,
        encodings[index]!,
        runId,
      ] as never);
    }
    const quarantined =
      (await countRows(
        connection,
        `select 1 from meta.quarantine where run_id = ${quoteLiteral(runId)} and source = ${quoteLiteral(source)} and stream = ${quoteLiteral(table.name)}`,
      )) - quarantinedBefore;
    // Rows replaced by a later file of the same run were loaded, then superseded: they count as loaded.
    assertReconciles(source, table.name, { read, loaded: inserted + replacedInRun, rejected: quarantined });
    if (quarantined !== rejected || duplicates !== [...dupesByFile.values()].reduce((a, b) => a + b, 0)) {
      throw new Error(`per-file counts of ${source}.${table.name} do not add up to the run's quarantine`);
    }
    await connection.run(`delete from ${landing}`);
    crashPoint("files:before-commit");
    await connection.run("commit");
  } catch (error) {
    await connection.run("rollback");
    throw error;
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
    await connection.run(
      `drop table if exists ${FILE_ROWS}; drop table if exists ${READER_REJECTS}; drop table if exists ${VALID_ROWS};
       drop table if exists ${landing};`,
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
