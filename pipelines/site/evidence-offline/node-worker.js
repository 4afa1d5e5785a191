// @evidence-offline-patch: installed as @evidence-dev/universal-sql/src/client-duckdb/node-worker.js
// by pipelines/site/evidence-offline/apply.mjs. Do not edit the copy in node_modules; edit this file and run
// `npm install` (or `node pipelines/site/evidence-offline/apply.mjs`).
//
// Why this exists: universal-sql's stock node client runs DuckDB-WASM, which downloads the parquet extension from
// extensions.duckdb.org the first time a query touches parquet. With no network, `evidence sources`, `evidence build`
// and `evidence dev` hang forever. Native DuckDB (@duckdb/node-api) has parquet built in, so nothing is downloaded.
//
// node-api is async-only, but Evidence calls `query()` synchronously while prerendering. So DuckDB lives in this
// worker thread; the client (node.js next to this file) posts a request on a MessagePort, then blocks on
// Atomics.wait until this worker has posted the reply and flipped the shared flag.
//
// Results travel as Arrow IPC bytes, typed the way DuckDB-WASM types them for Evidence (the stock client opens the
// database with castBigIntToDouble, castDecimalToDouble and castTimestampToDate):
//   all numerics (ints of any width, HUGEINT, FLOAT, DOUBLE, DECIMAL) -> Float64
//   DATE and every TIMESTAMP flavour                                   -> DateMillisecond
//   BOOLEAN                                                            -> Bool
//   everything else                                                    -> Utf8 (lists/structs/maps as JSON text)
// Evidence maps those Arrow types to its 'number' | 'date' | 'boolean' | 'string' column types.

import { workerData } from "node:worker_threads";

/** @type {{ port: import('node:worker_threads').MessagePort, signal: SharedArrayBuffer }} */
const { port, signal } = workerData;
const flag = new Int32Array(signal);

/**
 * Replies on the port, then wakes the blocked caller. The order matters: the message must be queued first.
 * @param {unknown} message
 * @param {ArrayBuffer[]} [transfer]
 */
