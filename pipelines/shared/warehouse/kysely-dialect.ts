/**
 * A kysely dialect on @duckdb/node-api, so the pipelines' own typed queries (run log, load
 * state, quarantine, reconciliation) are checked by the compiler. DuckDB speaks PostgreSQL's
 * `$1` placeholders and `returning`, so kysely's PostgreSQL compiler and adapter fit as they are;
 * only the driver is new. (`kysely-duckdb` on npm targets the old `duckdb` package, not node-api.)
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from "kysely";
import { plainValue, toDuckDBParam } from "./duckdb.js";

class DuckDBKyselyConnection implements DatabaseConnection {
  constructor(private readonly connection: DuckDBConnection) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const params = compiledQuery.parameters.map(toDuckDBParam);
    const reader = await this.connection.runAndReadAll(compiledQuery.sql, params as never);
    const rows = reader.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) out[key] = plainValue(value);
      return out as R;
    });
    const isWrite = /^\s*(insert|update|delete)/i.test(compiledQuery.sql);
    if (isWrite && !/\breturning\b/i.test(compiledQuery.sql)) {
      // DuckDB reports the affected row count as a single "Count" column.
      const count = (rows[0] as Record<string, unknown> | undefined)?.["Count"];
      return { rows: [], numAffectedRows: BigInt(Number(count ?? 0)) };
    }
    return { rows };
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const result = await this.connection.stream(
      compiledQuery.sql,
      compiledQuery.parameters.map(toDuckDBParam) as never,
    );
    for await (const batch of result.yieldRowObjectJs()) {
      yield {
        rows: batch.map((row) => {
          const out: Record<string, unknown> = {};
          for (const [key, value] of Object.entries(row)) out[key] = plainValue(value);
          return out as R;
        }),
      };
    }
  }
}

class DuckDBDriver implements Driver {
  // One node-api connection serialises its queries; kysely's transactions need exactly one.
  private readonly connection: DuckDBKyselyConnection;
  private queue: Promise<void> = Promise.resolve();
  private readonly releasers: Array<() => void> = [];

  constructor(duckdbConnection: DuckDBConnection) {
    this.connection = new DuckDBKyselyConnection(duckdbConnection);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // Hand the connection out one user at a time so a transaction is never interleaved with another query.
    let release!: () => void;
    const previous = this.queue;
    this.queue = new Promise((resolve) => (release = resolve));
    await previous;
    this.releasers.push(release);
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery({ sql: "begin transaction", parameters: [] } as unknown as CompiledQuery);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery({ sql: "commit", parameters: [] } as unknown as CompiledQuery);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery({ sql: "rollback", parameters: [] } as unknown as CompiledQuery);
  }

  async releaseConnection(): Promise<void> {
    this.releasers.shift()?.();
  }

  async destroy(): Promise<void> {}
}

/** A kysely dialect that runs on an existing node-api connection (the caller owns and closes it). */
export class DuckDBDialect implements Dialect {
  constructor(private readonly connection: DuckDBConnection) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver() {
    return new DuckDBDriver(this.connection);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    // DuckDB's information_schema and pg_catalog views are close enough for kysely's introspection.
    return new PostgresIntrospector(db);
  }
}

/** A typed kysely instance over a node-api connection. */
export function kyselyOn<DB>(connection: DuckDBConnection): Kysely<DB> {
  return new Kysely<DB>({ dialect: new DuckDBDialect(connection) });
}
