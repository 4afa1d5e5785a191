/**
 * Reading the demo company back the way an independent consumer would: order-system CSV files,
 * CRM NDJSON, and the partner drops in all their shapes (canonical CSV, Chinese headers, XLSX),
 * then into an in-memory DuckDB with tables named as in the contracts, where the planted-truth
 * rules from the manifest can be evaluated.
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import ExcelJS from "exceljs";
import { type TableSpec, duckdbTypeOf } from "../../pipelines/shared/contracts/column-spec.js";
import { crmTables } from "../../pipelines/shared/contracts/crm.js";
import { orderSystemTables } from "../../pipelines/shared/contracts/order-system.js";
import { sellThrough, sellThroughHeaderAliases } from "../../pipelines/shared/contracts/partner-files.js";

export type Row = Record<string, string | number | null>;

/** RFC 4180 CSV (quotes, doubled quotes); unquoted empty fields are NULL. */
export function parseCsv(text: string): { header: string[]; rows: (string | null)[][] } {
  const records: (string | null)[][] = [];
  let field = "";
  let quoted = false;
  let wasQuoted = false;
  let record: (string | null)[] = [];
  let i = 0;
  const endField = () => {
    record.push(field === "" && !wasQuoted ? null : field);
    field = "";
    wasQuoted = false;
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ",") endField();
    else if (ch === "\n") {
      endField();
      records.push(record);
      record = [];
    } else if (ch !== "\r") field += ch;
    i++;
  }
  if (field !== "" || record.length > 0) {
    endField();
    records.push(record);
  }
  const [header, ...rows] = records;
  return { header: (header ?? []) as string[], rows };
}

export function readCsvRecords(path: string): Row[] {
  const { header, rows } = parseCsv(readFileSync(path, "utf8"));
  return rows.map((values) => Object.fromEntries(header.map((h, k) => [h, values[k] ?? null])));
}

export function readNdjson(path: string): Row[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Row);
}

function canonicalHeader(name: string): string {
  return sellThroughHeaderAliases[name] ?? name;
}

/** One partner drop file as canonical sell-through records (text values, as a CSV would give). */
export async function readPartnerDrop(path: string): Promise<{ records: Row[]; headers: string[] }> {
  if (path.endsWith(".csv")) {
    const { header, rows } = parseCsv(readFileSync(path, "utf8"));
    const names = header.map(canonicalHeader);
    return {
      headers: header,
      records: rows.map((values) => Object.fromEntries(names.map((h, k) => [h, values[k] ?? null]))),
    };
  }
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new Error(`${path}: no worksheet`);
  const headers: string[] = [];
  const records: Row[] = [];
  sheet.eachRow((row, rowNumber) => {
    const values = (row.values as unknown[]).slice(1);
    if (rowNumber === 1) {
      headers.push(...values.map(String));
      return;
    }
    const record: Row = {};
    headers.forEach((h, k) => {
      const v = values[k];
      record[canonicalHeader(h)] =
        v === undefined || v === null
          ? null
          : v instanceof Date
            ? v.toISOString().slice(0, 10)
            : typeof v === "number"
              ? v
              : String(v);
    });
    records.push(record);
  });
  return { headers, records };
}

export async function readAllPartnerDrops(dir: string): Promise<{ file: string; records: Row[]; headers: string[] }[]> {
  const out = [];
  for (const file of readdirSync(dir).sort()) {
    if (!/\.(csv|xlsx)$/.test(file)) continue;
    out.push({ file, ...(await readPartnerDrop(join(dir, file))) });
  }
  return out;
}

function columnsOption(spec: TableSpec): string {
  return `{${spec.columns.map((c) => `'${c.name}': '${duckdbTypeOf[c.type]}'`).join(", ")}}`;
}

export interface DemoDirs {
  readonly orderSystemCsvDir: string;
  readonly crmDir: string;
  readonly partnerDropsDir: string;
  /** Scratch folder for the canonical sell-through CSV. */
  readonly scratchDir: string;
}

/** An in-memory DuckDB with every source table, typed as the contracts say. */
export async function loadDemoIntoDuckDB(dirs: DemoDirs): Promise<{ connection: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  for (const spec of orderSystemTables) {
    const path = join(dirs.orderSystemCsvDir, `${spec.name}.csv`);
    await connection.run(
      `create table ${spec.name} as select * from read_csv('${path}', header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = ${columnsOption(spec)})`,
    );
  }
  for (const spec of crmTables) {
    const path = join(dirs.crmDir, `${spec.name}.ndjson`);
    await connection.run(
      `create table ${spec.name} as select * from read_json('${path}', format = 'newline_delimited', columns = ${columnsOption(spec)})`,
    );
  }
  const lines: string[] = [sellThrough.columns.map((c) => c.name).join(",")];
  for (const drop of await readAllPartnerDrops(dirs.partnerDropsDir)) {
    for (const r of drop.records)
      lines.push(sellThrough.columns.map((c) => (r[c.name] === null ? "" : String(r[c.name]))).join(","));
  }
  const stPath = join(dirs.scratchDir, "sell_through.csv");
  writeFileSync(stPath, `${lines.join("\n")}\n`);
  await connection.run(
    `create table sell_through as select * from read_csv('${stPath}', header = true, auto_detect = false, columns = ${columnsOption(sellThrough)})`,
  );
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

export async function query(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}
