/**
 * Source identity: one data folder, one company. Raw data remembers which system each source came
 * from (meta.source_identity in the raw database), and a run that reads a different system never
 * merges into it. Incremental loads merge by key and file loads skip known content, so without
 * this a second company's rows would land beside the first's, keyed alike, and the published marts
 * would show both as one (cross-territory sales, loss-making channels and blind spots that neither
 * company has).
 *
 * Checked before anything is extracted. For each raw source (order_system, crm, partner_files):
 * - nothing recorded yet (a new data folder, or a raw database from before this check): the
 *   current system is adopted;
 * - the same system: nothing to do;
 * - a different system while that source's raw data is empty (nothing was ever loaded from the
 *   recorded one): the new one is adopted;
 * - raw data from the embedded demo company: it is generated, so it is cleared (raw tables, read
 *   positions, file-load records) and the source loads in full from the new system, with one line
 *   saying so. This is what makes `--seed 7` on an existing data folder just work;
 * - raw data from a real system and a run reading another: refused (a changed host is more often a
 *   mistake than a migration, and clearing raw history is data loss) unless the run is a
 *   `--full-refresh`, which clears the source and records the new system;
 * - a source no longer configured keeps its raw data and recorded system (like a source that
 *   failed to load), except demo data, which is cleared: it must not sit beside a real company's.
 *
 * Identities hold what names a system, never a secret: PostgreSQL host, port, database and schema
 * (not the user or password), the CRM's base URL (without credentials or query), the partner drop
 * and templates folders (the path the config names and its real path), the demo company's seed,
 * scale and plants.
 */
import { existsSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import pg from "pg";
import { secretFromEnv, type WarehouseConfig, type WarehousePaths } from "../shared/config.js";
import { SOURCE_TABLES, type SourceName } from "../shared/contracts/source-tables.js";
import { PermanentError } from "../shared/errors.js";
import { connectionStringSecrets, redactConnectionString, redactSecrets } from "../shared/redact.js";
import { ensureMetaSchema } from "../shared/warehouse/meta-schema.js";
import { queryRows, quoteIdent, withDatabase } from "../shared/warehouse/duckdb.js";
import { GENERATOR_VERSION } from "../demo-company/index.js";
import { TEMPLATE_TABLES } from "../extract/template-files.js";

/** One system feeding a raw source: what kind it is and what tells it apart from another of its kind. */
export type SystemIdentity =
  | { kind: "demo"; seed: number; scale: number; plants: boolean; generator_version: number }
  | { kind: "postgres"; host: string; port: number; database: string; schema: string }
  | { kind: "postgres"; connection: string; schema: string }
  | { kind: "crm_api"; base_url: string }
  | { kind: "partner_drop_folder" | "templates" | "touch_paths_folder"; path: string; real_path: string };

/** What a raw source's data comes from: one system, or several writing the same tables (drops + templates). */
export interface SourceIdentity {
  readonly source: SourceName;
  readonly systems: readonly SystemIdentity[];
  /** Canonical JSON, compared between runs and stored. */
  readonly json: string;
  /** How messages name it. */
  readonly text: string;
}

/** A run reads another system than the one a source's raw data came from (and may not clear it). */
export class SourceIdentityError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = "SourceIdentityError";
  }
}

const RAW_SOURCES: readonly SourceName[] = [...new Set(SOURCE_TABLES.map((t) => t.source))];
/** The sources the demo company delivers (its journeys are CRM touches: it sends no paths file). */
const DEMO_SOURCES: readonly SourceName[] = ["order_system", "crm", "partner_files"];

/** JSON with keys in a fixed order, so the same identity always compares equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function describeSystem(system: SystemIdentity): string {
  switch (system.kind) {
    case "demo":
      return (
        `the demo company (seed ${system.seed}, scale ${system.scale}, ` +
        `${system.plants ? "with planted problems" : "clean"}, generator version ${system.generator_version})`
      );
    case "postgres": {
      if ("connection" in system) return `${system.connection} (schema ${system.schema})`;
      const host = system.host.includes(":") ? `[${system.host}]` : system.host;
      return `postgres://${host}:${system.port}/${system.database} (schema ${system.schema})`;
    }
    case "crm_api":
      return `the CRM at ${system.base_url}`;
    case "partner_drop_folder":
    case "touch_paths_folder":
    case "templates": {
      const folder = {
        templates: "the templates folder",
        partner_drop_folder: "the partner drop folder",
        touch_paths_folder: "the touch paths folder",
      }[system.kind];
      return `${folder} ${system.path}${system.real_path === system.path ? "" : ` (${system.real_path})`}`;
    }
  }
}

/**
 * The order system as PostgreSQL names it: host, port and database as the `pg` client resolves
 * them (including its PGHOST/PGPORT/PGDATABASE defaults), never the user or the password.
 */
