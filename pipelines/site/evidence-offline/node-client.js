// @evidence-offline-patch: installed as @evidence-dev/universal-sql/src/client-duckdb/node.js (replacing the stock
// DuckDB-WASM client) by pipelines/site/evidence-offline/apply.mjs. Do not edit the copy in node_modules; edit
// this file and run `npm install` (or `node pipelines/site/evidence-offline/apply.mjs`).
//
// Why: the stock client is DuckDB-WASM's node-blocking bundle. DuckDB-WASM fetches its parquet extension from
// extensions.duckdb.org on first use, so with no network `evidence sources` (its COPY ... read_parquet),
// `evidence build` and `evidence dev` (prerendered queries) hang forever. This client runs native DuckDB
// (@duckdb/node-api, parquet built in) instead, and keeps the module's interface exactly:
//   initDB() async, updateSearchPath(schemas), emptyDbFs(glob) async, setParquetURLs(urls, append),
//   query(sql, cache_options) SYNCHRONOUS (the template's +layout.js and the sdk's query store do not await it),
//   arrowTableToJSON, tableFromIPC.
//
// How `query` is synchronous although node-api is async-only: DuckDB runs in a worker thread (node-worker.js next
// to this file). We post the SQL on a MessagePort and block this thread with Atomics.wait on a SharedArrayBuffer
// until the worker has answered; receiveMessageOnPort then takes the reply without the event loop. About a
// millisecond of overhead per query.

// @ts-expect-error -- installed beside universal-sql's own both.js, which has no types
import { arrowTableToJSON } from "./both.js";
import { createRequire } from "node:module";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MessageChannel, Worker, receiveMessageOnPort } from "node:worker_threads";
// @ts-expect-error -- installed beside universal-sql's own cache-duckdb.js, which has no types
import { cache_for_hash, get_arrow_if_sql_already_run } from "../cache-duckdb.js";

export { tableFromIPC } from "apache-arrow";
export { arrowTableToJSON };

/** Lets tests and scripts tell this client from the stock DuckDB-WASM one. */
export const EVIDENCE_OFFLINE_CLIENT = "native-duckdb-worker";

const require = createRequire(import.meta.url);

// The Arrow tables we return must come from the same apache-arrow instance cache-duckdb.js uses (it requires
// apache-arrow relative to @duckdb/duckdb-wasm, CommonJS build): cache_for_hash() serialises them with its
// tableToIPC, and apache-arrow relies on instanceof checks that fail across instances.
const arrowForCache = createRequire(require.resolve("@duckdb/duckdb-wasm"))("apache-arrow");

/** The worker file sits next to this one; fall back to resolving it through the package if we were bundled. */
function workerFile() {
  const beside = path.join(path.dirname(fileURLToPath(import.meta.url)), "node-worker.js");
  if (existsSync(beside)) return beside;
  const packageMain = require.resolve("@evidence-dev/universal-sql");
  return path.join(path.dirname(packageMain), "client-duckdb", "node-worker.js");
}

/** @type {{ port: import('node:worker_threads').MessagePort, flag: Int32Array } | undefined} */
let engine;

/**
 * Sends one request to the DuckDB worker and blocks until it answers.
 * @param {{ op: 'init' } | { op: 'query', sql: string }} request
 * @returns {{ ok: true, ipc?: Uint8Array } | never}
 */
function callSync(request) {
  if (!engine) {
    const signal = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(workerFile(), {
      workerData: { port: port2, signal },
      transferList: [port2],
    });
    // An idle DuckDB thread must not keep `evidence sources` / `evidence build` from exiting.
    worker.unref();
    port1.unref();
    engine = { port: port1, flag: new Int32Array(signal) };
  }
  const { port, flag } = engine;
  Atomics.store(flag, 0, 0);
  port.postMessage(request);
  /** @type {{ message: any } | undefined} */
  let received;
  while (!(received = receiveMessageOnPort(port))) {
    // Wakes when the worker flips the flag; the timeout only bounds how long a lost notify could stall us.
    Atomics.wait(flag, 0, 0, 1000);
  }
  const reply = received.message;
  if (!reply.ok) throw new Error(reply.message);
  return reply;
}

