/**
 * Lands files (CSV or XLSX) in raw, set-based in DuckDB: each file is read as text columns, its
 * headers mapped to the contract (aliases allowed), every row checked in SQL; valid rows go to the
 * landing table, the rest — including lines the CSV reader could not parse — to quarantine with
 * the file, the line and the reason. All files of a stream then replace the raw table at once.
 */
import { basename } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import ExcelJS from "exceljs";
import type { TableSpec } from "../contracts/column-spec.js";
import { queryRows, quoteIdent, quoteLiteral } from "../warehouse/duckdb.js";
import { landingTableName, prepareRawAndLanding } from "./raw-tables.js";
import { replaceRawFromLanding } from "./record-loader.js";
import type { LoadResult } from "./source-stream.js";
import { rejectionReasonSql, typedSelectSql } from "./sql-validation.js";

export interface FileStream {
  readonly source: string;
  readonly table: TableSpec;
  readonly files: readonly string[];
  /** Header spellings partners use, mapped to contract column names (matched case-insensitively). */
  readonly headerAliases?: Readonly<Record<string, string>>;
}

/** Columns a file had that the contract does not know: reported, never silently dropped. */
export interface FileDrift {
  readonly file: string;
  readonly unknownColumns: readonly string[];
  readonly missingColumns: readonly string[];
}

export interface FileLoadResult extends LoadResult {
  readonly drift: readonly FileDrift[];
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

/** Loads all files of a stream as a full replacement of its raw table. */
export async function loadFileStream(
  connection: DuckDBConnection,
  runId: string,
  stream: FileStream,
): Promise<FileLoadResult> {
  const started = Date.now();
  const { source, table } = stream;
  const loadedAt = new Date().toISOString();
  await prepareRawAndLanding(connection, source, table);
  const aliases = new Map<string, string>();
  for (const column of table.columns) aliases.set(column.name.toLowerCase(), column.name);
  for (const [alias, canonical] of Object.entries(stream.headerAliases ?? {}))
    aliases.set(alias.toLowerCase(), canonical);

  let read = 0;
  let rejected = 0;
  const drift: FileDrift[] = [];
  for (const path of stream.files) {
    const file = basename(path);
    const isXlsx = /\.xlsx$/i.test(path);
    if (isXlsx) await stageXlsx(connection, path);
    else await stageCsv(connection, path);

    // Map the file's headers onto the contract.
    const headers = (await queryRows<{ column_name: string }>(connection, `describe ${FILE_ROWS}`))
      .map((r) => r.column_name)
      .filter((h) => h !== "__line");
    const renamed = new Map<string, string>();
    const unknown: string[] = [];
    for (const header of headers) {
      const canonical = aliases.get(header.trim().toLowerCase());
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
    await connection.run(`
      insert into ${landingTableName(source, table)}
      select ${typedSelectSql(table, present)}, ${quoteLiteral(runId)}, ${quoteLiteral(loadedAt)}::timestamp, ${location}
      from landing.__checked where __reason = ''`);
    await connection.run(`
      insert into meta.quarantine
      select ${quoteLiteral(runId)}, ${quoteLiteral(source)}, ${quoteLiteral(table.name)}, ${location}, __reason, __payload,
             ${quoteLiteral(loadedAt)}::timestamp
      from landing.__checked where __reason <> ''`);
    const [counts] = await queryRows<{ total: number; bad: number }>(
      connection,
      `select count(*) as total, count(*) filter (where __reason <> '') as bad from landing.__checked`,
    );
    read += counts?.total ?? 0;
    rejected += counts?.bad ?? 0;

    if (!isXlsx) {
      // Lines the CSV reader itself could not parse (wrong field count, bad quoting...).
      const [readerRejects] = await queryRows<{ n: number }>(connection, `select count(*) as n from csv_reject_lines`);
      if (readerRejects && readerRejects.n > 0) {
        await connection.run(`
          insert into meta.quarantine
          select ${quoteLiteral(runId)}, ${quoteLiteral(source)}, ${quoteLiteral(table.name)},
                 ${quoteLiteral(`${file} line `)} || line, 'unreadable CSV line: ' || string_agg(distinct error_message, '; '),
                 coalesce(any_value(csv_line), ''), ${quoteLiteral(loadedAt)}::timestamp
          from csv_rejects group by line`);
        read += readerRejects.n;
        rejected += readerRejects.n;
      }
    }
  }
  await connection.run(`drop table if exists ${FILE_ROWS}; drop table if exists landing.__checked;`);
  await replaceRawFromLanding(connection, runId, source, table, { read });
  return {
    source,
    stream: table.name,
    read,
    loaded: read - rejected,
    rejected,
    durationMs: Date.now() - started,
    drift,
  };
}