export function postgresIdentity(connectionString: string, schema: string): SystemIdentity {
  let isUrl = true;
  try {
    new URL(connectionString);
  } catch {
    isUrl = false;
  }
  if (isUrl) {
    // Building a client parses the settings; it connects only on connect().
    const client = new pg.Client({ connectionString });
    return {
      kind: "postgres",
      host: client.host.toLowerCase(),
      port: Number(client.port),
      database: client.database ?? "",
      schema,
    };
  }
  // Not a URL (keyword=value): the client does not read those as settings, so keep the string, without secrets.
  const shown = redactSecrets(redactConnectionString(connectionString), connectionStringSecrets(connectionString));
  return { kind: "postgres", connection: shown, schema };
}

/** The CRM by its base URL: scheme, host, port and path, without credentials, query or trailing slash. */
export function crmIdentity(baseUrl: string): SystemIdentity {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, "");
  return { kind: "crm_api", base_url: `${url.protocol}//${url.host}${path}` };
}

/**
 * A folder by the path the config names and its real path (links resolved), or undefined when it does not
 * exist (the extract says so).
 */
function folderIdentity(
  kind: "partner_drop_folder" | "templates" | "touch_paths_folder",
  projectRoot: string,
  dir: string,
): SystemIdentity | undefined {
  const path = resolve(projectRoot, dir);
  return existsSync(path) ? { kind, path, real_path: realpathSync(path) } : undefined;
}

/**
 * Which system each raw source reads this run. `null`: no configured source feeds it; `undefined`:
 * cannot tell yet (its folder is missing, which the extract reports as the error it is).
 */
export function currentSourceIdentities(
  config: WarehouseConfig,
  paths: WarehousePaths,
): Map<SourceName, SourceIdentity | null | undefined> {
  const feeds = new Map<SourceName, Array<SystemIdentity | undefined>>(RAW_SOURCES.map((s) => [s, []]));
  if (!config.sources) {
    const { seed, scale, plants } = config.demo;
    const demo: SystemIdentity = { kind: "demo", seed, scale, plants, generator_version: GENERATOR_VERSION };
    for (const source of DEMO_SOURCES) feeds.get(source)!.push(demo);
  } else {
    const { order_system, crm, partner_files, templates, touch_paths } = config.sources;
    if (order_system) {
      const connectionString = secretFromEnv(
        order_system.connection_string_env,
        "The order system (sources.order_system)",
      );
      feeds.get("order_system")!.push(postgresIdentity(connectionString, order_system.schema));
    }
    if (crm) feeds.get("crm")!.push(crmIdentity(crm.base_url));
    if (partner_files) {
      feeds
        .get("partner_files")!
        .push(folderIdentity("partner_drop_folder", paths.projectRoot, partner_files.drop_dir));
    }
    if (touch_paths) {
      feeds.get("touch_paths")!.push(folderIdentity("touch_paths_folder", paths.projectRoot, touch_paths.dir));
    }
    if (templates) {
      // The folder is the system for every raw source a template fills, whichever files it holds today.
      const folder = folderIdentity("templates", paths.projectRoot, templates.dir);
      for (const source of new Set(TEMPLATE_TABLES.map((t) => t.source))) feeds.get(source)!.push(folder);
    }
  }
  const identities = new Map<SourceName, SourceIdentity | null | undefined>();
  for (const [source, systems] of feeds) {
    if (systems.length === 0) identities.set(source, null);
    else if (systems.some((s) => s === undefined)) identities.set(source, undefined);
    else identities.set(source, identityOf(source, systems as SystemIdentity[]));
  }
  return identities;
}

function identityOf(source: SourceName, systems: readonly SystemIdentity[]): SourceIdentity {
  return {
    source,
    systems,
    json: canonicalJson(systems.length === 1 ? systems[0] : { kind: "combined", systems }),
    text: systems.map(describeSystem).join(" + "),
  };
}

export interface RecordedIdentity {
  readonly source: string;
  readonly identity_json: string;
  readonly identity_text: string;
  readonly first_run_id: string;
  readonly recorded_at: Date;
}

const TABLE = "meta.source_identity";

async function tableExists(connection: DuckDBConnection, schema: string, table: string): Promise<boolean> {
  const rows = await queryRows(
    connection,
    "select 1 from information_schema.tables where table_schema = $1 and table_name = $2",
    [schema, table],
  );
  return rows.length > 0;
}

