// A company whose only source is a folder of filled canonical CSV templates gets the whole warehouse: the demo
// company is written as filled templates (`templates --from-demo`), a config names that folder as the only source,
// and the CLI refresh (without reports) extracts, builds and tests every model and publishes. The published marts
// reconcile to the templates' own rows to the cent and find the demo's planted truths, as with the demo's systems.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { DemoManifest } from "../../pipelines/demo-company/index.js";
import { DEMO_TEMPLATES_MANIFEST } from "../../pipelines/demo-company/export-templates.js";
import { TEMPLATE_TABLES } from "../../pipelines/extract/template-files.js";
import { queryRows, quoteLiteral, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { tempDir } from "../helpers/temp-dir.js";
import { REPO_ROOT } from "../support/paths.js";

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

function cli(args: string[]): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "pipelines", "cli.ts"), ...args],
      { cwd: REPO_ROOT, encoding: "utf8", timeout: 540_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
          stdout,
          stderr,
          seconds: (Date.now() - started) / 1000,
        }),
    );
  });
}

const cents = (amount: number) => amount.toFixed(2);

describe("a company whose only source is filled templates", () => {
  const dir = tempDir("warehouse-templates-company-");
  const templates = join(dir, "company-exports");
  const dataDir = join(dir, "data");
  const warehouse = join(dataDir, "warehouse.duckdb");
  const raw = join(dataDir, "raw.duckdb");
  let written: CliRun;
  let refreshed: CliRun;
  let manifest: DemoManifest;

  const published = <T>(sql: string) =>
    withDatabase(warehouse, (c) => queryRows<T>(c, sql), { readOnly: true }) as Promise<T[]>;

  beforeAll(async () => {
    written = await cli(["templates", "--dir", templates, "--from-demo"]);
    if (written.code !== 0) throw new Error(`templates --from-demo failed:\n${written.stderr}`);
    manifest = JSON.parse(readFileSync(join(templates, DEMO_TEMPLATES_MANIFEST), "utf8")) as DemoManifest;
    const config = join(dir, "company.yaml");
    writeFileSync(config, [`data_dir: ${dataDir}`, "sources:", "  templates:", `    dir: ${templates}`, ""].join("\n"));
    refreshed = await cli(["refresh", "--config", config, "--no-reports"]);
    process.stdout.write(
      `templates --from-demo: ${written.seconds.toFixed(1)} s; refresh --no-reports: ${refreshed.seconds.toFixed(1)} s\n`,
    );
  }, 600_000);

  it("writes every template filled with the demo company, each still documenting its columns", () => {
    const readme = readFileSync(join(templates, "README.md"), "utf8");
    expect(readme).toContain(`Filled with the demo company (seed 42, scale 1, with planted problems`);
    for (const { source, table, fileName } of TEMPLATE_TABLES) {
      const bytes = readFileSync(join(templates, fileName));
      const lines = bytes.toString("utf8").split("\n");
      expect(lines[0], fileName).toBe(table.columns.map((c) => c.name).join(","));
      expect(lines[1], fileName).toMatch(/^# example: /);
      expect(lines.length - 3, fileName).toBe(manifest.row_counts[table.name] ?? 0); // header, example, final newline
      expect(readme, fileName).toContain(`## ${fileName}`);
      for (const column of table.columns) expect(readme, `${fileName}: ${column.name}`).toContain(`| ${column.name} |`);
      // The rows are the generator's own text: the same bytes the demo's systems are loaded from.
      const header = bytes.subarray(0, bytes.indexOf(0x0a) + 1);
      const body = bytes.subarray(bytes.indexOf(0x0a, header.length) + 1);
      const sha = createHash("sha256")
        .update(source === "order_system" ? Buffer.concat([header, body]) : body)
        .digest("hex");
      // crm rows are re-serialised; the demo has no paths file (its journeys are touches)
      if (source !== "crm" && source !== "touch_paths") expect(sha, fileName).toBe(manifest.content_sha256[table.name]);
    }
  });

  it("the CLI refresh without reports exits 0: every template loaded whole, every model built and tested, published", async () => {
    expect(refreshed.code, refreshed.stderr + refreshed.stdout).toBe(0);
    expect(refreshed.stdout).not.toMatch(/demo company ready/); // the templates were the only source
    const tested = /(\d+) models built, (\d+) tests passed/.exec(refreshed.stdout);
    expect(Number(tested?.[1])).toBeGreaterThan(50);
    expect(Number(tested?.[2])).toBeGreaterThan(100);
    expect(refreshed.stdout).toContain(`published ${warehouse}`);
    expect(refreshed.stdout).not.toContain("▶ reports");
    await withDatabase(
      raw,
      async (c) => {
        const loads = await queryRows<{ stream: string; rows_loaded: number; rows_rejected: number; status: string }>(
          c,
          "select source || '.' || stream as stream, rows_loaded, rows_rejected, status from meta.loads order by 1",
        );
        expect(loads.map((l) => l.stream)).toEqual(TEMPLATE_TABLES.map((t) => `${t.source}.${t.table.name}`).sort());
        for (const load of loads) {
          expect(load.status, load.stream).toBe("succeeded");
          expect(load.rows_rejected, load.stream).toBe(0);
          expect(load.rows_loaded, load.stream).toBe(manifest.row_counts[load.stream.split(".")[1]!] ?? 0);
        }
        const steps = await queryRows<{ step: string; status: string }>(
          c,
          "select step, status from meta.run_steps order by started_at",
        );
        expect(steps).toEqual([
          { step: "extract", status: "succeeded" },
          { step: "models", status: "succeeded" },
          { step: "publish", status: "succeeded" },
        ]);
      },
      { readOnly: true },
    );
    const schemas = await published<{ schema_name: string }>(
      "select distinct schema_name from duckdb_tables() order by 1",
    );
    expect(schemas.map((s) => s.schema_name)).toEqual(expect.arrayContaining(["core", "marts", "ops", "staging"]));
  });

  it("publishes channel revenue that reconciles to the templates' order lines to the cent", async () => {
    // Revenue straight from the two template files: completed orders' line amounts, per channel.
    const fromFiles = await withDatabase(":memory:", (c) => {
      const read = (file: string) =>
        `read_csv(${quoteLiteral(join(templates, file))}, header = true, comment = '#', all_varchar = true)`;
      return queryRows<{ channel_id: string; revenue: string }>(
        c,
        `select o.channel_id, sum(cast(l.line_amount as decimal(18, 2)))::varchar as revenue
         from ${read("order_lines.csv")} as l join ${read("orders.csv")} as o using (order_id)
         where o.status = 'completed' group by all`,
      );
    });
    const inMarts = await published<{ channel_id: string; revenue: string }>(
      "select channel_id, sum(revenue)::varchar as revenue from marts.channel_revenue_monthly group by all",
    );
    const byChannel = (rows: Array<{ channel_id: string; revenue: string }>) =>
      Object.fromEntries(rows.map((r) => [r.channel_id, r.revenue]));
    expect(Object.keys(byChannel(fromFiles)).length).toBeGreaterThan(10);
    expect(byChannel(inMarts)).toEqual(byChannel(fromFiles));
    // ...and to the demo company's own control totals.
    expect(byChannel(inMarts)).toEqual(
      Object.fromEntries(Object.entries(manifest.control_totals.revenue.by_channel).map(([id, r]) => [id, cents(r)])),
    );
  });

  it("finds the demo's planted truths in the marts, exactly as with the demo's systems", async () => {
    const truths = manifest.planted_truths.truths;
    const negative = truths.negative_contribution_channel.expected as {
      channel_id: string;
      contribution: number;
      revenue: number;
    };
    expect(
      await published(
        `select channel_id, contribution::varchar as contribution, revenue::varchar as revenue
         from marts.channel_economics where is_negative_contribution`,
      ),
    ).toEqual([
      { channel_id: negative.channel_id, contribution: cents(negative.contribution), revenue: cents(negative.revenue) },
    ]);

    const cross = truths.cross_territory_sales.expected as {
      partner_id: string;
      channel_id: string;
      region_id: string;
      months: string[];
      lines_by_month: Record<string, number>;
    };
    expect(
      await published(
        `select partner_id, region_id, channel_id, strftime(month, '%Y-%m') as month, lines
         from marts.cross_territory_sales order by month`,
      ),
    ).toEqual(
      cross.months.map((month) => ({
        partner_id: cross.partner_id,
        region_id: cross.region_id,
        channel_id: cross.channel_id,
        month,
        lines: cross.lines_by_month[month],
      })),
    );

    const below = truths.below_price_floor.expected as {
      partner_id: string;
      sku: string;
      month: string;
      lines: number;
    };
    expect(
      await published(
        `select partner_id, sku, strftime(month, '%Y-%m') as month, lines from marts.below_floor_price_sales`,
      ),
    ).toEqual([{ partner_id: below.partner_id, sku: below.sku, month: below.month, lines: below.lines }]);

    const blind = truths.demand_without_outlet.expected as { region_id: string; customers: number; leads: number };
    expect(
      await published(
        `select region_id, customers, leads_last_12_months as leads from marts.region_coverage where is_blind_spot`,
      ),
    ).toEqual([{ region_id: blind.region_id, customers: blind.customers, leads: blind.leads }]);
  });
});