function reply(message, transfer = []) {
  port.postMessage(message, transfer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

const errorMessage = (/** @type {unknown} */ e) => (e instanceof Error ? e.message : String(e));

// Dependencies are loaded dynamically so that a missing or broken one is reported to the blocked caller as an
// error, instead of killing this thread while the caller waits for an answer that never comes.
try {
  const [duckdb, arrow] = await Promise.all([import("@duckdb/node-api"), import("apache-arrow")]);
  serve(duckdb, arrow);
} catch (e) {
  const message = `evidence-offline node client: cannot load @duckdb/node-api or apache-arrow: ${errorMessage(e)}`;
  port.on("message", () => reply({ ok: false, message }));
}

/**
 * @param {typeof import('@duckdb/node-api')} duckdb
 * @param {typeof import('apache-arrow')} arrow
 */
function serve(duckdb, arrow) {
  const { DuckDBInstance, DuckDBTypeId, JSDuckDBValueConverter, JsonDuckDBValueConverter } = duckdb;

  const NUMERIC = new Set([
    DuckDBTypeId.TINYINT,
    DuckDBTypeId.SMALLINT,
    DuckDBTypeId.INTEGER,
    DuckDBTypeId.BIGINT,
    DuckDBTypeId.UTINYINT,
    DuckDBTypeId.USMALLINT,
    DuckDBTypeId.UINTEGER,
    DuckDBTypeId.UBIGINT,
    DuckDBTypeId.HUGEINT,
    DuckDBTypeId.UHUGEINT,
    DuckDBTypeId.BIGNUM,
    DuckDBTypeId.FLOAT,
    DuckDBTypeId.DOUBLE,
    DuckDBTypeId.DECIMAL,
  ]);
  const TEMPORAL = new Set([
    DuckDBTypeId.DATE,
    DuckDBTypeId.TIMESTAMP,
    DuckDBTypeId.TIMESTAMP_S,
    DuckDBTypeId.TIMESTAMP_MS,
    DuckDBTypeId.TIMESTAMP_NS,
    DuckDBTypeId.TIMESTAMP_TZ,
  ]);
  const NESTED = new Set([
    DuckDBTypeId.LIST,
    DuckDBTypeId.ARRAY,
    DuckDBTypeId.STRUCT,
    DuckDBTypeId.MAP,
    DuckDBTypeId.UNION,
  ]);

  /** JSON.stringify that does not choke on BIGINTs inside nested values. */
  const toJsonText = (/** @type {unknown} */ value) =>
    JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? Number(v) : v));

  /**
   * Converts one DuckDB column to an Arrow Data of the Evidence-facing type.
   * @param {import('@duckdb/node-api').DuckDBType} type
   * @param {readonly unknown[]} values raw DuckDB values of the column
   */
  function toArrowColumn(type, values) {
    const id = type.typeId;
    /** @type {import('apache-arrow').DataType} */
    let arrowType;
    /** @type {(v: any) => unknown} */
    let convert;
    if (NUMERIC.has(id)) {
      arrowType = new arrow.Float64();
      convert = (v) => {
        const js = JSDuckDBValueConverter(v, type, JSDuckDBValueConverter);
        return js === null ? null : Number(js);
      };
    } else if (TEMPORAL.has(id)) {
      arrowType = new arrow.DateMillisecond();
      convert = (v) => {
        const js = JSDuckDBValueConverter(v, type, JSDuckDBValueConverter);
        const ms = js instanceof Date ? js.getTime() : Number.NaN;
        // +-infinity dates have no JS equivalent; leave them empty rather than invent a value.
        return Number.isFinite(ms) ? ms : null;
      };
    } else if (id === DuckDBTypeId.BOOLEAN) {
      arrowType = new arrow.Bool();
      convert = (v) => v;
    } else if (NESTED.has(id)) {
      arrowType = new arrow.Utf8();
      convert = (v) => toJsonText(JsonDuckDBValueConverter(v, type, JsonDuckDBValueConverter));
    } else {
      // VARCHAR, ENUM, UUID, TIME, INTERVAL, BLOB, ...: DuckDB's own text form.
      arrowType = new arrow.Utf8();
      convert = (v) => String(v);
    }
    const builder = arrow.makeBuilder({ type: arrowType, nullValues: [null, undefined] });
    for (const v of values) builder.append(v === null || v === undefined ? null : convert(v));
    return { arrowType, data: builder.finish().flush() };
  }

  /**
   * Builds an Arrow table from a read result. Columns are assembled by position, not by name, so duplicate
   * column names survive as they do in DuckDB-WASM.
   * @param {import('@duckdb/node-api').DuckDBResultReader | null} reader
   */
  function toArrowTable(reader) {
    if (!reader) return new arrow.Table(new arrow.Schema([]));
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const columns = reader.getColumns();
    const converted = names.map((_, i) =>
      toArrowColumn(/** @type {import("@duckdb/node-api").DuckDBType} */ (types[i]), columns[i] ?? []),
    );
    const fields = converted.map((c, i) => new arrow.Field(names[i] ?? `column${i}`, c.arrowType, true));
    const struct = arrow.makeData({
      type: new arrow.Struct(fields),
      length: reader.currentRowCount,
      nullCount: 0,
      children: converted.map((c) => c.data),
    });
    return new arrow.Table(new arrow.RecordBatch(new arrow.Schema(fields), struct));
  }

  /** @type {import('@duckdb/node-api').DuckDBConnection | undefined} */
  let connection;

  async function init() {
    if (connection) return connection;
    const instance = await DuckDBInstance.create(":memory:", {
      // Never try to download an extension: there may be no network, and a download would hang or fail late.
      autoinstall_known_extensions: "false",
      custom_user_agent: "evidence-offline",
    });
    const c = await instance.connect();
    // The session settings the stock DuckDB-WASM client applies, so SQL behaves the same in node and browser.
    // https://duckdb.org/2024/09/09/announcing-duckdb-110.html#breaking-sql-changes
    await c.run("SET ieee_floating_point_ops = false;");
    // https://duckdb.org/2024/02/13/announcing-duckdb-0100.html#breaking-sql-changes
    await c.run("SET old_implicit_casting = true;");
    connection = c;
    return c;
  }

  /**
   * Runs every statement in `sql` in order and returns the last one's result as Arrow IPC, like DuckDB-WASM's
   * `connection.query` (node-api's `run` on a multi-statement string would return the first result instead).
   * @param {string} sql
   */
  async function runSql(sql) {
    const c = await init();
    const extracted = await c.extractStatements(sql);
    /** @type {import('@duckdb/node-api').DuckDBResultReader | null} */
    let last = null;
    for (let i = 0; i < extracted.count; i++) {
      const prepared = await extracted.prepare(i);
      try {
        last = await prepared.runAndReadAll();
      } finally {
        prepared.destroySync();
      }
    }
    return arrow.tableToIPC(toArrowTable(last), "stream");
  }

  port.on("message", async (/** @type {{ op: string, sql?: string }} */ request) => {
    try {
      if (request.op === "init") {
        await init();
        reply({ ok: true });
      } else if (request.op === "query") {
        const ipc = await runSql(request.sql ?? "");
        reply({ ok: true, ipc }, [ipc.buffer]);
      } else {
        reply({ ok: false, message: `unknown request ${JSON.stringify(request.op)}` });
      }
    } catch (e) {
      reply({ ok: false, message: errorMessage(e) });
    }
  });
}