/** The recorded system of every source (none before the first run that checks); the meta schema must exist. */
export async function readRecordedIdentities(connection: DuckDBConnection): Promise<RecordedIdentity[]> {
  return queryRows<RecordedIdentity>(
    connection,
    `select source, identity_json, identity_text, first_run_id, recorded_at from ${TABLE} order by source`,
  );
}

/** Whether a source has anything in raw: rows in its tables, a saved read position, a loaded file. */
async function holdsData(connection: DuckDBConnection, source: SourceName): Promise<boolean> {
  for (const { table } of SOURCE_TABLES.filter((t) => t.source === source)) {
    if (!(await tableExists(connection, source, table.name))) continue;
    const rows = await queryRows(connection, `select 1 from ${quoteIdent(source)}.${quoteIdent(table.name)} limit 1`);
    if (rows.length) return true;
  }
  for (const bookkeeping of ["stream_state", "file_loads"]) {
    const rows = await queryRows(connection, `select 1 from meta.${bookkeeping} where source = $1 limit 1`, [source]);
    if (rows.length) return true;
  }
  return false;
}

/** Empties a source in raw so its next load starts from nothing: its tables, read positions and file-load records. */
async function clearSource(connection: DuckDBConnection, source: SourceName): Promise<void> {
  for (const { table } of SOURCE_TABLES.filter((t) => t.source === source)) {
    if (await tableExists(connection, source, table.name))
      await connection.run(`delete from ${quoteIdent(source)}.${quoteIdent(table.name)}`);
  }
  await connection.run("delete from meta.stream_state where source = $1", [source]);
  await connection.run("delete from meta.file_loads where source = $1", [source]);
}

/** The systems a recorded identity names (undefined when it cannot be read). */
function recordedSystems(recorded: RecordedIdentity): SystemIdentity[] | undefined {
  try {
    const parsed = JSON.parse(recorded.identity_json) as
      | SystemIdentity
      | { kind: "combined"; systems: SystemIdentity[] };
    return "systems" in parsed ? parsed.systems : [parsed];
  } catch {
    return undefined;
  }
}

function isDemo(recorded: RecordedIdentity): boolean {
  return recordedSystems(recorded)?.[0]?.kind === "demo";
}

/**
 * Whether the recorded systems are this run's. A folder is the same when either the path the config names or its
 * real path is: a link the company repoints at each new export (`exports/current`) stays its system, and so does
 * the same folder named another way.
 */
function sameSystems(recorded: RecordedIdentity, current: SourceIdentity): boolean {
  const before = recordedSystems(recorded);
  if (!before || before.length !== current.systems.length) return false;
  return before.every((a, i) => {
    const b = current.systems[i]!;
    if ((a.kind === "templates" || a.kind === "partner_drop_folder") && a.kind === b.kind && "real_path" in b)
      return a.path === b.path || a.real_path === b.real_path;
    return canonicalJson(a) === canonicalJson(b);
  });
}

/** What a run does about one raw source's recorded system (see checkSourceIdentities). */
export type IdentityDecision =
  | { action: "adopt" | "respell"; identity: SourceIdentity }
  | { action: "restart"; identity: SourceIdentity | null; from: RecordedIdentity }
  | { action: "refuse"; identity: SourceIdentity; from: RecordedIdentity };

/** Lists sources as `a`, `a and b`, `a, b and c`. */
function sourceList(sources: readonly string[]): string {
  return sources.length === 1 ? sources[0]! : `${sources.slice(0, -1).join(", ")} and ${sources.at(-1)}`;
}