/**
 * Runs SQL and returns an Arrow Table (from cache-duckdb's apache-arrow instance).
 * @param {string} sql
 */
function runSql(sql) {
  const { ipc } = callSync({ op: "query", sql });
  return arrowForCache.tableFromIPC(ipc);
}

const sqlString = (/** @type {unknown} */ s) => `'${String(s).replaceAll("'", "''")}'`;
const sqlIdentifier = (/** @type {unknown} */ s) => `"${String(s).replaceAll('"', '""')}"`;

/**
 * Initializes the database (starts the DuckDB worker).
 *
 * @returns {Promise<void>}
 */
export async function initDB() {
  callSync({ op: "init" });
}

/**
 * Updates the duckdb search path to include only the list of included schemas
 * @param {string[]} schemas
 * @returns {void}
 */
export function updateSearchPath(schemas) {
  runSql(`PRAGMA search_path=${sqlString(schemas.join(","))}`);
}

/**
 * DuckDB-WASM kept registered files in a virtual file system that had to be emptied; native DuckDB reads the real
 * files directly, so there is nothing to drop.
 * @param {string} _targetGlob
 */
export async function emptyDbFs(_targetGlob) {}

/** Source tables in memory: name -> the file, size and modification time they were read from. */
const loadedTables = new Map();

/**
 * Loads each source table from its parquet file into memory, once per version of the file.
 *
 * A view over read_parquet would decode the file again on every query: a 124-page build runs about 8,000 of them, and
 * that was 2.7 times slower than reading in-memory tables (measured). Source tables are small (the browser loads each
 * whole), so holding them costs little. A file seen before with the same size and modification time is not read
 * again; a re-run of `evidence sources` during a preview writes new files, which are reloaded.
 *
 * The template's +layout.js calls this with `{ addBasePath }` as second argument (the browser signature), the sdk
 * with a boolean `append`; both are accepted. Tables are (re)created either way, so `append` changes nothing here.
 *
 * @param {Record<string, string[]>} urls
 * @param {boolean | { append?: boolean }} [_append]
 * @returns {Promise<void>}
 */
export async function setParquetURLs(urls, _append = false) {
  if (process.env.VITE_EVIDENCE_DEBUG) console.log(`Updating Parquet URLs`);
  for (const source in urls) {
    runSql(`CREATE SCHEMA IF NOT EXISTS ${sqlIdentifier(source)};`);
    for (const url of urls[source] ?? []) {
      const table = (url.split(/[\\/]/).at(-1) ?? "").slice(0, -".parquet".length);
      const file = path.resolve(url.split(/[\\/]/).join(path.sep));
      if (!existsSync(file)) {
        // A stale manifest entry must not break every page; the query that needs it will say what is missing.
        console.warn(`[evidence-offline] ${source}.${table}: parquet file not found (${file}); skipped`);
        continue;
      }
      const { size, mtimeMs } = statSync(file);
      const name = `${sqlIdentifier(source)}.${sqlIdentifier(table)}`;
      const version = `${file}|${size}|${mtimeMs}`;
      if (loadedTables.get(name) === version) continue;
      runSql(`CREATE OR REPLACE TABLE ${name} AS (SELECT * FROM read_parquet(${sqlString(file)}));`);
      loadedTables.set(name, version);
    }
  }
}

/**
 * Queries the database with the given SQL statement. Synchronous, like the stock client.
 *
 * @param {string} sql
 * @param {Parameters<typeof cache_for_hash>[2]} [cache_options]
 * @returns {Record<string, unknown>[]}
 */
export function query(sql, cache_options) {
  let result;

  // only cache during build, because parquet can/will eventually change during dev
  if (cache_options?.prerendering) {
    result = get_arrow_if_sql_already_run(sql);
  }

  if (!result) {
    result = runSql(sql);
  }

  if (cache_options) {
    cache_for_hash(sql, result, cache_options);
  }

  return arrowTableToJSON(result);
}
