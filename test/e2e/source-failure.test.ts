import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { freePort } from "../helpers/postgres-server.js";
import { tempDir } from "../helpers/temp-dir.js";
import { REPO_ROOT } from "../support/paths.js";

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "pipelines", "cli.ts"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
}

describe("a failing source does not stop the others", () => {
  const dir = tempDir();

  it("the order system down: partner files still load, the run exits non-zero, the password never shows", async () => {
    const drops = join(dir, "drops");
    mkdirSync(drops);
    writeFileSync(
      join(drops, "p1.csv"),
      "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id\nP1,S1,2026-01-05,SKU-1,2,10.00,20.00,CN-SH,\n",
    );
    const config = join(dir, "company.yaml");
    writeFileSync(
      config,
      [
        `data_dir: ${join(dir, "data")}`,
        "sources:",
        "  order_system: {}",
        `  partner_files: { drop_dir: ${drops} }`,
      ].join("\n"),
    );
    const password = "Very-Secret-Pw-0042";
    const port = await freePort();
    const run = cli(["extract", "--config", config], {
      ORDER_SYSTEM_URL: `postgres://reader:${password}@127.0.0.1:${port}/erp`,
    });
    expect(run.status).toBe(1);
    const output = `${run.stdout}\n${run.stderr}`;
    expect(output).not.toContain(password);
    expect(output).toMatch(
      /order_system\.orders: Order system \(postgres:\/\/reader:\*\*\*@127\.0\.0\.1:\d+\/erp\) could not be reached/,
    );
    expect(output).toMatch(/partner_files\.sell_through: 1 read, 1 loaded, 0 quarantined/);

    await withDatabase(join(dir, "data", "raw.duckdb"), async (c) => {
      const loads = await queryRows<{ source: string; status: string; error: string | null }>(
        c,
        "select source, status, error from meta.loads",
      );
      expect(loads.filter((l) => l.source === "order_system").every((l) => l.status === "failed")).toBe(true);
      expect(loads.find((l) => l.source === "partner_files")?.status).toBe("succeeded");
      expect(loads.some((l) => l.error?.includes(password))).toBe(false);
    });
  });

  it("a missing secret or a broken config is one clear message and exit code 1", () => {
    const config = join(dir, "bad.yaml");
    writeFileSync(config, "sources:\n  crm: { base_url: not-a-url }\n");
    const bad = cli(["extract", "--config", config]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/Config file .*bad\.yaml is invalid:\n\s+sources\.crm\.base_url/);

    const noSecret = join(dir, "nosecret.yaml");
    writeFileSync(noSecret, `data_dir: ${join(dir, "data2")}\nsources:\n  crm: { base_url: "http://127.0.0.1:9" }\n`);
    const env = { ...process.env };
    delete env["CRM_API_TOKEN"];
    const missing = spawnSync(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "pipelines", "cli.ts"), "extract", "--config", noSecret],
      {
        cwd: REPO_ROOT,
        env,
        encoding: "utf8",
      },
    );
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/needs the environment variable CRM_API_TOKEN; set it and run again/);
  });
});
