import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../pipelines/shared/config.js";
import { extract, runContext } from "../../pipelines/orchestrate/refresh.js";
import { DEFAULT_TEMPLATES_DIR, TEMPLATE_TABLES, writeTemplates } from "../../pipelines/extract/template-files.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { REPO_ROOT } from "../support/paths.js";
import { tempDir } from "../helpers/temp-dir.js";

describe("canonical CSV templates", () => {
  const dir = tempDir();
  const templates = join(dir, "templates");

  it("writes one template per contract table with a header and a commented example row, and refuses to overwrite", () => {
    const written = writeTemplates(templates);
    expect(written).toHaveLength(TEMPLATE_TABLES.length + 1);
    const customers = readFileSync(join(templates, "customers.csv"), "utf8").split("\n");
    expect(customers[0]).toBe(
      "customer_id,customer_type,name,email,phone,address,region_id,industry,age_band,acquisition_channel_id,referred_by_customer_id,created_at,updated_at",
    );
    expect(customers[1]).toMatch(/^# example: CUSTOMER-001,consumer,/);
    expect(readFileSync(join(templates, "README.md"), "utf8")).toContain("## order_lines.csv");
    expect(() => writeTemplates(templates)).toThrow(/already exists/);
  });

  it("a folder of filled templates is a source: rows land in the same raw tables, the example row never does", async () => {
    const header = readFileSync(join(templates, "customers.csv"), "utf8");
    writeFileSync(
      join(templates, "customers.csv"),
      header +
        "C1,consumer,王芳,wang@example.cn,13900000001,,CN-SH,,25-34,,,2025-03-01T08:00:00Z,2025-03-01T08:00:00Z\n" +
        "\n" + // a blank line: skipped, and line numbers stay right
        "C2,robot,李雷,li@example.cn,13900000002,,CN-BJ,,,,,2025-03-02T08:00:00Z,2025-03-02T08:00:00Z\n" +
        "C3,business,某某公司,,,,CN-GD,retail,,,,2025-03-03T08:00:00Z,2025-03-03T08:00:00Z\n",
    );
    const config = configSchema.parse({ data_dir: join(dir, "data"), sources: { templates: { dir: templates } } });
    const logged: string[] = [];
    const ctx = runContext(REPO_ROOT, config, (line) => logged.push(line), "run-t1");
    const outcome = await extract(ctx);
    // The run's output sums rejections up by reason, with where to look.
    expect(logged).toContainEqual(
      expect.stringMatching(/^ {4}crm\.customers: 1 × customer_type: not one of .* \(at customers\.csv line 5\)$/),
    );
    expect(outcome.failedStreams).toEqual([]);
    expect(outcome.loads.map((l) => `${l.source}.${l.stream}`)).toContain("crm.customers");
    await withDatabase(ctx.paths.rawDatabase, async (c) => {
      const rows = await queryRows<{ customer_id: string }>(c, "select customer_id from crm.customers order by 1");
      expect(rows.map((r) => r.customer_id)).toEqual(["C1", "C3"]);
      const rejects = await queryRows<{ location: string; reason: string }>(
        c,
        "select location, reason from meta.quarantine",
      );
      expect(rejects).toEqual([
        { location: "customers.csv line 5", reason: expect.stringMatching(/^customer_type: not one of/) },
      ]);
      const [orders] = await queryRows<{ n: number }>(c, "select count(*) as n from order_system.orders");
      expect(orders?.n).toBe(0); // an unfilled template loads nothing (its example row is a comment)
    });
  });

  it("templates and the order system or CRM cannot both be configured", () => {
    const parsed = configSchema.safeParse({
      sources: { templates: { dir: "x" }, crm: { base_url: "http://127.0.0.1:1" } },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/either templates or those sources/);
  });
});

/** Splits one CSV line into values (quoted values allowed). */
function csvValues(line: string): string[] {
  const values: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted && ch === '"' && line[i + 1] === '"') {
      current += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      values.push(current);
      current = "";
    } else current += ch;
  }
  values.push(current);
  return values;
}

describe("every template documents its columns", () => {
  const dir = tempDir();
  const templates = join(dir, "templates");
  let readme = "";
  beforeAll(() => {
    writeTemplates(templates);
    readme = readFileSync(join(templates, "README.md"), "utf8");
  });

  it.each(TEMPLATE_TABLES.map((t) => [t.fileName, t] as const))(
    "%s: the contract's columns as header, one example value per column, a README section listing each",
    (fileName, { table }) => {
      const lines = readFileSync(join(templates, fileName), "utf8").split("\n");
      expect(lines).toHaveLength(3); // header, example, final newline
      expect(lines[0]!.split(",")).toEqual(table.columns.map((c) => c.name));
      expect(lines[1]).toMatch(/^# example: /);
      expect(csvValues(lines[1]!.replace(/^# example: /, ""))).toHaveLength(table.columns.length);
      const section = readme.split(`## ${fileName}\n`)[1]?.split("\n## ")[0] ?? "";
      expect(section).toContain(table.description);
      expect(section).toContain(`Key: ${table.primaryKey.join(" + ")}`);
      for (const column of table.columns) {
        expect(section).toMatch(new RegExp(`^\\| ${column.name} \\| ${column.type} \\| (yes|no) \\|`, "m"));
      }
    },
  );

  it("the example rows are valid: filled in as data, every one loads and none is quarantined", async () => {
    const filled = join(dir, "examples-as-data");
    mkdirSync(filled);
    for (const { fileName } of TEMPLATE_TABLES) {
      const [header, example] = readFileSync(join(templates, fileName), "utf8").split("\n");
      writeFileSync(join(filled, fileName), `${header}\n${example!.replace(/^# example: /, "")}\n`);
    }
    const config = configSchema.parse({ data_dir: join(dir, "data"), sources: { templates: { dir: filled } } });
    const ctx = runContext(REPO_ROOT, config, () => undefined, "run-examples");
    const outcome = await extract(ctx);
    expect(outcome.failedStreams).toEqual([]);
    expect(outcome.loads.map((l) => [`${l.source}.${l.stream}`, l.loaded, l.rejected])).toEqual(
      TEMPLATE_TABLES.map((t) => [`${t.source}.${t.table.name}`, 1, 0]),
    );
  });
});

/** The TypeScript loader by its path: the CLI runs from folders outside the project. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", tsxLoader, join(REPO_ROOT, "pipelines", "cli.ts"), ...args],
      { cwd, encoding: "utf8", timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe("`npm run templates` from the command line", () => {
  const dir = tempDir();

  it("with no arguments writes the templates into templates/ in the current directory, and says where", async () => {
    const run = await cli(["templates"], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(DEFAULT_TEMPLATES_DIR).toBe("templates");
    const folder = join(dir, "templates");
    for (const { fileName } of TEMPLATE_TABLES) expect(existsSync(join(folder, fileName)), fileName).toBe(true);
    expect(existsSync(join(folder, "README.md"))).toBe(true);
    expect(run.stdout).toContain(`wrote ${TEMPLATE_TABLES.length + 1} files to ${folder}:`);
    expect(run.stdout).toContain(`sources: { templates: { dir: ${folder} } }`);
  });

  it("run again, it refuses to overwrite (exit 1, one clear message) unless --force", async () => {
    const again = await cli(["templates"], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists: templates are never overwritten \(use --force/);
    expect((await cli(["templates", "--force"], dir)).code).toBe(0);
  });

  it("demo-company options without --from-demo are refused", async () => {
    const run = await cli(["templates", "--dir", "other", "--seed", "7"], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/use them with --from-demo/);
    expect(existsSync(join(dir, "other"))).toBe(false);
  });
});
