/**
 * Turns the configuration into live sources: the demo company (generated, then served on
 * loopback exactly like real systems) or a company's own order system, CRM and partner drops.
 * Either way the same extract code reads them.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { crmTables } from "../shared/contracts/crm.js";
import { orderSystemTables } from "../shared/contracts/order-system.js";
import { sellThrough, sellThroughFileScope, sellThroughHeaderAliases } from "../shared/contracts/partner-files.js";
import { touchPaths } from "../shared/contracts/touch-paths.js";
import { ConfigError, secretFromEnv, type WarehouseConfig, type WarehousePaths } from "../shared/config.js";
import { prepareDemoCompany, startDemoSources } from "../demo-company/index.js";
import type { RecordStream } from "../shared/source-stream.js";
import type { ScopedFileStream } from "../load/file-loader.js";
import { crmApiSource, describeRetry } from "../extract/crm-api-source.js";
import { postgresSource } from "../extract/postgres-source.js";
import { templateStreams } from "../extract/template-files.js";

export interface ConnectedSources {
  readonly recordStreams: readonly RecordStream[];
  readonly fileStreams: readonly ScopedFileStream[];
  close(): Promise<void>;
}

/**
 * Entries of a partner drop folder named like CSV or XLSX files, in name order (the order their
 * replacements apply in). Whatever they are: the loader reads only regular files and rejects the
 * rest (a link, a pipe, a directory named `.csv`) one record each, so an odd entry is reported.
 */
export function partnerDropFiles(dropDir: string): string[] {
  if (!existsSync(dropDir)) {
    throw new ConfigError(
      `Partner drop folder ${dropDir} does not exist: create it or fix sources.partner_files.drop_dir.`,
    );
  }
  return readdirSync(dropDir)
    .filter((name) => /\.(csv|xlsx)$/i.test(name))
    .sort()
    .map((name) => join(dropDir, name));
}

/**
 * The file stream of a partner drop folder, as every refresh loads it: each file's name states the
 * partner and month it replaces (see sellThroughFileScope).
 */
export function partnerDropStream(dropDir: string): ScopedFileStream {
  return {
    source: "partner_files",
    table: sellThrough,
    files: partnerDropFiles(dropDir),
    headerAliases: sellThroughHeaderAliases,
    fileNameScope: sellThroughFileScope,
  };
}

/**
 * The file stream of a folder of journey paths (ChannelAttribution's format). Its files state no scope: rows merge
 * by period and path, so a file resent for a period replaces that period's paths it names.
 */
export function touchPathsStream(dir: string): ScopedFileStream {
  if (!existsSync(dir)) {
    throw new ConfigError(`Touch paths folder ${dir} does not exist: create it or fix sources.touch_paths.dir.`);
  }
  const files = readdirSync(dir)
    .filter((name) => /\.csv$/i.test(name))
    .sort()
    .map((name) => join(dir, name));
  return { source: "touch_paths", table: touchPaths, files };
}

interface Endpoints {
  orderSystem?: { connectionString: string; schema: string; lookback?: string; softDeleteColumn?: string };
  crm?: { baseUrl: string; token: string; pageSize?: number; timeoutMs?: number };
  partnerDropsDir?: string;
}

function streamsFor(endpoints: Endpoints, fullRefresh: boolean, log: (line: string) => void) {
  const closers: Array<() => Promise<void>> = [];
  const recordStreams: RecordStream[] = [];
  const fileStreams: ScopedFileStream[] = [];
  if (endpoints.orderSystem) {
    const source = postgresSource({
      name: "order_system",
      ...endpoints.orderSystem,
      tables: orderSystemTables,
      fullRefresh,
      onNotice: log,
    });
    recordStreams.push(...source.streams);
    closers.push(source.close);
  }
  if (endpoints.crm) {
    // Every retry is one line of the run's output (the token is never in it).
    const source = crmApiSource({
      name: "crm",
      ...endpoints.crm,
      tables: crmTables,
      fullRefresh,
      onRetry: (event) => log(`  ${describeRetry("crm", event)}`),
      onNotice: (line) => log(`  ${line}`),
    });
    recordStreams.push(...source.streams);
    closers.push(source.close);
  }
  if (endpoints.partnerDropsDir) {
    fileStreams.push(partnerDropStream(endpoints.partnerDropsDir));
  }
  return { recordStreams, fileStreams, closers };
}

/** Connects every configured source; the demo company when the config names none. */
export async function connectSources(
  config: WarehouseConfig,
  paths: WarehousePaths,
  log: (line: string) => void,
  options: { fullRefresh?: boolean } = {},
): Promise<ConnectedSources> {
  if (!config.sources) {
    const started = Date.now();
    const manifest = await prepareDemoCompany({ dir: paths.demoDir, ...config.demo });
    const demo = await startDemoSources(paths.demoDir);
    log(
      `demo company ready (seed ${manifest.seed}, scale ${manifest.scale}) in ${Date.now() - started} ms: ` +
        `order system ${demo.orderSystem.connectionString}, CRM ${demo.crm.baseUrl}, partner drops ${demo.partnerDropsDir}`,
    );
    const { recordStreams, fileStreams, closers } = streamsFor(demo, options.fullRefresh ?? false, log);
    return {
      recordStreams,
      fileStreams,
      async close() {
        for (const close of closers) await close();
        await demo.close();
      },
    };
  }
  const { order_system, crm, partner_files, templates, touch_paths } = config.sources;
  const endpoints: Endpoints = {};
  if (order_system) {
    endpoints.orderSystem = {
      connectionString: secretFromEnv(order_system.connection_string_env, "The order system (sources.order_system)"),
      schema: order_system.schema,
      lookback: order_system.lookback,
      ...(order_system.soft_delete_column ? { softDeleteColumn: order_system.soft_delete_column } : {}),
    };
  }
  if (crm) {
    endpoints.crm = {
      baseUrl: crm.base_url,
      token: secretFromEnv(crm.token_env, "The CRM (sources.crm)"),
      pageSize: crm.page_size,
      timeoutMs: crm.timeout_ms,
    };
  }
  // Relative to the project folder, like data_dir and the templates folder (not to wherever the command runs).
  if (partner_files) endpoints.partnerDropsDir = resolve(paths.projectRoot, partner_files.drop_dir);
  const { recordStreams, fileStreams, closers } = streamsFor(endpoints, options.fullRefresh ?? false, log);
  if (templates) fileStreams.push(...templateStreams(resolve(paths.projectRoot, templates.dir)));
  if (touch_paths) fileStreams.push(touchPathsStream(resolve(paths.projectRoot, touch_paths.dir)));
  return {
    recordStreams,
    fileStreams,
    async close() {
      for (const close of closers) await close();
    },
  };
}
