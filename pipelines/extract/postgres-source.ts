/**
 * The order system: tables read from PostgreSQL with the ordinary `pg` client, each in a
 * repeatable-read snapshot through a server-side cursor, so memory stays flat whatever the table
 * size and a row count taken in the same snapshot can be reconciled against what was read.
 *
 * Incremental by the table's cursor column (e.g. `updated_at`): a run reads rows whose cursor is
 * at or after the saved cursor minus a look-back window, ordered by (cursor, primary key). Reading
 * from "at or after" (not "after") means rows sharing the last cursor value are never skipped;
 * the look-back re-reads rows that committed late with an older cursor value. Re-read rows are
 * harmless: raw is merged by primary key.
 *
 * Soft deletes: when a soft-delete column is configured, the tables that have it (looked up in
 * information_schema) deliver rows with a value there as deleted, so the loader removes them
 * from raw; tables without the column have no soft deletes.
 */
import pg from "pg";
import type { TableSpec } from "../shared/contracts/column-spec.js";
import type { RecordStream, SourceRecord } from "../shared/source-stream.js";
import {
  connectionStringProblem,
  connectionStringSecrets,
  redactConnectionString,
  redactSecrets,
} from "../shared/redact.js";

export interface PostgresSourceConfig {
  /** Name of the source in the warehouse (the raw schema), e.g. `order_system`. */
  readonly name: string;
  readonly connectionString: string;
  readonly schema: string;
  readonly tables: readonly TableSpec[];
  readonly batchSize?: number;
  /** How far before the saved cursor each incremental run starts reading again (a PostgreSQL interval). */
  readonly lookback?: string;
  /**
   * A column whose non-null value marks a row deleted in the source (e.g. `deleted_at`). It applies
   * to the tables that have it; a table without it has no soft deletes.
   */
  readonly softDeleteColumn?: string;
  /** One line per run saying which tables have the soft-delete column (a warning when none has it). */
  readonly onNotice?: (line: string) => void;
  /** Read whole tables every run instead of incrementally. */
  readonly fullRefresh?: boolean;
}

/** Saved between runs per table: the cursor value of the last row stored. */
interface PostgresCursorState {
  readonly cursor: string;
}

/** The order system could not be read; the message names the server (never the password) and what to check. */
export class PostgresSourceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PostgresSourceError";
  }
}

/** The kinds of failure the published warehouse may show for the order system (never the message). */
export type OrderSystemErrorClass =
  | "configuration"
  | "unreachable"
  | "timeout"
  | "authentication"
  | "contract"
  | "other";

/** Error codes (Node's network codes, PostgreSQL's SQLSTATE) by the kind of failure they are. */
const CLASS_BY_CODE: Readonly<Record<string, OrderSystemErrorClass>> = {
  ECONNREFUSED: "unreachable",
  ENOTFOUND: "unreachable",
  EAI_AGAIN: "unreachable",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  ECONNRESET: "unreachable",
  EPIPE: "unreachable",
  ETIMEDOUT: "timeout",
  "57014": "timeout", // query_canceled: a statement timeout
  "28P01": "authentication", // invalid_password
  "28000": "authentication", // invalid_authorization_specification
  "42501": "authentication", // insufficient_privilege: the user may not read the table
  "42P01": "contract", // undefined_table
  "42703": "contract", // undefined_column
  "3F000": "contract", // invalid_schema_name
  ERR_INVALID_URL: "configuration",
};

const UNREACHABLE = "could not be reached";
const UNUSABLE = "cannot be used as configured";

/**
 * The kind of failure an error message of this source describes, or undefined for a message it did
 * not write. Read from the message because the run log receives only the message; every message
 * ends with the `[code]` of the failure when there is one (see `fail` below).
 */
