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
 */
import pg from "pg";
import type { TableSpec } from "../contracts/column-spec.js";
import type { RecordStream, SourceRecord } from "../load/source-stream.js";
import { redactConnectionString, redactSecrets } from "./redact.js";

export interface PostgresSourceConfig {
  /** Name of the source in the warehouse (the raw schema), e.g. `order_system`. */
  readonly name: string;
  readonly connectionString: string;
  readonly schema: string;
  readonly tables: readonly TableSpec[];
  readonly batchSize?: number;
  /** How far before the saved cursor each incremental run starts reading again (a PostgreSQL interval). */
  readonly lookback?: string;
  /** A column whose non-null value marks a row deleted in the source (e.g. `deleted_at`), if the source has one. */
  readonly softDeleteColumn?: string;
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

function passwordOf(connectionString: string): string | undefined {
  try {
    return decodeURIComponent(new URL(connectionString).password) || undefined;
  } catch {
    return undefined;
  }
}

/** One record stream per table of the source, sharing one connection opened on first use. */
export function postgresSource(config: PostgresSourceConfig): { streams: RecordStream[]; close(): Promise<void> } {
  let client: pg.Client | undefined;
  const server = redactConnectionString(config.connectionString);
  const password = passwordOf(config.connectionString);
  const fail = (what: string, error: unknown): never => {
    const reason = redactSecrets(error instanceof Error ? error.message || error.name : String(error), [password]);
    const code = (error as { code?: string }).code;
    const hint =
      code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "ETIMEDOUT" || code === "ECONNRESET"
        ? " Is the server running and reachable? Check the order system's connection settings."
        : code === "28P01" || code === "28000"
          ? " Check the user and the password environment variable."
          : code === "42P01"
            ? " The table the contract names is missing from the source."
            : "";
    throw new PostgresSourceError(`Order system (${server}) ${what}: ${reason}${code ? ` [${code}]` : ""}.${hint}`, {
      cause: error,
    });
  };

  async function connected(): Promise<pg.Client> {
    if (client) return client;
    const candidate = new pg.Client({ connectionString: config.connectionString, types: rawTextTypes });
    // A connection dropped between queries must not crash the process; the next query reports it.
    candidate.on("error", () => undefined);
    try {
      await candidate.connect();
    } catch (error) {
      await candidate.end().catch(() => undefined);
      fail("could not be reached", error);
    }
    client = candidate;
    return candidate;
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
        if (config.softDeleteColumn) columns.push(`(${quotePg(config.softDeleteColumn)} is not null) as "__deleted"`);
        const orderBy = [...(cursorColumn ? [cursorColumn] : []), ...table.primaryKey].map(quotePg).join(", ");
        try {
          await db.query("begin isolation level repeatable read read only");
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
        } catch (error) {
          await db.query("rollback").catch(() => undefined);
          // The connection may be broken: open a fresh one for the next table.
          if (client === db) {
            client = undefined;
            await db.end().catch(() => undefined);
          }
          if (error instanceof PostgresSourceError) throw error;
          fail(`failed while reading ${config.schema}.${table.name}`, error);
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
