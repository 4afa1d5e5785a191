/**
 * The order system: tables read from PostgreSQL with the ordinary `pg` client, each in a
 * repeatable-read snapshot through a server-side cursor, so memory stays flat whatever the table
 * size and the row count taken in the same snapshot can be reconciled against what was read.
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

/** One record stream per table of the source, sharing one connection opened on first use. */
export function postgresSource(config: PostgresSourceConfig): { streams: RecordStream[]; close(): Promise<void> } {
  let client: pg.Client | undefined;
  const server = redactConnectionString(config.connectionString);
  const password = (() => {
    try {
      return decodeURIComponent(new URL(config.connectionString).password);
    } catch {
      return undefined;
    }
  })();
  const fail = (what: string, error: unknown): never => {
    const reason = redactSecrets(error instanceof Error ? error.message || error.name : String(error), [password]);
    const code = (error as { code?: string }).code;
    const hint =
      code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "ETIMEDOUT"
        ? " Is the server running and reachable? Check the order system's connection settings."
        : code === "28P01" || code === "28000"
          ? " Check the user and the password environment variable."
          : "";
    throw new PostgresSourceError(`Order system (${server}) ${what}: ${reason}${code ? ` [${code}]` : ""}.${hint}`, {
      cause: error,
    });
  };

  async function connected(): Promise<pg.Client> {
    if (client) return client;
    const candidate = new pg.Client({ connectionString: config.connectionString, types: rawTextTypes });
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
  const streams = config.tables.map((table): RecordStream => {
    let expected: number | undefined;
    const qualified = `${quotePg(config.schema)}.${quotePg(table.name)}`;
    return {
      source: config.name,
      table,
      expectedCount: async () => expected,
      async *read() {
        const db = await connected();
        try {
          await db.query("begin isolation level repeatable read read only");
          const count = await db.query(`select count(*)::text as n from ${qualified}`);
          expected = Number(count.rows[0].n);
          const columns = table.columns.map((c) => quotePg(c.name)).join(", ");
          const orderBy = table.primaryKey.map(quotePg).join(", ");
          await db.query(
            `declare extract_cursor no scroll cursor for select ${columns} from ${qualified} order by ${orderBy}`,
          );
          for (;;) {
            const result = await db.query(`fetch forward ${batchSize} from extract_cursor`);
            if (result.rows.length === 0) break;
            const batch: SourceRecord[] = result.rows.map((row: Record<string, unknown>) => ({
              record: row,
              location: `${config.schema}.${table.name} key=${table.primaryKey.map((k) => String(row[k])).join("/")}`,
            }));
            yield batch;
          }
          await db.query("close extract_cursor");
          await db.query("commit");
        } catch (error) {
          await db.query("rollback").catch(() => undefined);
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
