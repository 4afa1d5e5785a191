/**
 * The demo company: the embedded default data of the product. A seeded, deterministic company
 * (same seed + scale + plants -> the same data, byte for byte), delivered in the shapes real
 * systems use so the warehouse runs its production extract code against it:
 *
 * - the order system: PostgreSQL (PGlite) served on 127.0.0.1 to the ordinary `pg` client;
 * - the CRM: a paged JSON REST API on 127.0.0.1;
 * - partner sell-through: CSV / XLSX files in a drop folder.
 *
 * `manifest.json` beside the data records row counts, content hashes, control totals and the
 * planted truths (with the rules that find them).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { crmTables } from "../shared/contracts/crm.js";
import { type CompanyOptions, generateCompany, validateOptions } from "./generator/company.js";
import { DEFAULT_AS_OF } from "./generator/calendar.js";
import {
  DEMO_LAYOUT,
  type DemoManifest,
  GENERATOR_VERSION,
  REVENUE_DEFINITION,
  buildManifest,
  revenueTotals,
} from "./generator/manifest.js";
import { startCrmServer } from "./delivery/crm-server.js";
import { buildOrderSystemDatabase, isOrderSystemDatabase } from "./delivery/order-system-db.js";
import { startOrderSystemServer } from "./delivery/order-system-server.js";
import { processAlive } from "../shared/process-alive.js";

export type { DemoManifest, TruthEntry, ChannelEconomics } from "./generator/manifest.js";
export { GENERATOR_VERSION, DEMO_LAYOUT } from "./generator/manifest.js";
export { RULES, contributionSql, ruleSql, type RuleDates, type TruthName } from "./generator/planted-truths.js";
export { DEFAULT_AS_OF } from "./generator/calendar.js";
export { DEMO_CRM_TOKEN } from "./delivery/crm-server.js";
export { CHINESE_HEADERS, dropFileName } from "./delivery/partner-drops.js";

export interface PrepareDemoOptions {
  /** Folder that receives the demo company (created if missing). */
  readonly dir: string;
  readonly seed?: number;
  /** 1 ≈ 50,000 order lines and 3,000 customers; order lines grow linearly. */
  readonly scale?: number;
  /** Plant the seven known truths (default true); false gives a clean company. */
  readonly plants?: boolean;
  /** Last day of history, a month end (default 2026-10-31). */
  readonly asOf?: string;
  readonly onProgress?: (message: string) => void;
}

function readManifest(dir: string): DemoManifest | null {
  try {
    return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as DemoManifest;
  } catch {
    return null;
  }
}

function isComplete(
  dir: string,
  manifest: DemoManifest | null,
  options: Required<CompanyOptions>,
): manifest is DemoManifest {
  if (!manifest) return false;
  if (
    manifest.generator !== "demo-company" ||
    manifest.version !== GENERATOR_VERSION ||
    manifest.seed !== options.seed ||
    manifest.scale !== options.scale ||
    manifest.plants !== options.plants ||
    manifest.as_of !== options.asOf
  ) {
    return false;
  }
  if (!isOrderSystemDatabase(join(dir, DEMO_LAYOUT.order_system_pgdata))) return false;
  if (!crmTables.every((t) => existsSync(join(dir, DEMO_LAYOUT.crm, `${t.name}.ndjson`)))) return false;
  return existsSync(join(dir, DEMO_LAYOUT.partner_drops));
}

/**
 * One preparer per folder at a time (parallel test files or a scheduled run and an analyst may
 * share `data/demo`): a lock directory holding the owner's pid; a lock left by a dead process is
 * taken over.
 */
