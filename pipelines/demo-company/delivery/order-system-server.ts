/**
 * Serves the demo order system to the ordinary `pg` client: PGlite behind
 * @electric-sql/pglite-socket on 127.0.0.1 and a free port.
 *
 * What was found when trying it (pglite-socket 0.2.17, PGlite 0.5.14):
 * - With the default `maxConnections: 1` a second connection is refused with a raw text line, so
 *   a `pg.Pool` of more than one client fails with ECONNRESET. Sequential clients are fine.
 * - With more connections allowed, pglite-socket multiplexes them over PGlite's single session
 *   and only keeps a connection's messages together inside an explicit transaction. Anything
 *   spanning several protocol messages outside one (an extended-protocol Parse/Bind/Execute/Sync
 *   exchange, a `pg-cursor` portal read in batches) can be interleaved with another connection's
 *   messages, and the portal disappears ("portal C_1 does not exist").
 *
 * So PGlite is wrapped in a gate whose `isInTransaction()` stays true from a connection's first
 * message until PostgreSQL reports ReadyForQuery with status idle. pglite-socket already keeps
 * serving the same connection while that holds, which makes connections take turns per
 * transaction / per protocol exchange. Consequences: a pool works and cursors work; a
 * connection that sits idle inside an open transaction makes the others wait; and session state
 * (SET, named prepared statements) is shared by all connections, as there is one backend.
 *
 * Each start works on a private copy of the prepared data directory (a copy is cheap, opening
 * an existing directory takes well under a second), so clients can write without changing the
 * prepared demo and two servers can run side by side.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { processAlive } from "../../shared/process-alive.js";

const READY_FOR_QUERY = 0x5a; // 'Z'
const TERMINATE = 0x58; // 'X'
const SYNC_MESSAGE = new Uint8Array([0x53, 0, 0, 0, 4]);

/** The subset of PGlite that pglite-socket's server uses, with per-exchange exclusivity added. */
class SessionGate {
  /** True while a connection is between its first message and an idle ReadyForQuery. */
  private busy = false;
  /** Set before the database closes, so late clean-ups from disconnecting clients are no-ops. */
  closed = false;

  constructor(private readonly db: PGlite) {}

  get waitReady(): Promise<void> {
    return this.db.waitReady;
  }

  isInTransaction(): boolean {
    return this.busy || this.db.isInTransaction();
  }

  runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.runExclusive(fn);
  }

  async execProtocolRawStream(message: Uint8Array, options: { onRawData: (data: Uint8Array) => void }): Promise<void> {
    // A client saying goodbye: nothing for the shared backend to do.
    if (message[0] === TERMINATE && message.length === 5) {
      this.busy = false;
      return;
    }
    const tail = new Uint8Array(6);
    let tailLength = 0;
    await this.db.execProtocolRawStream(message, {
      onRawData: (data) => {
        // Keep the last six bytes of the response: a finished exchange ends with 'Z', length 5, status.
        if (data.length >= 6) {
          tail.set(data.subarray(data.length - 6));
          tailLength = 6;
        } else {
          const keep = Math.min(tailLength, 6 - data.length);
          tail.copyWithin(0, tailLength - keep, tailLength);
          tail.set(data, keep);
          tailLength = keep + data.length;
        }
        options.onRawData(data);
      },
    });
    const finished =
      tailLength === 6 &&
      tail[0] === READY_FOR_QUERY &&
      tail[1] === 0 &&
      tail[2] === 0 &&
      tail[3] === 0 &&
      tail[4] === 5;
    this.busy = !(finished && tail[5] === 0x49); // 'I' = idle, outside any transaction
  }

  /** Called by pglite-socket to clean up after a client that left mid-transaction. */
  async exec(query: string): Promise<unknown> {
    if (this.closed) return [];
    if (/^\s*rollback\s*;?\s*$/i.test(query)) {
      // End an unfinished extended-protocol exchange first, or the backend ignores the rollback.
      await this.db.execProtocolRaw(SYNC_MESSAGE);
      if (this.db.isInTransaction()) await this.db.exec("rollback");
      this.busy = false;
      return [];
    }
    return this.db.exec(query);
  }
}

export interface OrderSystemServer {
  readonly connectionString: string;
  readonly schema: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startOrderSystemServer(
  pgdataDir: string,
  options: { port?: number; maxConnections?: number } = {},
): Promise<OrderSystemServer> {
  // The working copy lives beside the prepared data, named by our pid: a copy left by a process that
  // died without closing (killed, crashed) is removed here instead of piling up.
  const runsDir = join(dirname(pgdataDir), "running");
  mkdirSync(runsDir, { recursive: true });
  for (const entry of readdirSync(runsDir)) {
    const pid = Number(/^pid-(\d+)-/.exec(entry)?.[1]);
    if (pid && pid !== process.pid && !processAlive(pid))
      rmSync(join(runsDir, entry), { recursive: true, force: true });
  }
  const work = mkdtempSync(join(runsDir, `pid-${process.pid}-`));
  const dataDir = join(work, "pgdata");
  cpSync(pgdataDir, dataDir, { recursive: true });
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ dataDir });
    const gate = new SessionGate(db);
    const server = new PGLiteSocketServer({
      db: gate as unknown as PGlite,
      host: "127.0.0.1",
      port: options.port ?? 0,
      maxConnections: options.maxConnections ?? 32,
    });
    await server.start();
    const conn = server.getServerConn();
    const port = Number(conn.slice(conn.lastIndexOf(":") + 1));
    const opened = db;
    let closed = false;
    return {
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
      schema: "public",
      host: "127.0.0.1",
      port,
      async close() {
        if (closed) return;
        closed = true;
        await server.stop();
        gate.closed = true;
        // Disconnect handlers finish on the next turns of the event loop.
        await new Promise((resolve) => setTimeout(resolve, 20));
        await opened.close();
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}
