// Source identity: one data folder, one company. Two demo companies refreshed into one data folder used to merge
// (the second company's incremental loads landed beside the first's rows, and its marts showed the first's
// cross-territory sales); now the demo's generated data starts afresh. A real source pointed at another system is
// refused before anything is extracted, naming both systems, until --full-refresh; no identity or message holds a
// secret.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { GENERATOR_VERSION, type DemoManifest } from "../../pipelines/demo-company/index.js";
import { writeDemoTemplates } from "../../pipelines/demo-company/export-templates.js";
import { ensureRawTables } from "../../pipelines/load/raw-tables.js";
import { refresh, runContext } from "../../pipelines/orchestrate/refresh.js";
import {
  checkSourceIdentities,
  readRecordedIdentities,
  SourceIdentityError,
} from "../../pipelines/orchestrate/source-identity.js";
import { configSchema, resolvePaths } from "../../pipelines/shared/config.js";
import { SOURCE_TABLES } from "../../pipelines/shared/contracts/source-tables.js";
import { PermanentError } from "../../pipelines/shared/errors.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { tempDir } from "../helpers/temp-dir.js";
import { REPO_ROOT } from "../support/paths.js";

const read = <T>(path: string, sql: string) =>
  withDatabase(path, (c) => queryRows<T>(c, sql), { readOnly: true }) as Promise<T[]>;

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "pipelines", "cli.ts"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 300_000,
  });
}

/** What the channel marts flag: a clean company has none of it. */
async function findings(warehouse: string) {
  const [row] = await read<{ cross_territory_lines: number; loss_channels: number; blind_spots: number }>(
    warehouse,
    `select (select count(*) from marts.cross_territory_sales_lines) as cross_territory_lines,
            (select count(*) from marts.channel_economics where is_negative_contribution) as loss_channels,
            (select count(*) from marts.region_coverage where is_blind_spot) as blind_spots`,
  );
  return row!;
}

describe("two demo companies into one data folder", () => {
  const dir = tempDir("warehouse-source-identity-demo-");
  const dataDir = join(dir, "data");
  const demo = (seed: number, plants: boolean) =>
    configSchema.parse({ data_dir: dataDir, demo: { seed, scale: 1, plants } });

  it("the second starts afresh (one line says so) and publishes only its own data", async () => {
    const first = runContext(REPO_ROOT, demo(9173, true), () => undefined);
    expect((await refresh(first, { reports: false })).ok).toBe(true);
    const planted = await findings(first.paths.publishedWarehouse);
    expect(planted.cross_territory_lines).toBeGreaterThan(0);
    expect(planted.loss_channels).toBe(1);
    expect(planted.blind_spots).toBe(1);

    // No --full-refresh: before source identity, this merged the clean company into the planted one's raw data.
    const log: string[] = [];
    const second = runContext(REPO_ROOT, demo(6029, false), (line) => log.push(line));
    expect((await refresh(second, { reports: false })).ok).toBe(true);
    const notices = log.filter((l) => l.includes("starting afresh"));
    expect(notices).toEqual([
      "order_system, crm and partner_files: raw data came from the demo company (seed 9173, scale 1, with planted " +
        `problems, generator version ${GENERATOR_VERSION}); this run reads the demo company (seed 6029, scale 1, clean, generator ` +
        `version ${GENERATOR_VERSION}): starting afresh (raw data, read positions and file-load records cleared, loading in full).`,
    ]);

    const warehouse = second.paths.publishedWarehouse;
    expect(await findings(warehouse)).toEqual({ cross_territory_lines: 0, loss_channels: 0, blind_spots: 0 });
    // Every channel's revenue is the clean company's own, to the cent.
    const manifest = JSON.parse(readFileSync(join(second.paths.demoDir, "manifest.json"), "utf8")) as DemoManifest;
    expect(manifest.seed).toBe(6029);
    const revenue = await read<{ channel_id: string; revenue: string }>(
      warehouse,
      "select channel_id, sum(revenue)::varchar as revenue from marts.channel_performance_monthly group by all",
    );
    expect(Object.fromEntries(revenue.map((r) => [r.channel_id, r.revenue]))).toEqual(
      Object.fromEntries(
        Object.entries(manifest.control_totals.revenue.by_channel).map(([id, amount]) => [id, amount.toFixed(2)]),
      ),
    );
    // Raw holds nothing of the first company: every row came with the second run.
    for (const { source, table } of SOURCE_TABLES) {
      const runs = await read<{ run_id: string }>(
        second.paths.rawDatabase,
        `select distinct _run_id as run_id from ${source}.${table.name}`,
      );
      expect(
        runs.map((r) => r.run_id).filter((id) => id !== second.runId),
        `${source}.${table.name}`,
      ).toEqual([]);
    }
    const recorded = await withDatabase(second.paths.rawDatabase, readRecordedIdentities, { readOnly: true });
    expect(recorded.map((r) => [r.source, JSON.parse(r.identity_json).seed, r.first_run_id])).toEqual([
      ["crm", 6029, second.runId],
      ["order_system", 6029, second.runId],
      ["partner_files", 6029, second.runId],
    ]);
  }, 600_000);
});

