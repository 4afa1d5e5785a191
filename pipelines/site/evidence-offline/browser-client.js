// @evidence-offline-patch: installed as @evidence-dev/universal-sql/src/client-duckdb/browser.js by
// pipelines/site/evidence-offline/apply.mjs. This is upstream universal-sql 3.0.1's browser client with one
// function changed, `setParquetURLs`, plus the wait in `query` (marked "evidence-offline" below). Do not edit the
// copy in node_modules; edit this file and run `npm install`.
//
// Why: upstream registers each source's parquet file by URL and creates a view over read_parquet(). That makes
// DuckDB-WASM download its parquet extension from extensions.duckdb.org the first time an input (Dropdown, ...)
// re-queries in the browser: offline it fails ("table index is out of bounds") and the input is not rendered; online
// the site depends on a third-party host at run time. Instead we fetch each parquet file from the site itself,
// decode it with parquet-wasm (already a universal-sql dependency, served by the site like DuckDB's own wasm) and
// load it with insertArrowFromIPCStream, which needs no extension. Cost: every source table is held whole in the
// browser's memory, so exposed marts must stay lean.

import { arrowTableToJSON, getPromise, withTimeout } from './both.js';
import {
	AsyncDuckDB,
	ConsoleLogger,
	DuckDBDataProtocol,
	getPlatformFeatures,
	VoidLogger
} from '@duckdb/duckdb-wasm';
// evidence-offline: parquet decoding without DuckDB's parquet extension.
import initParquetWasm, { readParquet } from 'parquet-wasm/esm/arrow1.js';
import parquetWasmUrl from 'parquet-wasm/esm/arrow1_bg.wasm?url';

export { tableFromIPC } from 'apache-arrow';
/** evidence-offline: DuckDB column types for Evidence's column types (the schema.json beside each parquet file). */
const DUCKDB_TYPE_OF_EVIDENCE_TYPE = { number: 'DOUBLE', string: 'VARCHAR', date: 'TIMESTAMP', boolean: 'BOOLEAN' };

/** @type {import("@duckdb/duckdb-wasm").AsyncDuckDB} */
let db;

/** @type {import("@duckdb/duckdb-wasm").AsyncDuckDBConnection} */
let connection;

const { resolve: resolveInit, reject: rejectInit, promise: initPromise } = getPromise();
const { resolve: resolveTables, reject: rejectTables, promise: tablesPromise } = getPromise();
let initializing = false;

/**
 * Initializes the database.
 *
 * @returns {Promise<void>}
 */
export async function initDB() {
	// If the database is already available, don't do anything
	if (db) return;

	// If the database is already initializing, don't try to do it twice
	// Instead, let the call wait for the initPromise
	if (initializing) return withTimeout(initPromise);
	// This call is the first (to execute), don't let anybody else try
	// to initialize the database
	initializing = true;
	try {
		const useEh = await getPlatformFeatures().then((x) => x.wasmExceptions);

		const DUCKDB_CONFIG = useEh
			? {
					mainModule: (await import('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url')).default,
					mainWorker: (await import('@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?worker'))
						.default
				}
			: {
					mainModule: (await import('@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url')).default,
					mainWorker: (await import('@duckdb/duckdb-wasm/dist/duckdb-browser-mvp.worker.js?worker'))
						.default
				};

		const logger = import.meta.env.VITE_EVIDENCE_DEBUG ? new ConsoleLogger() : new VoidLogger();
		const worker = new DUCKDB_CONFIG.mainWorker();

		// use an intermediate variable to prevent db from being a not-ready database
		const _db = new AsyncDuckDB(logger, worker);
		window[Symbol.for('EVIDENCE_QUERY_ENGINE')] = _db;

		await _db.instantiate(DUCKDB_CONFIG.mainModule);
		db = _db;

		await db.open({
			query: {
				castBigIntToDouble: true,
				castTimestampToDate: true,
				castDecimalToDouble: true,
				castDurationToTime64: true
			}
		});
		connection = await db.connect();

		// https://duckdb.org/2024/09/09/announcing-duckdb-110.html#breaking-sql-changes
		await connection.query('SET ieee_floating_point_ops = false;');
		// https://duckdb.org/2024/02/13/announcing-duckdb-0100.html#breaking-sql-changes
		await connection.query('SET old_implicit_casting = true;');

		resolveInit();
	} catch (e) {
		rejectInit(e);
		throw e;
	}
}

/**
 * Updates the duckdb search path to include only the list of included schemas
 * @param {string[]} schemas
 * @returns {Promise<void>}
 */
export async function updateSearchPath(schemas) {
	if (!db) await initDB();

	await connection.query(`PRAGMA search_path='${schemas.join(',')}'`);
}

/**
 * @param {string} targetGlob
 */
export async function emptyDbFs(targetGlob) {
	await db.flushFiles();
	for (const f of await db.globFiles(targetGlob)) {
		await db.dropFile(f.fileName);
	}
}

/** @type {Promise<unknown> | undefined} */
let parquetWasm;