async function withFolderLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, ".prepare.lock");
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {
        // the owner is between mkdir and writing its pid
      }
      const stat = statSync(lock, { throwIfNoEntry: false });
      if (!stat) continue;
      const age = Date.now() - stat.mtimeMs;
      if ((Number.isInteger(owner) && !processAlive(owner)) || (Number.isNaN(owner) && age > 10_000)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for another process preparing ${dir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Writes the demo company into `dir`: the order system as a PGlite data directory (and the CSV
 * files it was loaded from), the CRM's records as NDJSON, the partner drop folder, and
 * manifest.json. Idempotent: when `dir` already holds a complete company for the same options
 * and generator version it is reused as is.
 */
export async function prepareDemoCompany(options: PrepareDemoOptions): Promise<DemoManifest> {
  const opts = validateOptions({
    seed: options.seed ?? 42,
    scale: options.scale ?? 1,
    plants: options.plants ?? true,
    asOf: options.asOf ?? DEFAULT_AS_OF,
  });
  const dir = resolve(options.dir);
  const progress = options.onProgress ?? (() => {});
  const existing = readManifest(dir);
  if (isComplete(dir, existing, opts)) return existing;
  mkdirSync(dir, { recursive: true });
  return withFolderLock(dir, async () => {
    const again = readManifest(dir);
    if (isComplete(dir, again, opts)) return again;
    rmSync(join(dir, "manifest.json"), { force: true });
    for (const sub of ["order-system", DEMO_LAYOUT.crm, DEMO_LAYOUT.partner_drops])
      rmSync(join(dir, sub), { recursive: true, force: true });

    const started = Date.now();
    const result = await generateCompany(opts, {
      orderSystemDir: join(dir, DEMO_LAYOUT.order_system_csv),
      crmDir: join(dir, DEMO_LAYOUT.crm),
      partnerDropsDir: join(dir, DEMO_LAYOUT.partner_drops),
      onProgress: progress,
    });
    progress(`generated in ${Date.now() - started} ms`);
    const manifest = buildManifest(result);
    const loading = Date.now();
    await buildOrderSystemDatabase(
      join(dir, DEMO_LAYOUT.order_system_csv),
      join(dir, DEMO_LAYOUT.order_system_pgdata),
      Object.fromEntries(Object.entries(result.orderSystem).map(([name, t]) => [name, t.rows])),
      progress,
    );
    progress(`order system loaded in ${Date.now() - loading} ms`);
    // The manifest goes last, so its presence means the folder is complete.
    const tmp = join(dir, `manifest.json.${process.pid}.tmp`);
    writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(tmp, join(dir, "manifest.json"));
    return manifest;
  });
}

export interface DemoSources {
  readonly orderSystem: { readonly connectionString: string; readonly schema: string };
  readonly crm: { readonly baseUrl: string; readonly token: string };
  readonly partnerDropsDir: string;
  close(): Promise<void>;
}

/**
 * Starts the demo company's systems from a prepared folder: the order system (PostgreSQL wire
 * protocol) and the CRM (HTTP), both on 127.0.0.1 and free ports. `close()` stops both.
 */
export async function startDemoSources(
  dir: string,
  options: { crmToken?: string; orderSystemPort?: number; crmPort?: number } = {},
): Promise<DemoSources> {
  const root = resolve(dir);
  const manifest = readManifest(root);
  if (!manifest || !isOrderSystemDatabase(join(root, DEMO_LAYOUT.order_system_pgdata))) {
    throw new Error(`${root} holds no prepared demo company: run prepareDemoCompany (or \`demo generate\`) first`);
  }
  const orderSystem = await startOrderSystemServer(join(root, DEMO_LAYOUT.order_system_pgdata), {
    port: options.orderSystemPort,
  });
  let crm;
  try {
    crm = await startCrmServer(join(root, DEMO_LAYOUT.crm), { token: options.crmToken, port: options.crmPort });
  } catch (error) {
    await orderSystem.close();
    throw error;
  }
  return {
    orderSystem: { connectionString: orderSystem.connectionString, schema: orderSystem.schema },
    crm: { baseUrl: crm.baseUrl, token: crm.token },
    partnerDropsDir: join(root, DEMO_LAYOUT.partner_drops),
    async close() {
      await Promise.all([orderSystem.close(), crm.close()]);
    },
  };
}

export interface OrderSystemFiles {
  readonly dir: string;
  readonly seed: number;
  readonly scale: number;
  readonly plants: boolean;
  readonly as_of: string;
  readonly tables: Record<string, { readonly file: string; readonly rows: number; readonly sha256: string }>;
  readonly control_totals: {
    readonly revenue: {
      readonly definition: string;
      readonly total: number;
      readonly by_channel: Record<string, number>;
    };
    readonly completed_orders: number;
    readonly cancelled_orders: number;
  };
}

/**
 * Only the order system, as one CSV file per table (header row, contract column order, UTC
 * timestamps `YYYY-MM-DD HH:MM:SS`, NULL as an empty field), streamed month by month: the path
 * for large benchmarks, where loading PGlite would dominate. Also writes the returned summary
 * to `order-system-files.json` in `dir`. The files are identical to those prepareDemoCompany
 * writes for the same options.
 */
export async function writeOrderSystemFiles(options: {
  dir: string;
  seed?: number;
  scale?: number;
  plants?: boolean;
  asOf?: string;
  onProgress?: (message: string) => void;
}): Promise<OrderSystemFiles> {
  const opts = validateOptions({
    seed: options.seed ?? 42,
    scale: options.scale ?? 1,
    plants: options.plants ?? true,
    asOf: options.asOf ?? DEFAULT_AS_OF,
  });
  const dir = resolve(options.dir);
  const result = await generateCompany(opts, { orderSystemDir: dir, onProgress: options.onProgress });
  const completed = result.orders.counts.orders - result.orders.counts.cancelled_orders;
  const summary: OrderSystemFiles = {
    dir,
    seed: opts.seed,
    scale: opts.scale,
    plants: opts.plants,
    as_of: opts.asOf,
    tables: Object.fromEntries(
      Object.entries(result.orderSystem).map(([name, t]) => [
        name,
        { file: `${name}.csv`, rows: t.rows, sha256: t.sha256 },
      ]),
    ),
    control_totals: {
      revenue: { definition: REVENUE_DEFINITION, ...revenueTotals(result) },
      completed_orders: completed,
      cancelled_orders: result.orders.counts.cancelled_orders,
    },
  };
  writeFileSync(join(dir, "order-system-files.json"), `${JSON.stringify({ ...summary, dir: "." }, null, 2)}\n`);
  return summary;
}