describe("a company's templates folder changed", () => {
  const dir = tempDir("warehouse-source-identity-templates-");
  const dataDir = join(dir, "data");
  const before = join(dir, "exports-2026");
  const after = join(dir, "exports-new");
  const configFor = (templates: string) => {
    const path = join(dir, `${templates.endsWith("new") ? "new" : "old"}.yaml`);
    writeFileSync(path, [`data_dir: ${dataDir}`, "sources:", "  templates:", `    dir: ${templates}`, ""].join("\n"));
    return path;
  };
  const paths = resolvePaths(REPO_ROOT, configSchema.parse({ data_dir: dataDir }));

  /** Everything raw holds of the company (not the run log, which records the refused run). */
  function rawSnapshot() {
    return withDatabase(
      paths.rawDatabase,
      async (c) => {
        // One query at a time: a DuckDB connection runs one statement at once.
        const rows: string[] = [];
        for (const { source, table } of SOURCE_TABLES) {
          const [r] = await queryRows<{ n: number; runs: string }>(
            c,
            `select count(*) as n, string_agg(distinct _run_id, ',') as runs from ${source}.${table.name}`,
          );
          rows.push(`${source}.${table.name}: ${r!.n} (${r!.runs})`);
        }
        const state = await queryRows(c, "select * from meta.stream_state order by source, stream");
        const files = await queryRows(c, "select * from meta.file_loads order by source, stream, file_name");
        return { rows, state, files, identity: await readRecordedIdentities(c) };
      },
      { readOnly: true },
    );
  }
  const published = () => ({
    sha256: createHash("sha256").update(readFileSync(paths.publishedWarehouse)).digest("hex"),
    inode: statSync(paths.publishedWarehouse).ino,
  });

  beforeAll(async () => {
    // A small clean company (a fifth of scale 1) as filled templates; the "new" folder is a copy elsewhere.
    await writeDemoTemplates({ dir: before, scale: 0.2, plants: false });
    cpSync(before, after, { recursive: true });
    const ctx = runContext(
      REPO_ROOT,
      configSchema.parse({ data_dir: dataDir, sources: { templates: { dir: before } } }),
      () => undefined,
    );
    expect((await refresh(ctx, { reports: false })).ok).toBe(true);
  }, 600_000);

  it("is refused before anything is extracted, naming both folders; nothing published or raw changes", async () => {
    const raw = await rawSnapshot();
    const warehouse = published();
    const run = cli(["refresh", "--no-reports", "--config", configFor(after)]);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      `error: order_system, crm, partner_files and touch_paths: raw data came from the templates folder ${realpathSync(before)}; ` +
        `this run reads the templates folder ${realpathSync(after)}. Refusing to mix two systems' data. ` +
        "Run with --full-refresh to start these sources afresh from the new system.",
    );
    expect(run.stdout).not.toMatch(/\d+ read, \d+ loaded/);
    expect(run.stdout).not.toMatch(/▶ models|published/);
    expect(published()).toEqual(warehouse);
    expect(await rawSnapshot()).toEqual(raw);
  });

  it("--full-refresh switches to the new folder", async () => {
    const run = cli(["refresh", "--no-reports", "--full-refresh", "--config", configFor(after)]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `order_system, crm, partner_files and touch_paths: raw data came from the templates folder ${realpathSync(before)}; ` +
        `this run reads the templates folder ${realpathSync(after)}: starting afresh`,
    );
    const recorded = await withDatabase(paths.rawDatabase, readRecordedIdentities, { readOnly: true });
    expect(recorded.map((r) => r.identity_text)).toEqual(Array(4).fill(`the templates folder ${realpathSync(after)}`));
    const runs = await read<{ runs: number }>(
      paths.rawDatabase,
      "select count(distinct _run_id) as runs from order_system.orders",
    );
    expect(runs).toEqual([{ runs: 1 }]);
    expect(recorded[0]!.first_run_id).toBe(
      (
        await read<{ run_id: string }>(
          paths.rawDatabase,
          "select run_id from meta.runs order by started_at desc limit 1",
        )
      )[0]!.run_id,
    );
  }, 300_000);
});

