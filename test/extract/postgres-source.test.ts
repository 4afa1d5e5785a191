import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresCreateTable } from "../../pipelines/shared/contracts/column-spec.js";
import type { TableSpec } from "../../pipelines/shared/contracts/column-spec.js";
import { orders, regions } from "../../pipelines/shared/contracts/order-system.js";
import { loadRecordStream, readStreamState } from "../../pipelines/load/record-loader.js";
import type { RecordStream } from "../../pipelines/shared/source-stream.js";
import { orderSystemErrorClass, PostgresSourceError, postgresSource } from "../../pipelines/extract/postgres-source.js";
import { connectionStringSecrets, redactConnectionString } from "../../pipelines/shared/redact.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { freePort, startPostgres, type TestPostgres } from "../helpers/postgres-server.js";
import { tempDir } from "../helpers/temp-dir.js";

let server: TestPostgres;
let admin: pg.Client;

beforeAll(async () => {
  server = await startPostgres();
  admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
  await admin.query(postgresCreateTable("public.orders", orders).replace(/\)$/, ", deleted_at timestamp)"));
  // Only orders has the soft-delete column; regions has none.
  await admin.query(postgresCreateTable("public.regions", regions));
  await admin.query(
    "insert into regions values ('CN-31', 'Shanghai', '上海', 'East', 24.9, '2026-01-01'), ('CN-11', 'Beijing', '北京', 'North', 21.9, '2026-01-01')",
  );
}, 60_000);

afterAll(async () => {
  await admin?.end();
  server?.stop();
});

function order(id: string, updatedAt: string, status = "completed") {
  return [id, "2026-01-05 10:00:00", "ch-ecom", null, "C1", "CN-31", status, "CNY", updatedAt];
}

async function insert(...rows: unknown[][]) {
  for (const row of rows) {
    await admin.query(
      "insert into orders (order_id, ordered_at, channel_id, partner_id, customer_id, ship_to_region_id, status, currency, updated_at) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
      row,
    );
  }
}

interface StreamOptions {
  batchSize?: number;
  lookback?: string;
  connectionString?: string;
  tables?: TableSpec[];
  softDeleteColumn?: string;
  fullRefresh?: boolean;
  onNotice?: (line: string) => void;
}