/**
 * evidence-offline: fetches one parquet file from the site, decodes it with parquet-wasm and returns Arrow IPC.
 * @param {string} label source.table, for messages
 * @param {string} url
 * @returns {Promise<Uint8Array | null>} null when the file has no rows
 */
async function fetchParquetAsArrowIPC(label, url) {
	parquetWasm ??= initParquetWasm(parquetWasmUrl);
	const [response] = await Promise.all([fetch(url), parquetWasm]);
	if (!response.ok) throw new Error(`Could not load ${label} from ${url}: HTTP ${response.status}`);
	const parquet = new Uint8Array(await response.arrayBuffer());
	const table = readParquet(parquet);
	// A source query with no rows has a parquet file without row groups, which parquet-wasm cannot turn into an
	// IPC stream (it panics): such a table is created from the source's schema.json instead (see setParquetURLs).
	if (table.numBatches === 0) {
		table.free();
		return null;
	}
	return table.intoIPCStream();
}

/**
 * evidence-offline: the column list of an empty source table, from the schema.json `evidence sources` writes
 * beside its parquet file (data/<source>/<table>/<table>.schema.json; the parquet file sits one folder deeper).
 * @param {string} label
 * @param {string} parquetUrl
 * @param {string} table
 */
async function emptyTableColumns(label, parquetUrl, table) {
	const url = parquetUrl.split('/').slice(0, -2).concat(`${table}.schema.json`).join('/');
	const response = await fetch(url);
	if (!response.ok) throw new Error(`Could not load the columns of ${label} from ${url}: HTTP ${response.status}`);
	/** @type {Array<{ name: string, evidenceType: string }>} */
	const columns = await response.json();
	return columns
		.map((c) => `"${c.name.replaceAll('"', '""')}" ${DUCKDB_TYPE_OF_EVIDENCE_TYPE[c.evidenceType] ?? 'VARCHAR'}`)
		.join(', ');
}

/**
 * Loads every source table into the database as a real table (evidence-offline: upstream created views over
 * read_parquet, which needs DuckDB's downloadable parquet extension).
 * @param {Record<string, string[]>} urls
 * @param {{ append?: boolean, addBasePath?: (path: string) => string }} [opts]
 * @returns {Promise<void>}
 */
export async function setParquetURLs(urls, { append, addBasePath = (x) => x } = {}) {
	if (!db) await initDB();
	if (!append) await emptyDbFs('*');
	if (import.meta.env.VITE_EVIDENCE_DEBUG) console.debug('Updating Parquet URLs');

	try {
		const tables = [];
		for (const source in urls) {
			await connection.query(`CREATE SCHEMA IF NOT EXISTS "${source}";`);
			for (const url of urls[source]) {
				const table = url.split(/[\\/]/).at(-1).slice(0, -'.parquet'.length);
				let path = url;

				if (!url.startsWith('http') && !url.startsWith('/')) {
					// URL Needs to be absolute
					path = `/${url}`;
				}
				// Sveltekit doesn't like referencing the static dir expilcitly
				if (path.startsWith('/static')) path = path.substring(7);

				const label = `${source}.${table}`;
				// Download and decode in parallel; insert one at a time on the single connection below.
				tables.push({ source, table, label, url: addBasePath(path), ipc: fetchParquetAsArrowIPC(label, addBasePath(path)) });
			}
		}
		const decoded = await Promise.all(tables.map((t) => t.ipc));
		for (const [i, { source, table, label, url }] of tables.entries()) {
			const bytes = decoded[i];
			await connection.query(`DROP TABLE IF EXISTS "${source}"."${table}";`);
			if (bytes === null) {
				// evidence-offline: no rows; the pages still query the table, and find it empty
				const columns = await emptyTableColumns(label, url, table);
				await connection.query(`CREATE TABLE "${source}"."${table}" (${columns});`);
			} else {
				await connection.insertArrowFromIPCStream(bytes, { schema: source, name: table, create: true });
			}
		}
		resolveTables();
	} catch (e) {
		rejectTables(e);
		console.error(`Error encountered while updating Parquet URLs`, e);
		throw e;
	}
}

/**
 * evidence-offline: loading whole tables takes longer than registering URLs did, so queries wait up to a minute
 * for them instead of upstream's 5 seconds (withTimeout in both.js).
 * @param {Promise<unknown>} p
 */
function waitForTables(p) {
	return Promise.race([
		p,
		new Promise((_, rej) =>
			setTimeout(() => rej(new Error('Timeout while loading source tables into the database')), 60_000)
		)
	]);
}

/**
 * Queries the database with the given SQL statement.
 *
 * @param {string} sql
 * @returns {Promise<Record<string, unknown>[]>}
 */
export async function query(sql) {
	// After this point, the database has been initialized
	if (!db) await initDB();
	// We need to wait for tables to be available
	await waitForTables(tablesPromise);

	// Now we can safely execute our query
	const res = await connection.query(sql).then(arrowTableToJSON);

	return res;
}

export { arrowTableToJSON };