/** Groups decisions with the same old and new system, so a templates folder's three sources read as one line. */
function grouped<D extends { from: RecordedIdentity; identity: SourceIdentity | null }>(decisions: readonly D[]) {
  const groups = new Map<string, { sources: string[]; from: string; to: string | null }>();
  for (const d of decisions) {
    const key = `${d.from.identity_text}\u0000${d.identity?.text ?? ""}`;
    const group = groups.get(key) ?? { sources: [], from: d.from.identity_text, to: d.identity?.text ?? null };
    group.sources.push(d.from.source);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export interface SourceIdentityRun {
  readonly config: WarehouseConfig;
  readonly paths: WarehousePaths;
  readonly runId: string;
  readonly fullRefresh?: boolean;
  readonly log: (line: string) => void;
}

/**
 * What this run would do about each raw source's recorded system, decided without writing anything (the
 * pre-refresh check reads raw read-only): adopt, respell, restart (clear and load in full) or refuse. None
 * when a configured folder is missing (the extract reports that) or nothing has been recorded yet.
 */
export async function planSourceIdentities(
  connection: DuckDBConnection,
  run: Pick<SourceIdentityRun, "config" | "paths" | "fullRefresh">,
): Promise<IdentityDecision[]> {
  const current = currentSourceIdentities(run.config, run.paths);
  if ([...current.values()].some((identity) => identity === undefined)) return [];
  const recorded = new Map(
    (await tableExists(connection, "meta", "source_identity"))
      ? (await readRecordedIdentities(connection)).map((r) => [r.source, r])
      : [],
  );
  const decisions: IdentityDecision[] = [];
  for (const source of RAW_SOURCES) {
    const identity = current.get(source) as SourceIdentity | null;
    const before = recorded.get(source);
    if (!before) {
      if (identity) decisions.push({ action: "adopt", identity });
      continue;
    }
    if (identity?.json === before.identity_json) continue;
    if (identity && sameSystems(before, identity)) {
      // The same system, reached another way: keep the record current, nothing to clear.
      decisions.push({ action: "respell", identity });
      continue;
    }
    if (identity === null) {
      // No longer configured: its data stays as last loaded, unless it is the demo's beside a real company.
      if (isDemo(before)) decisions.push({ action: "restart", identity, from: before });
      continue;
    }
    if (!(await holdsData(connection, source))) decisions.push({ action: "adopt", identity });
    else if (isDemo(before)) decisions.push({ action: "restart", identity, from: before });
    else if (run.fullRefresh) decisions.push({ action: "restart", identity, from: before });
    else decisions.push({ action: "refuse", identity, from: before });
  }
  return decisions;
}

/** Why the run is refused (SourceIdentityError's message), or undefined when no source would mix two systems. */
export function identityRefusal(decisions: readonly IdentityDecision[]): string | undefined {
  const refusals = decisions.filter((d): d is Extract<IdentityDecision, { action: "refuse" }> => d.action === "refuse");
  if (!refusals.length) return undefined;
  return grouped(refusals)
    .map(({ sources, from, to }) => {
      const these = sources.length === 1 ? "this source" : "these sources";
      return (
        `${sourceList(sources)}: raw data came from ${from}; this run reads ${to}. Refusing to mix two systems' ` +
        `data. Run with --full-refresh to start ${these} afresh from the new system.`
      );
    })
    .join("\n");
}

/**
 * Makes sure this run reads the systems the raw data came from, before anything is extracted.
 * Throws SourceIdentityError (a permanent failure, nothing written) when a source would mix two
 * systems' data; otherwise records new identities and clears the sources that start afresh.
 */
export async function checkSourceIdentities(run: SourceIdentityRun): Promise<void> {
  // A configured folder is missing: the extract stops with that error, so this run must neither clear nor record.
  if ([...currentSourceIdentities(run.config, run.paths).values()].some((identity) => identity === undefined)) return;
  await withDatabase(run.paths.rawDatabase, async (connection) => {
    await ensureMetaSchema(connection);
    const decisions = await planSourceIdentities(connection, run);
    const refusal = identityRefusal(decisions);
    if (refusal) throw new SourceIdentityError(refusal);
    if (decisions.length === 0) return;

    const restarts = decisions.filter(
      (d): d is Extract<IdentityDecision, { action: "restart" }> => d.action === "restart",
    );
    await connection.run("begin transaction");
    try {
      for (const d of decisions) {
        if (d.action === "restart") await clearSource(connection, d.from.source as SourceName);
        if (d.action === "respell") {
          await connection.run(
            `update ${TABLE} set identity_json = $2, identity_text = $3, recorded_at = now() at time zone 'UTC' where source = $1`,
            [d.identity.source, d.identity.json, d.identity.text],
          );
        } else if (d.identity) {
          await connection.run(`insert or replace into ${TABLE} values ($1, $2, $3, $4, now() at time zone 'UTC')`, [
            d.identity.source,
            d.identity.json,
            d.identity.text,
            run.runId,
          ]);
        } else if (d.action === "restart") {
          await connection.run(`delete from ${TABLE} where source = $1`, [d.from.source]);
        }
      }
      await connection.run("commit");
    } catch (error) {
      await connection.run("rollback");
      throw error;
    }
    for (const { sources, from, to } of grouped(restarts)) {
      const what = `${sourceList(sources)}: raw data came from ${from}`;
      run.log(
        to === null
          ? `${what}, which this config no longer reads; cleared it so it is not published beside this company's data.`
          : `${what}; this run reads ${to}: starting afresh (raw data, read positions and file-load records cleared, loading in full).`,
      );
    }
  });
}
