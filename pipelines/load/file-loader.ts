/**
 * Lands files (CSV or XLSX) in raw, set-based in DuckDB: each file is read as text columns (after
 * decoding GBK/GB18030 to UTF-8 where needed), its headers mapped to the contract (aliases
 * allowed), every row checked in SQL; valid rows reach raw, the rest — including lines the CSV
 * reader could not parse and earlier copies of a duplicated key — go to quarantine with the file,
 * the line and the reason. Each file is loaded once (by content hash), in its own transaction.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import ExcelJS from "exceljs";
import type { TableSpec } from "../contracts/column-spec.js";
import { queryRows, quoteIdent, quoteLiteral } from "../warehouse/duckdb.js";
import { landingTableName, prepareRawAndLanding, rawTableName } from "./raw-tables.js";
import { assertReconciles } from "./reconciliation.js";
import { quarantineSupersededDuplicates } from "./record-loader.js";
import type { LoadResult } from "./source-stream.js";
import { rejectionReasonSql, typedSelectSql } from "./sql-validation.js";

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
}

/** Columns a file had that the contract does not know: reported, never silently dropped. */
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

const FILE_ROWS = "landing.__file_rows";

/** Reads an XLSX file's first sheet into FILE_ROWS as text columns (header row first). */
async function stageXlsx(connection: DuckDBConnection, path: string): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new Error(`${basename(path)} has no worksheet`);
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
  const header = (sheet.getRow(1).values as ExcelJS.CellValue[]).slice(1).map((v) => cellText(v) ?? "");
  const width = header.length;
  const columns = header.map((h, i) => `${quoteIdent(h || `column${i + 1}`)} VARCHAR`);
  await connection.run(`create or replace table ${FILE_ROWS} (${columns.join(", ")}, __line BIGINT)`);
  const appender = await connection.createAppender("__file_rows", "landing");
  try {
    for (let r = 2; r <= sheet.rowCount; r++) {
      const row = sheet.getRow(r);
      if (!row.hasValues) continue;
      for (let c = 1; c <= width; c++) {
        const text = cellText(row.getCell(c).value);
        if (text === null) appender.appendNull();
        else appender.appendVarchar(text);
      }
      appender.appendBigInt(BigInt(r));
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
}

/** Reads a CSV file into FILE_ROWS as text columns; malformed lines go to DuckDB's reject tables. */
async function stageCsv(connection: DuckDBConnection, path: string): Promise<void> {
  await connection.run("drop table if exists csv_rejects; drop table if exists csv_scans;");
  await connection.run(`
    create or replace table ${FILE_ROWS} as
    select *, row_number() over () + 1 as __line
    from read_csv(${quoteLiteral(path)}, header = true, all_varchar = true, auto_detect = true,
                  ignore_errors = true, store_rejects = true,
                  rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')`);
  // The reader skips lines it cannot parse, so row numbers drift past each one: shift them back to
  // real line numbers. With rejected lines r1 < r2 < ... the k-th parsed row sits on line
  // k + 1 + #{i : r_i - (i - 1) <= k + 1}.
  await connection.run(`
    create or replace temp table csv_reject_lines as
      select line, row_number() over (order by line) as rank from (select distinct line from csv_rejects);
    update ${FILE_ROWS} set __line = __line + (
      select count(*) from csv_reject_lines as r where r.line - (r.rank - 1) <= ${FILE_ROWS}.__line)
    where exists (select 1 from csv_reject_lines);`);
}

/** How a file's bytes were decoded, and a UTF-8 copy to read when they were not UTF-8 already. */
function decodeToUtf8(path: string, scratchDir: string): { encoding: string; readPath: string } {
  const bytes = readFileSync(path);
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    return { encoding: hasBom ? "utf-8 (BOM)" : "utf-8", readPath: path };
  } catch {
    // Not UTF-8: Chinese partners' spreadsheets export GBK, which GB18030 contains.
    const text = new TextDecoder("gb18030").decode(bytes);
    const readPath = join(scratchDir, `${createHash("sha1").update(path).digest("hex")}.csv`);
    writeFileSync(readPath, text);
    return { encoding: "gb18030", readPath };
  }
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export interface FileLoadOptions {
  /** Reload every file, ignoring which were loaded before (raw is rebuilt from the files). */
  readonly fullRefresh?: boolean;
}

/**
 * Loads the files of a stream that were not loaded before. Each file is one unit of work, in one
 * transaction: its valid rows replace whatever raw held for the same scope (e.g. the same partner
 * and month: a corrected file replaces the earlier one), its bad rows go to quarantine, and its
 * content hash is recorded so the same file dropped again is skipped.
 */
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
  const aliases = new Map<string, string>();
  for (const column of table.columns) aliases.set(column.name.toLowerCase(), column.name);
  for (const [alias, canonical] of Object.entries(stream.headerAliases ?? {}))
    aliases.set(alias.toLowerCase(), canonical);

  if (options.fullRefresh) {
    await connection.run("begin transaction");
    await connection.run(`delete from ${raw}`);
    await connection.run("delete from meta.file_loads where source = $1 and stream = $2", [source, table.name]);
    await connection.run("commit");
  }
  const alreadyLoaded = new Set(
    (
      await queryRows<{ content_sha256: string }>(
        connection,
        "select content_sha256 from meta.file_loads where source = $1 and stream = $2",
        [source, table.name],
      )
    ).map((r) => r.content_sha256),
  );

  const scratchDir = mkdtempSync(join(tmpdir(), "warehouse-files-"));
  let read = 0;
  let rejected = 0;
  const drift: FileDrift[] = [];
  const skipped: string[] = [];
  const loadedFiles: Array<{ file: string; encoding: string; read: number; rejected: number }> = [];
  try {
    for (const path of stream.files) {
      const file = basename(path);
      const hash = sha256(path);
      if (alreadyLoaded.has(hash)) {
        skipped.push(file);
        continue;
      }
      const isXlsx = /\.xlsx$/i.test(path);
      let encoding = "xlsx";
      if (isXlsx) await stageXlsx(connection, path);
      else {
        const decoded = decodeToUtf8(path, scratchDir);
        encoding = decoded.encoding;
        await stageCsv(connection, decoded.readPath);
      }

      // Map the file's headers onto the contract.
      const headers = (await queryRows<{ column_name: string }>(connection, `describe ${FILE_ROWS}`))
        .map((r) => r.column_name)
        .filter((h) => h !== "__line");
      const renamed = new Map<string, string>();
      const unknown: string[] = [];
      for (const header of headers) {
        const canonical = aliases.get(
          header
            .replace(/^\uFEFF/, "")
            .trim()
            .toLowerCase(),
        );
        if (canonical && !renamed.has(canonical)) renamed.set(canonical, header);
        else unknown.push(header);
      }
      const present = new Set(renamed.keys());
      const missing = table.columns.filter((c) => !present.has(c.name)).map((c) => c.name);
      if (unknown.length || missing.length) drift.push({ file, unknownColumns: unknown, missingColumns: missing });

      const renamedSelect = [...renamed].map(
        ([canonical, header]) => `${quoteIdent(header)} as ${quoteIdent(canonical)}`,
      );
      const payload = `to_json(struct_pack(${headers.map((h) => `${quoteIdent(h)} := ${quoteIdent(h)}`).join(", ")}))::varchar`;
      await connection.run(`
        create or replace table landing.__checked as
        select ${[...renamedSelect, "__line", `${payload} as __payload`].join(", ")},
               ${rejectionReasonSql(table, present)} as __reason
        from ${FILE_ROWS}`);
      const location = `${quoteLiteral(`${file} line `)} || __line`;

      await connection.run("begin transaction");
      try {
        await connection.run(`
          insert into ${landing}
          select ${typedSelectSql(table, present)}, ${quoteLiteral(runId)}, ${quoteLiteral(loadedAt)}::timestamp, ${location}
          from landing.__checked where __reason = '' order by __line`);
        await connection.run(`
          insert into meta.quarantine
          select ${quoteLiteral(runId)}, ${quoteLiteral(source)}, ${quoteLiteral(table.name)}, ${location}, __reason, __payload,
                 ${quoteLiteral(loadedAt)}::timestamp
          from landing.__checked where __reason <> ''`);
        let fileRead = await countRows(connection, "select 1 from landing.__checked");
        let fileRejected = await countRows(connection, "select 1 from landing.__checked where __reason <> ''");
        if (!isXlsx) {
          // Lines the CSV reader itself could not parse (wrong field count, bad quoting...).
          const readerRejects = await countRows(connection, "select 1 from csv_reject_lines");
          if (readerRejects > 0) {
            await connection.run(`
              insert into meta.quarantine
              select ${quoteLiteral(runId)}, ${quoteLiteral(source)}, ${quoteLiteral(table.name)},
                     ${quoteLiteral(`${file} line `)} || line, 'unreadable CSV line: ' || string_agg(distinct error_message, '; '),
                     coalesce(any_value(csv_line), ''), ${quoteLiteral(loadedAt)}::timestamp
              from csv_rejects group by line`);
            fileRead += readerRejects;
            fileRejected += readerRejects;
          }
        }
        fileRejected += await quarantineSupersededDuplicates(connection, runId, source, table);
        // A newer file for the same scope (partner and month) replaces what earlier files said about it.
        if (stream.replaceScope?.length) {
          const scope = stream.replaceScope.join(", ");
          await connection.run(`delete from ${raw} where (${scope}) in (select distinct (${scope}) from ${landing})`);
        }
        const keyMatch = table.primaryKey.map((k) => `t.${quoteIdent(k)} = l.${quoteIdent(k)}`).join(" and ");
        await connection.run(`delete from ${raw} as t using ${landing} as l where ${keyMatch}`);
        const fileLoaded = await countRows(connection, `select 1 from ${landing}`);
        await connection.run(`insert into ${raw} select * from ${landing}`);
        await connection.run(`delete from ${landing}`);
        assertReconciles(source, `${table.name} (${file})`, {
          read: fileRead,
          loaded: fileLoaded,
          rejected: fileRejected,
        });
        await connection.run(
          `insert into meta.file_loads values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamp)`,
          [source, table.name, file, hash, encoding, runId, fileRead, fileLoaded, fileRejected, loadedAt] as never,
        );
        await connection.run("commit");
        read += fileRead;
        rejected += fileRejected;
        alreadyLoaded.add(hash);
        loadedFiles.push({ file, encoding, read: fileRead, rejected: fileRejected });
      } catch (error) {
        await connection.run("rollback");
        throw error;
      }
    }
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
    await connection.run(
      `drop table if exists ${FILE_ROWS}; drop table if exists landing.__checked; drop table if exists ${landing};`,
    );
  }
  return {
    source,
    stream: table.name,
    read,
    loaded: read - rejected,
    rejected,
    durationMs: Date.now() - started,
    drift,
    skippedFiles: skipped,
    loadedFiles,
  };
}

async function countRows(connection: DuckDBConnection, sql: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(connection, `select count(*) as n from (${sql})`);
  return row?.n ?? 0;
}
