import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../pipelines/config/config.js";
import { extract, runContext } from "../../pipelines/run/refresh.js";
import { TEMPLATE_TABLES, writeTemplates } from "../../pipelines/sources/templates.js";
import { queryRows, withDatabase } from "../../pipelines/warehouse/duckdb.js";
import { REPO_ROOT } from "../support/shared-once.js";
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
    const ctx = runContext(REPO_ROOT, config, () => undefined, "run-t1");
    const outcome = await extract(ctx);
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