export function orderSystemErrorClass(message: string): OrderSystemErrorClass | undefined {
  if (!message.startsWith("Order system (")) return undefined;
  if (message.includes(`) ${UNUSABLE}: `)) return "configuration";
  const code = / \[([A-Z0-9_]+)\]\.(?: [^[]*)?$/.exec(message)?.[1];
  if (code && CLASS_BY_CODE[code]) return CLASS_BY_CODE[code];
  if (/timeout|timed out/i.test(message)) return "timeout";
  if (message.includes(`) ${UNREACHABLE}: `)) return "unreachable";
  return "other";
}

// Dates and timestamps stay as the text PostgreSQL sent: converting them to JS Dates would shift
// them by the machine's timezone. Big integers and numerics stay text too; the contract parses them.
const TEXT_TYPES = [1082, 1114, 1184, 20, 1700];
const rawTextTypes = {
  getTypeParser: (oid: number, format?: string) =>
    TEXT_TYPES.includes(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format as "text"),
};

function quotePg(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** One record stream per table of the source, sharing one connection opened on first use. */
export function postgresSource(config: PostgresSourceConfig): { streams: RecordStream[]; close(): Promise<void> } {
  let client: pg.Client | undefined;
  const server = redactConnectionString(config.connectionString);
  const secrets = connectionStringSecrets(config.connectionString);
  const fail = (what: string, error: unknown): never => {
    const reason = redactSecrets(error instanceof Error ? error.message || error.name : String(error), secrets);
    const code = (error as { code?: string }).code;
    const kind = code ? CLASS_BY_CODE[code] : undefined;
    const hint =
      kind === "unreachable" || kind === "timeout"
        ? " Is the server running and reachable? Check the order system's connection settings."
        : code === "28P01" || code === "28000"
          ? " Check the user and the password environment variable."
          : code === "42501"
            ? " Grant the user read access to the contract's tables."
            : kind === "contract"
              ? " The table or column the contract names is missing from the source."
              : kind === "configuration"
                ? " Check the order system's connection string."
                : "";
    throw new PostgresSourceError(`Order system (${server}) ${what}: ${reason}${code ? ` [${code}]` : ""}.${hint}`, {
      cause: error,
    });
  };

  async function connected(): Promise<pg.Client> {
    if (client) return client;
    // Refused before connecting: the client would read such a string differently (another host, a shorter
    // password) and name a piece of the password as the host in its error.
    const problem = connectionStringProblem(config.connectionString);
    if (problem) {
      throw new PostgresSourceError(
        `Order system (${server}) ${UNUSABLE}: ${problem}. Percent-encode the user name and password in the ` +
          "connection string (# as %23, / as %2F, ? as %3F, @ as %40, : as %3A, % as %25, a space as %20; " +
          'encodeURIComponent in JavaScript, urllib.parse.quote(password, safe="") in Python) and set it again.',
      );
    }
    const candidate = new pg.Client({ connectionString: config.connectionString, types: rawTextTypes });
    // A connection dropped between queries must not crash the process; the next query reports it.
    candidate.on("error", () => undefined);
    try {
      await candidate.connect();
    } catch (error) {
      await candidate.end().catch(() => undefined);
      fail(UNREACHABLE, error);
    }
    client = candidate;
    return candidate;
  }

  /**
   * The contract tables that have the soft-delete column, looked up once per run (on the first
   * table read) in the snapshot of that read.
   */
  let softDeleteTables: ReadonlySet<string> | undefined;
  async function tablesWithSoftDelete(db: pg.Client): Promise<ReadonlySet<string>> {
    const column = config.softDeleteColumn;
    if (!column) return new Set();
    if (softDeleteTables) return softDeleteTables;
    const names = config.tables.map((t) => t.name);
    const found = await db.query(
      "select distinct table_name::text as name from information_schema.columns where table_schema = $1 and column_name = $2 and table_name = any($3::text[])",
      [config.schema, column, names],
    );
    softDeleteTables = new Set(found.rows.map((r: { name: string }) => r.name));
    const withColumn = names.filter((n) => softDeleteTables!.has(n));
    const without = names.filter((n) => !softDeleteTables!.has(n));
    config.onNotice?.(
      withColumn.length === 0
        ? `  ! order system: no table in ${config.schema} has the soft-delete column ${column}, so no row is treated as deleted (check sources.order_system.soft_delete_column)`
        : `  order system: soft deletes by ${column} in ${withColumn.join(", ")}` +
            (without.length ? `; ${without.join(", ")} ${without.length === 1 ? "has" : "have"} no such column` : ""),
    );
    return softDeleteTables;
  }

  const batchSize = config.batchSize ?? 5000;
  const lookback = config.lookback ?? "1 hour";
  const streams = config.tables.map((table): RecordStream => {
    let expected: number | undefined;
    const qualified = `${quotePg(config.schema)}.${quotePg(table.name)}`;
    const cursorColumn = config.fullRefresh ? undefined : table.cursorColumn;
    return {
      source: config.name,
      table,
      mode: cursorColumn ? "incremental" : "full",
      expectedCount: async () => expected,
      async *read(savedState) {
        const db = await connected();
        const previous = savedState as PostgresCursorState | undefined;
        const where = cursorColumn && previous ? `where ${quotePg(cursorColumn)} >= $1::timestamp - $2::interval` : "";
        const params = where ? [previous!.cursor, lookback] : [];
        const columns = table.columns.map((c) => quotePg(c.name));
        const orderBy = [...(cursorColumn ? [cursorColumn] : []), ...table.primaryKey].map(quotePg).join(", ");
        let settled = false;
        try {
          await db.query("begin isolation level repeatable read read only");
          if (config.softDeleteColumn && (await tablesWithSoftDelete(db)).has(table.name)) {
            columns.push(`(${quotePg(config.softDeleteColumn)} is not null) as "__deleted"`);
          }
          const count = await db.query(`select count(*)::text as n from ${qualified} ${where}`, params);
          expected = Number(count.rows[0].n);
          await db.query(
            `declare extract_cursor no scroll cursor for select ${columns.join(", ")} from ${qualified} ${where} order by ${orderBy}`,
            params,
          );
          for (;;) {
            const result = await db.query(`fetch forward ${batchSize} from extract_cursor`);
            if (result.rows.length === 0) break;
            const records: SourceRecord[] = result.rows.map((row: Record<string, unknown>) => {
              const deleted = row["__deleted"] === true;
              delete row["__deleted"];
              return {
                record: row,
                location: `${config.schema}.${table.name} key=${table.primaryKey.map((k) => String(row[k])).join("/")}`,
                ...(deleted ? { deleted } : {}),
              };
            });
            const last = result.rows.at(-1) as Record<string, unknown>;
            yield cursorColumn ? { records, state: { cursor: String(last[cursorColumn]) } } : { records };
          }
          await db.query("close extract_cursor");
          await db.query("commit");
          settled = true;
        } catch (error) {
          settled = true;
          await db.query("rollback").catch(() => undefined);
          // The connection may be broken: open a fresh one for the next table.
          if (client === db) {
            client = undefined;
            await db.end().catch(() => undefined);
          }
          if (error instanceof PostgresSourceError) throw error;
          fail(`failed while reading ${config.schema}.${table.name}`, error);
        } finally {
          // A reader that stops early (the pre-refresh check's sample, a load that failed mid-table) leaves the
          // snapshot and its cursor open on the shared connection, and the next table's read would fail on them.
          if (!settled) await db.query("rollback").catch(() => undefined);
        }
      },
    };
  });

  return {
    streams,
    async close() {
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}
