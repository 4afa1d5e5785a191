// The executive brief (reporting.executive_brief) against the demo company's manifest: on the planted company it
// lists exactly the five planted findings, each with the planted entity and the figure its evidence mart holds, and
// the risks of the risk register they put above threshold; on the clean company nothing needs action. The demo
// warehouses are built once per run (test/support/global-setup.ts).
import { beforeAll, describe, expect, it } from "vitest";
import type { DemoManifest } from "../../../pipelines/demo-company/index.js";
import { queryRows, withDatabase } from "../../../pipelines/shared/warehouse/duckdb.js";
import { demoWarehouse, readManifest } from "../../support/demo-warehouse.js";

interface BriefRow {
  finding: string;
  title_zh: string;
  items: number;
  amount: string | null;
  detail: string | null;
  detail_en: string | null;
  link: string | null;
  needs_action: boolean;
}

async function brief(variant: "planted" | "clean"): Promise<{ rows: BriefRow[]; manifest: DemoManifest }> {
  const warehouse = await demoWarehouse(variant);
  const rows = await withDatabase(
    warehouse.warehousePath,
    (c) =>
      queryRows<BriefRow>(
        c,
        `select finding, title_zh, items::integer as items, amount::varchar as amount, detail_zh as detail, detail_en, link,
           needs_action
         from reporting.executive_brief order by finding_order`,
      ),
    { readOnly: true },
  );
  return { rows, manifest: readManifest(warehouse) };
}

const byFinding = (rows: BriefRow[]) => Object.fromEntries(rows.map((row) => [row.finding, row]));

describe("the executive brief of the planted company", () => {
  let rows: BriefRow[];
  let truths: Record<string, { expected: Record<string, unknown> }>;
  beforeAll(async () => {
    const planted = await brief("planted");
    rows = planted.rows;
    truths = planted.manifest.planted_truths.truths as unknown as typeof truths;
  });

  it("lists exactly the five planted findings and the risks above threshold, in the front page's order, and no stale source", () => {
    expect(rows.map((row) => row.finding)).toEqual([
      "loss_making_channels",
      "cross_territory_selling",
      "below_floor_price",
      "blind_spots",
      "key_customers_gone_quiet",
      "risks_above_threshold",
      "stale_sources",
    ]);
    expect(rows.filter((row) => row.needs_action).map((row) => row.finding)).toEqual([
      "loss_making_channels",
      "cross_territory_selling",
      "below_floor_price",
      "blind_spots",
      "key_customers_gone_quiet",
      "risks_above_threshold",
    ]);
  });

  it("names the planted channel, partners and region, with the planted figures", () => {
    const found = byFinding(rows);
    const channel = truths["negative_contribution_channel"]!.expected as { channel_name: string; contribution: number };
    // named in each language: the English site by the channel's name, the Chinese one by its Chinese name
    expect(found["loss_making_channels"]).toMatchObject({ items: 1, detail_en: channel.channel_name });
    expect(found["loss_making_channels"]!.detail).toMatch(/\p{Script=Han}/u);
    expect(Number(found["loss_making_channels"]!.amount)).toBeCloseTo(channel.contribution, 2);

    const cross = truths["cross_territory_sales"]!.expected as { partner_name: string };
    expect(found["cross_territory_selling"]!.items).toBe(1);
    expect(found["cross_territory_selling"]!.detail).toContain(cross.partner_name);

    const below = truths["below_price_floor"]!.expected as { partner_name: string };
    expect(found["below_floor_price"]).toMatchObject({ items: 1, detail: below.partner_name });

    const region = truths["demand_without_outlet"]!.expected as { region_name_zh: string };
    expect(found["blind_spots"]).toMatchObject({ items: 1, detail: region.region_name_zh, link: "/channels/coverage" });

    const quiet = truths["high_value_customers_gone_quiet"]!.expected as { count: number };
    expect(found["key_customers_gone_quiet"]).toMatchObject({ items: quiet.count, link: "/customers/churn" });

    // the five risks the plants cause (see test/marts/channel/risk-register.test.ts), most severe first
    expect(found["risks_above_threshold"]).toMatchObject({
      items: 5,
      title_zh: "风险高于阈值",
      link: "/channels/risks",
    });
    expect(found["risks_above_threshold"]!.detail!.split("、").sort()).toEqual(
      ["合作伙伴选择不当", "渠道冲突加剧", "投入产出比失衡", "重点客户流失", "市场覆盖盲区"].sort(),
    );
  });

  it("carries the money figures of the evidence marts, to the cent", async () => {
    const warehouse = await demoWarehouse("planted");
    const [marts] = await withDatabase(
      warehouse.warehousePath,
      (c) =>
        queryRows<{ cross: string; below: string; quiet: string; risks: string; risk_names: string }>(
          c,
          `select
             (select round(sum(amount), 2)::decimal(18, 2)::varchar from marts.cross_territory_sales) as cross,
             (select round(sum(shortfall_amount), 2)::decimal(18, 2)::varchar from marts.below_floor_price_sales) as below,
             (select round(sum(revenue_reference_window), 2)::decimal(18, 2)::varchar
                from marts.customer_churn where is_key_customer_gone_quiet) as quiet,
             (select round(sum(money_at_stake), 2)::decimal(18, 2)::varchar
                from marts.risk_register where is_above_threshold) as risks,
             (select string_agg(name_zh, '、' order by severity_rank)
                from marts.risk_register where is_above_threshold) as risk_names`,
        ),
      { readOnly: true },
    );
    const found = byFinding(rows);
    expect(found["cross_territory_selling"]!.amount).toBe(marts!.cross);
    expect(found["below_floor_price"]!.amount).toBe(marts!.below);
    expect(found["key_customers_gone_quiet"]!.amount).toBe(marts!.quiet);
    expect(found["risks_above_threshold"]!.amount).toBe(marts!.risks);
    expect(found["risks_above_threshold"]!.detail).toBe(marts!.risk_names);
  });
});

describe("the executive brief of the clean company", () => {
  it("has nothing that needs action", async () => {
    const { rows } = await brief("clean");
    expect(rows).toHaveLength(7);
    expect(rows.filter((row) => row.needs_action)).toEqual([]);
    expect(rows.every((row) => row.items === 0)).toBe(true);
  });
});