describe("identities of real systems, without starting them", () => {
  const dir = tempDir("warehouse-source-identity-unit-");
  const password = "Pw-Secret-9931";
  const crmPassword = "Crm-Basic-Secret-5521";
  const variable = "SOURCE_IDENTITY_TEST_URL";
  afterEach(() => {
    delete process.env[variable];
  });

  let n = 0;
  function setup(sources: Record<string, unknown> | undefined) {
    const config = configSchema.parse({ data_dir: join(dir, `data-${++n}`), ...(sources ? { sources } : {}) });
    const paths = resolvePaths(REPO_ROOT, config);
    mkdirSync(paths.dataDir, { recursive: true });
    const log: string[] = [];
    const check = (options: { fullRefresh?: boolean; sources?: Record<string, unknown> } = {}) => {
      const c = options.sources ? configSchema.parse({ data_dir: config.data_dir, sources: options.sources }) : config;
      return checkSourceIdentities({ config: c, paths, runId: `run-${++n}`, log: (l) => log.push(l), ...options });
    };
    /** Raw data for a source, as an earlier load would leave it (a saved read position). */
    const loaded = (source: string) =>
      withDatabase(paths.rawDatabase, async (c) => {
        await ensureMetaSchema(c);
        await c.run(
          `insert into meta.stream_state values ('${source}', 'orders', '{"cursor":"2026-10-31"}', 'run-0', now())`,
        );
      });
    const state = () => read<{ source: string }>(paths.rawDatabase, "select source from meta.stream_state order by 1");
    const recorded = () => withDatabase(paths.rawDatabase, readRecordedIdentities, { readOnly: true });
    return { check, loaded, state, recorded, log, paths };
  }

  it("a changed order-system host is refused naming both, never the password; --full-refresh switches", async () => {
    process.env[variable] = `postgres://reader:${password}@DB1.internal:5432/erp?sslpassword=${password}`;
    const orderSystem = { order_system: { connection_string_env: variable } };
    const crm = {
      crm: {
        base_url: `https://svc:${crmPassword}@crm.internal.example/tenant-a/?key=${crmPassword}`,
        token_env: variable,
      },
    };
    const company = setup({ ...orderSystem, ...crm });
    await company.check();
    const first = await company.recorded();
    expect(first.map((r) => [r.source, r.identity_text])).toEqual([
      ["crm", "the CRM at https://crm.internal.example/tenant-a"],
      ["order_system", "postgres://db1.internal:5432/erp (schema public)"],
    ]);
    expect(JSON.parse(first[1]!.identity_json)).toEqual({
      kind: "postgres",
      host: "db1.internal",
      port: 5432,
      database: "erp",
      schema: "public",
    });
    await company.loaded("order_system");

    process.env[variable] = `postgres://reader:${password}@db2.internal:5432/erp`;
    const refused = await company.check().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SourceIdentityError);
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as Error).message).toBe(
      "order_system: raw data came from postgres://db1.internal:5432/erp (schema public); this run reads " +
        "postgres://db2.internal:5432/erp (schema public). Refusing to mix two systems' data. Run with " +
        "--full-refresh to start this source afresh from the new system.",
    );
    expect(await company.recorded()).toEqual(first);
    expect(await company.state()).toEqual([{ source: "order_system" }]);

    await company.check({ fullRefresh: true });
    expect(company.log).toEqual([
      "order_system: raw data came from postgres://db1.internal:5432/erp (schema public); this run reads " +
        "postgres://db2.internal:5432/erp (schema public): starting afresh (raw data, read positions and " +
        "file-load records cleared, loading in full).",
    ]);
    expect(await company.state()).toEqual([]);
    const now = await company.recorded();
    expect(now.find((r) => r.source === "order_system")?.identity_text).toBe(
      "postgres://db2.internal:5432/erp (schema public)",
    );
    for (const text of [JSON.stringify(now), JSON.stringify(first), (refused as Error).message, ...company.log]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(crmPassword);
      expect(text).not.toContain("reader");
    }
  });

  it("a raw database from before source identity adopts the current systems, keeping its data", async () => {
    const drops = join(dir, "drops");
    mkdirSync(drops);
    const company = setup({ partner_files: { drop_dir: drops } });
    await company.loaded("partner_files");
    await company.check();
    expect(company.log).toEqual([]);
    expect(await company.state()).toEqual([{ source: "partner_files" }]);
    const [first] = await company.recorded();
    expect([first!.source, first!.identity_text]).toEqual(["partner_files", `the partner drop folder ${drops}`]);
    // The same folder through a link is the same system; so is a link the company repoints at each new drop.
    const link = join(dir, "drops-link");
    symlinkSync(drops, link);
    await company.check({ sources: { partner_files: { drop_dir: link } } });
    const current = join(dir, "drops-current");
    symlinkSync(link, current);
    await company.check({ sources: { partner_files: { drop_dir: current } } });
    const elsewhere = join(dir, "drops-2026-12");
    mkdirSync(elsewhere);
    rmSync(current);
    symlinkSync(elsewhere, current);
    await company.check({ sources: { partner_files: { drop_dir: current } } });
    expect(company.log).toEqual([]);
    expect(await company.state()).toEqual([{ source: "partner_files" }]);
    const [kept] = await company.recorded();
    expect([kept!.identity_text, kept!.first_run_id]).toEqual([
      `the partner drop folder ${current} (${realpathSync(elsewhere)})`,
      first!.first_run_id,
    ]);
    // Another folder with the same files, named another way, is another system.
    const other = join(dir, "drops-elsewhere");
    mkdirSync(other);
    await expect(company.check({ sources: { partner_files: { drop_dir: other } } })).rejects.toThrow(
      `partner_files: raw data came from the partner drop folder ${current} (${realpathSync(elsewhere)}); this run reads the partner drop folder ${other}.`,
    );
    // A source no longer configured keeps its data (as when it fails to load); a new one is adopted.
    await company.check({ sources: { crm: { base_url: "http://127.0.0.1:9" } } });
    expect(await company.state()).toEqual([{ source: "partner_files" }]);
    expect((await company.recorded()).map((r) => r.source)).toEqual(["crm", "partner_files"]);
  });

  it("demo data never stays beside a real company's: a config without that source clears it", async () => {
    const demo = setup(undefined);
    await demo.check();
    for (const source of ["order_system", "crm", "partner_files"]) await demo.loaded(source);
    await withDatabase(demo.paths.rawDatabase, (c) => ensureRawTables(c, SOURCE_TABLES));
    const drops = join(dir, "company-drops");
    // A config naming a folder that is not there changes nothing: the extract stops with that error.
    await demo.check({ sources: { partner_files: { drop_dir: drops } } });
    expect(await demo.state()).toHaveLength(3);
    expect(await demo.recorded()).toHaveLength(3);
    mkdirSync(drops);
    await demo.check({ sources: { partner_files: { drop_dir: drops } } });
    expect(await demo.state()).toEqual([]);
    expect(demo.log).toEqual([
      expect.stringMatching(
        /^order_system and crm: raw data came from the demo company \(seed 42, .*\), which this config no longer reads; cleared it/,
      ),
      expect.stringMatching(/^partner_files: raw data came from the demo company .*: starting afresh/),
    ]);
    expect((await demo.recorded()).map((r) => r.source)).toEqual(["partner_files"]);
  });
});
