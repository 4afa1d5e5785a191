/**
 * The order system as an embedded PostgreSQL (PGlite) data directory: tables created from the
 * contracts' `postgresCreateTable`, filled with COPY from the generated CSV files.
 *
 * Measured on a 2-core machine: creating the cluster (initdb) costs about 3 s whatever the size;
 * COPY from a blob loads roughly 70-90k rows/s, several times faster than INSERTs. The CSV is fed
 * in chunks so a large table never has to fit in PGlite's 32-bit WASM memory at once.
 *
 * initdb is the biggest fixed cost, so the freshly initialised (empty) cluster is kept as a tar
 * in node_modules/.cache and later clusters start from it: about 1 s instead of 3-8 s.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { postgresCreateTable } from "../../shared/contracts/column-spec.js";
import { orderSystemTables } from "../../shared/contracts/order-system.js";

const COPY_CHUNK_BYTES = 32 << 20;

/** node_modules/.cache/demo-company/pglite-<version>-empty-cluster.tar, or null when it cannot be located. */
function clusterTemplatePath(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
    const marker = `${sep}node_modules${sep}`;
    const at = entry.lastIndexOf(marker);
    if (at < 0) return null;
    const nodeModules = entry.slice(0, at + marker.length - 1);
    let packageRoot = dirname(entry);
    while (!existsSync(join(packageRoot, "package.json")) && packageRoot.length > nodeModules.length)
      packageRoot = dirname(packageRoot);
    const { version } = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };
    return join(nodeModules, ".cache", "demo-company", `pglite-${version}-empty-cluster.tar`);
  } catch {
    return null;
  }
}

async function createCluster(dataDir: string): Promise<PGlite> {
  const template = clusterTemplatePath();
  if (template && existsSync(template)) {
    try {
      return await PGlite.create({ dataDir, loadDataDir: new Blob([readFileSync(template)]) });
    } catch {
      // A damaged template: fall back to initdb and write a fresh one.
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const db = await PGlite.create({ dataDir });
  if (template) {
    try {
      const dump = await db.dumpDataDir("none");
      mkdirSync(dirname(template), { recursive: true });
      const tmp = `${template}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
      renameSync(tmp, template);
    } catch {
      // The cache is an optimisation only (read-only installs simply skip it).
    }
  }
  return db;
}

async function copyCsv(db: PGlite, table: string, csvPath: string): Promise<void> {
  const fd = openSync(csvPath, "r");
  try {
    const buffer = Buffer.alloc(COPY_CHUNK_BYTES);
    let carry = Buffer.alloc(0);
    let first = true;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      const data = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, read)]) : buffer.subarray(0, read);
      if (data.length === 0) break;
      // Generated values never contain newlines, so a chunk can end at any line break.
      const cut = read === 0 ? data.length : data.lastIndexOf(0x0a) + 1;
      if (cut > 0) {
        const blob = new Blob([data.subarray(0, cut)]);
        await db.query(
          `copy public.${table} from '/dev/blob' with (format csv, header ${first ? "true" : "false"})`,
          [],
          { blob },
        );
        first = false;
      }
      carry = Buffer.from(data.subarray(cut));
      if (read === 0) break;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Builds `pgdataDir` from the CSV files in `csvDir`, checking every table's row count. Built
 * beside the target and renamed into place, so a half-built directory is never mistaken for a
 * finished one.
 */
export async function buildOrderSystemDatabase(
  csvDir: string,
  pgdataDir: string,
  expectedRows: Record<string, number>,
  onProgress: (message: string) => void = () => {},
): Promise<void> {
  const building = `${pgdataDir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const db = await createCluster(building);
  try {
    for (const spec of orderSystemTables) {
      await db.exec(postgresCreateTable(`public.${spec.name}`, spec));
      const started = Date.now();
      await copyCsv(db, spec.name, join(csvDir, `${spec.name}.csv`));
      const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from public.${spec.name}`);
      const n = rows[0]?.n ?? -1;
      if (n !== expectedRows[spec.name]) {
        throw new Error(`order system ${spec.name}: loaded ${n} rows, generated ${expectedRows[spec.name]}`);
      }
      onProgress(`order system: ${spec.name} ${n} rows in ${Date.now() - started} ms`);
    }
    await db.exec("analyze");
  } finally {
    await db.close();
  }
  rmSync(pgdataDir, { recursive: true, force: true });
  renameSync(building, pgdataDir);
}

export function isOrderSystemDatabase(pgdataDir: string): boolean {
  return existsSync(join(pgdataDir, "PG_VERSION"));
}