function ordersStream(options: StreamOptions = {}) {
  return postgresSource({
    name: "order_system",
    connectionString: options.connectionString ?? server.connectionString,
    schema: "public",
    tables: options.tables ?? [orders],
    batchSize: options.batchSize ?? 2,
    lookback: options.lookback ?? "0 seconds",
    softDeleteColumn: options.softDeleteColumn ?? "deleted_at",
    ...(options.fullRefresh ? { fullRefresh: true } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
  });
}

async function extractOnce(
  rawPath: string,
  runId: string,
  options: Parameters<typeof ordersStream>[0] = {},
  wrap?: (s: RecordStream) => RecordStream,
) {
  const source = ordersStream(options);
  try {
    return await withDatabase(rawPath, async (c) => {
      await ensureMetaSchema(c);
      return loadRecordStream(c, runId, wrap ? wrap(source.streams[0]!) : source.streams[0]!);
    });
  } finally {
    await source.close();
  }
}

async function rawOrders(rawPath: string) {
  return withDatabase(rawPath, (c) =>
    queryRows<{ order_id: string; status: string; n: number }>(
      c,
      "select order_id, any_value(status) as status, count(*) as n from order_system.orders group by all order by order_id",
    ),
  );
}

describe("order system on a real PostgreSQL server", () => {
  const dir = tempDir();
  const rawPath = join(dir, "raw.duckdb");

  it("initial load, then only changed rows; ties on the cursor are not skipped; an update replaces the earlier version", async () => {
    await insert(
      order("O1", "2026-01-01 00:00:00"),
      order("O2", "2026-01-02 00:00:00"),
      order("O3", "2026-01-02 00:00:00"),
    );
    const first = await extractOnce(rawPath, "run-1");
    expect(first).toMatchObject({ read: 3, loaded: 3, rejected: 0 });
    const state = await withDatabase(rawPath, (c) => readStreamState(c, "order_system", "orders"));
    expect(state).toEqual({ cursor: "2026-01-02 00:00:00" });

    // O4 shares the saved cursor value (a tie), O1 is updated later.
    await insert(order("O4", "2026-01-02 00:00:00"));
    await admin.query(
      "update orders set status = 'cancelled', updated_at = '2026-01-03 00:00:00' where order_id = 'O1'",
    );
    const second = await extractOnce(rawPath, "run-2");
    // Re-reads the rows at the saved cursor (O2, O3), the tie O4 and the update O1: nothing skipped.
    expect(second).toMatchObject({ read: 4, loaded: 4, rejected: 0 });
    const rows = await rawOrders(rawPath);
    expect(rows.map((r) => [r.order_id, r.status, r.n])).toEqual([
      ["O1", "cancelled", 1],
      ["O2", "completed", 1],
      ["O3", "completed", 1],
      ["O4", "completed", 1],
    ]);
  });

  it("a late row with an older cursor value is picked up within the look-back window", async () => {
    await insert(order("O5", "2026-01-02 23:30:00")); // committed now, but stamped before the saved cursor
    const run = await extractOnce(rawPath, "run-3", { lookback: "1 hour" });
    expect(run.read).toBeGreaterThanOrEqual(2);
    expect((await rawOrders(rawPath)).map((r) => r.order_id)).toContain("O5");
  });

  it("a row the source marks deleted leaves raw", async () => {
    await admin.query("update orders set deleted_at = now(), updated_at = '2026-01-04 00:00:00' where order_id = 'O2'");
    const run = await extractOnce(rawPath, "run-4");
    expect(run.deleted).toBe(1);
    expect((await rawOrders(rawPath)).map((r) => r.order_id)).toEqual(["O1", "O3", "O4", "O5"]);
  });

  it("a full refresh counts a soft-deleted row as read and deleted, leaves it out of raw, and reconciles", async () => {
    const fullPath = join(dir, "raw-full.duckdb");
    const first = await extractOnce(fullPath, "run-full-1", { fullRefresh: true });
    const second = await extractOnce(fullPath, "run-full-2", { fullRefresh: true });
    for (const run of [first, second]) {
      expect(run).toMatchObject({ read: 5, loaded: 4, deleted: 1, rejected: 0 });
      expect(run.read).toBe(run.loaded + run.rejected + run.deleted!);
    }
    expect((await rawOrders(fullPath)).map((r) => r.order_id)).toEqual(["O1", "O3", "O4", "O5"]);
  });

  it("soft deletes apply per table: a table without the column loads without it, and the run says which tables have it", async () => {
    const notices: string[] = [];
    const source = ordersStream({ tables: [orders, regions], onNotice: (l) => notices.push(l) });
    try {
      const results = await withDatabase(join(dir, "raw-per-table.duckdb"), async (c) => {
        await ensureMetaSchema(c);
        return [
          await loadRecordStream(c, "run-t", source.streams[0]!),
          await loadRecordStream(c, "run-t", source.streams[1]!),
        ];
      });
      expect(results[0]).toMatchObject({ stream: "orders", read: 5, loaded: 4, deleted: 1 });
      expect(results[1]).toMatchObject({ stream: "regions", read: 2, loaded: 2, deleted: 0, rejected: 0 });
    } finally {
      await source.close();
    }
    expect(notices).toEqual([
      expect.stringMatching(/soft deletes by deleted_at in orders; regions has no such column/),
    ]);

    const typo: string[] = [];
    const misnamed = ordersStream({
      tables: [orders, regions],
      softDeleteColumn: "removed_at",
      onNotice: (l) => typo.push(l),
    });
    try {
      await withDatabase(join(dir, "raw-misnamed.duckdb"), async (c) => {
        await ensureMetaSchema(c);
        for (const stream of misnamed.streams) await loadRecordStream(c, "run-m", stream);
      });
    } finally {
      await misnamed.close();
    }
    expect(typo).toEqual([expect.stringMatching(/no table in public has the soft-delete column removed_at/)]);
  });

  it("a connection dropped mid-extract keeps what was stored, and the next run completes with no duplicate or lost row", async () => {
    const later = Array.from({ length: 6 }, (_, i) => order(`P${i}`, `2026-02-0${i + 1} 00:00:00`));
    await insert(...later);
    const dropAfterFirstBatch = (stream: RecordStream): RecordStream => ({
      ...stream,
      async *read(state) {
        let batches = 0;
        for await (const batch of stream.read(state)) {
          yield batch;
          if (++batches === 1) {
            await admin.query(
              "select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and datname = 'postgres' and backend_type = 'client backend'",
            );
          }
        }
      },
    });
    const failure = await extractOnce(rawPath, "run-5", {}, dropAfterFirstBatch).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PostgresSourceError);
    expect((failure as Error).message).not.toContain(server.password);
    const partial = await rawOrders(rawPath);
    // The first batch (the deleted O2 re-read at the saved cursor, then P0) was stored, with its cursor.
    expect(partial.filter((r) => r.order_id.startsWith("P")).map((r) => r.order_id)).toEqual(["P0"]);
    expect(await withDatabase(rawPath, (c) => readStreamState(c, "order_system", "orders"))).toEqual({
      cursor: "2026-02-01 00:00:00",
    });

    await extractOnce(rawPath, "run-6");
    const rows = await rawOrders(rawPath);
    expect(rows.map((r) => r.order_id)).toEqual(["O1", "O3", "O4", "O5", "P0", "P1", "P2", "P3", "P4", "P5"]);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  it("the server down at start is a clear error that names the server but never the password", async () => {
    const port = await freePort();
    const down = `postgres://postgres:${encodeURIComponent(server.password)}@127.0.0.1:${port}/postgres`;
    const failure = await extractOnce(join(dir, "raw-down.duckdb"), "run-7", { connectionString: down }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PostgresSourceError);
    const message = (failure as Error).message;
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toMatch(/could not be reached.*ECONNREFUSED.*Is the server running/);
    expect(message).not.toContain(server.password);
  });
});

describe("a password in the connection string's query (?password=)", () => {
  const dir = tempDir();

  it("is redacted from the shown connection string and listed as a secret", () => {
    const url = "postgres://reader@erp.internal:5432/erp?sslmode=require&password=s3cr%26t-Pass&application_name=wh";
    const shown = redactConnectionString(url);
    expect(shown).not.toContain("s3cr");
    expect(shown).toBe("postgres://reader@erp.internal:5432/erp?sslmode=require&password=***&application_name=wh");
    expect(connectionStringSecrets(url)).toContain("s3cr&t-Pass");
    expect(redactConnectionString("postgres://reader:pw-1234@h/db?sslpassword=key-pass-99")).toBe(
      "postgres://reader:***@h/db?sslpassword=***",
    );
    expect(redactConnectionString("not a url password=abcd1234 host=x")).toBe("not a url password=*** host=x");
  });

  it("is honoured when connecting, and never shown in errors", async () => {
    const inQuery = `postgres://postgres@127.0.0.1:${server.port}/postgres?password=${encodeURIComponent(server.password)}`;
    const run = await extractOnce(join(dir, "raw-query.duckdb"), "run-q1", { connectionString: inQuery });
    expect(run.read).toBeGreaterThan(0);

    const missing: TableSpec = { ...regions, name: "no_such_table" };
    const source = ordersStream({ connectionString: inQuery, tables: [missing] });
    const failure = await withDatabase(join(dir, "raw-query.duckdb"), (c) =>
      loadRecordStream(c, "run-q2", source.streams[0]!),
    )
      .catch((e: unknown) => e)
      .finally(() => source.close());
    expect(failure).toBeInstanceOf(PostgresSourceError);
    expect((failure as Error).message).toContain("password=***");
    expect((failure as Error).message).toMatch(/42P01/);
    expect(orderSystemErrorClass((failure as Error).message)).toBe("contract");
    expect((failure as Error).message).not.toContain(server.password);

    const port = await freePort();
    const down = `postgres://postgres@127.0.0.1:${port}/postgres?password=${encodeURIComponent(server.password)}`;
    const refused = await extractOnce(join(dir, "raw-down.duckdb"), "run-q3", { connectionString: down }).catch(
      (e: unknown) => e,
    );
    expect((refused as Error).message).toMatch(/could not be reached.*ECONNREFUSED/);
    expect((refused as Error).message).not.toContain(server.password);
  });
});

describe("hostile passwords (#, @, /, ?, :, spaces, %, unicode) never show in an error", () => {
  const dir = tempDir();
  // Distinctive tokens joined by the characters that break URL parsing: any fragment that leaks is recognisable.
  const hostile = "Zq7#Kx9@Wm4/Pv2?Rt5:Ys8 Hn3%Lb6ü漢字";
  const fragmentsOf = (password: string) => password.split(/[^\p{L}\p{N}]+/u).filter((piece) => piece.length >= 3);
  const expectNoFragment = (text: string, password: string) => {
    for (const piece of fragmentsOf(password)) expect(text, `${piece} of ${password}`).not.toContain(piece);
  };
  const failureOf = async (connectionString: string, runId: string) => {
    const failure = await extractOnce(join(dir, `${runId}.duckdb`), runId, { connectionString }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PostgresSourceError);
    return (failure as Error).message;
  };

  it("percent-encoded, such a password connects; a wrong one is an authentication error with no fragment of either", async () => {
    await admin.query(`create role hostile login password '${hostile.replaceAll("'", "''")}'`);
    await admin.query("grant select on orders to hostile");
    const good = `postgres://hostile:${encodeURIComponent(hostile)}@127.0.0.1:${server.port}/postgres`;
    const run = await extractOnce(join(dir, "raw-hostile.duckdb"), "run-h1", { connectionString: good });
    expect(run.read).toBeGreaterThan(0);

    const wrong = "Wq1#Ex2@Rf3/Tg4?Yh5:Uj6 Ik7%Ol8ö語";
    const message = await failureOf(
      `postgres://hostile:${encodeURIComponent(wrong)}@127.0.0.1:${server.port}/postgres`,
      "run-h2",
    );
    expect(message).toMatch(/28P01.*Check the user and the password/);
    expect(orderSystemErrorClass(message)).toBe("authentication");
    expect(message).toContain(`postgres://hostile:***@127.0.0.1:${server.port}/postgres`);
    expectNoFragment(message, wrong);
    expectNoFragment(message, hostile);
  });

  it("written unencoded where a URL cannot hold it (#, /, ?), the string is refused before connecting, saying what to encode", async () => {
    for (const password of ["p@ss#word-xyz", "Zq7/Kx9", "Zq7?Kx9", hostile]) {
      const message = await failureOf(`postgres://reader:${password}@127.0.0.1:${server.port}/postgres`, "run-u");
      expect(message).toContain(`Order system (postgres://reader:***@127.0.0.1:${server.port}/postgres)`);
      expect(message).toMatch(/percent-encode/i);
      expect(orderSystemErrorClass(message)).toBe("configuration");
      // The review's password: its piece `word` is in "password", so look for the pieces that are not.
      if (password === "p@ss#word-xyz")
        for (const piece of ["ss#word", "word-xyz", "xyz"]) expect(message).not.toContain(piece);
      else expectNoFragment(message, password);
    }
  });

  it("written unencoded where a URL can hold it (@, :, space, %, unicode), a server that is down is reported with no fragment", async () => {
    const port = await freePort();
    for (const password of ["Zq7@Kx9@Wm4", "Zq7:Kx9", "Zq7 Kx9", "Zq7%Kx9", "Zqü7漢字Kx9"]) {
      const message = await failureOf(`postgres://reader:${password}@127.0.0.1:${port}/erp`, "run-d");
      expect(message).toMatch(/could not be reached.*ECONNREFUSED/);
      expect(orderSystemErrorClass(message)).toBe("unreachable");
      expect(message).toContain(`postgres://reader:***@127.0.0.1:${port}/erp`);
      expectNoFragment(message, password);
    }
  });
});
