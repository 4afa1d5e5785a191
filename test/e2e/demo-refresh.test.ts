import { describe, expect, it } from "vitest";
import { crmTables } from "../../pipelines/shared/contracts/crm.js";
import { orderSystemTables } from "../../pipelines/shared/contracts/order-system.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { demoWarehouse, readManifest } from "../support/demo-warehouse.js";

describe("the demo company through the whole pipeline", () => {
  it("lands every generated row in raw, with each load reconciled and logged", async () => {
    const demo = await demoWarehouse("planted");
    const manifest = readManifest(demo);
    await withDatabase(
      demo.rawPath,
      async (c) => {
        const tables = [
          ...orderSystemTables.map((t) => ["order_system", t.name] as const),
          ...crmTables.map((t) => ["crm", t.name] as const),
          ["partner_files", "sell_through"] as const,
        ];
        for (const [source, table] of tables) {
          const [row] = await queryRows<{ n: number }>(c, `select count(*) as n from ${source}.${table}`);
          expect(row?.n, `${source}.${table}`).toBe(manifest.row_counts[table]);
        }
        const loads = await queryRows<{
          stream: string;
          rows_read: number;
          rows_loaded: number;
          rows_rejected: number;
          status: string;
        }>(c, "select stream, rows_read, rows_loaded, rows_rejected, status from meta.loads where run_id = $1", [
          demo.runId,
        ]);
        expect(loads).toHaveLength(tables.length);
        for (const load of loads) {
          expect(load.status, load.stream).toBe("succeeded");
          expect(load.rows_read, load.stream).toBe(load.rows_loaded + load.rows_rejected);
        }
        const [run] = await queryRows<{ status: string }>(c, "select status from meta.runs where run_id = $1", [
          demo.runId,
        ]);
        expect(run?.status).toBe("succeeded");
        const steps = await queryRows<{ step: string }>(
          c,
          "select step from meta.run_steps where run_id = $1 order by started_at",
          [demo.runId],
        );
        expect(steps.map((s) => s.step)).toEqual(["extract", "models", "publish"]);
      },
      { readOnly: true },
    );
  });

  it("publishes marts whose channel revenue reconciles to the generated orders to the cent", async () => {
    const demo = await demoWarehouse("planted");
    const { control_totals: totals } = readManifest(demo);
    await withDatabase(
      demo.warehousePath,
      async (c) => {
        const schemas = await queryRows<{ schema_name: string }>(
          c,
          "select distinct schema_name from duckdb_tables() order by 1",
        );
        expect(schemas.map((s) => s.schema_name)).toEqual(expect.arrayContaining(["core", "marts", "ops", "staging"]));
        const [total] = await queryRows<{ revenue: string }>(
          c,
          "select sum(revenue)::varchar as revenue from marts.channel_revenue_monthly",
        );
        expect(Number(total?.revenue)).toBeCloseTo(totals.revenue.total, 2);
        const byChannel = await queryRows<{ channel_id: string; revenue: string }>(
          c,
          "select channel_id, sum(revenue)::varchar as revenue from marts.channel_revenue_monthly group by all",
        );
        expect(Object.fromEntries(byChannel.map((r) => [r.channel_id, Number(r.revenue)]))).toEqual(
          totals.revenue.by_channel,
        );
        const [status] = await queryRows<{ run_id: string; as_of_date: Date }>(
          c,
          "select * from marts.warehouse_status",
        );
        expect(status?.run_id).toBe(demo.runId);
      },
      { readOnly: true },
    );
  });
});
