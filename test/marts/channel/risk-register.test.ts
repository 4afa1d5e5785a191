// The risk register (marts.risk_register, 风险评估与应对预案) against the demo company's manifest: on the planted company
// the risks the plants cause are above their threshold and rank first, each naming the planted channel, partners,
// region and figures; on the clean company no risk is above its threshold; and a threshold or response set in the
// config file reaches the register through the build (ops.risk_settings). The demo warehouses are built once per run
// (test/support/global-setup.ts); the config case builds the models once more from the planted company's raw data.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoManifest } from "../../../pipelines/demo-company/index.js";
import { loadConfig } from "../../../pipelines/shared/config.js";
import { RISK_DEFAULTS, RISK_IDS, resolveRiskSettings } from "../../../pipelines/shared/risk-settings.js";
import { queryRows, withDatabase } from "../../../pipelines/shared/warehouse/duckdb.js";
import { buildWarehouse } from "../../../pipelines/transform/build-warehouse.js";
import { demoWarehouse, readManifest } from "../../support/demo-warehouse.js";
import { REPO_ROOT } from "../../support/paths.js";

interface RiskRow {
  risk_id: string;
  name_zh: string;
  value_unit: string;
  current_value: number;
  previous_value: number | null;
  trend: string | null;
  threshold: number;
  is_above_threshold: boolean;
  items: number;
  detail: string | null;
  money_at_stake: string;
  likelihood: number;
  impact: number;
  severity: number;
  severity_rank: number;
  evidence_link: string;
  response_zh: string;
  response_en: string;
}

const REGISTER_SQL = `
  select risk_id, name_zh, value_unit, current_value, previous_value, trend, threshold, is_above_threshold,
         items::integer as items, detail, money_at_stake::varchar as money_at_stake, likelihood::integer as likelihood,
         impact::integer as impact, severity::integer as severity, severity_rank::integer as severity_rank,
         evidence_link, response_zh, response_en
  from marts.risk_register order by severity_rank`;

/** The risks the demo company's plants cause: a loss-making channel, 窜货 and 乱价 partners, quiet key customers, a blind spot. */
const PLANTED_RISKS = [
  "partner_choice",
  "channel_conflict",
  "input_output_imbalance",
  "key_customer_churn",
  "coverage_gap",
];

function query<T>(warehousePath: string, sql: string): Promise<T[]> {
  return withDatabase(warehousePath, (c) => queryRows<T>(c, sql), { readOnly: true });
}

const byId = (rows: RiskRow[]) => Object.fromEntries(rows.map((row) => [row.risk_id, row]));

describe("the risk register of the planted company", () => {
  let warehousePath: string;
  let rows: RiskRow[];
  let truths: DemoManifest["planted_truths"]["truths"];
  beforeAll(async () => {
    const warehouse = await demoWarehouse("planted");
    warehousePath = warehouse.warehousePath;
    rows = await query<RiskRow>(warehousePath, REGISTER_SQL);
    truths = readManifest(warehouse).planted_truths.truths;
  });

  it("has every risk once, ranked 1 to n, severity = likelihood x impact", () => {
    expect(rows.map((row) => row.risk_id).sort()).toEqual([...RISK_IDS].sort());
    expect(rows.map((row) => row.severity_rank)).toEqual(rows.map((_, i) => i + 1));
    for (const row of rows) {
      expect(row.severity, row.risk_id).toBe(row.likelihood * row.impact);
      expect(row.likelihood).toBeGreaterThanOrEqual(1);
      expect(row.impact).toBeLessThanOrEqual(5);
    }
  });

  it("puts the planted problems above their threshold and first; market acceptance stays under it", () => {
    const above = rows.filter((row) => row.is_above_threshold);
    expect(above.map((row) => row.risk_id).sort()).toEqual([...PLANTED_RISKS].sort());
    expect(above.map((row) => row.severity_rank)).toEqual([1, 2, 3, 4, 5]);
    const acceptance = byId(rows)["market_acceptance"]!;
    expect(acceptance).toMatchObject({ is_above_threshold: false, current_value: 0, severity_rank: 6, likelihood: 1 });
    // every planted risk is new, flat or rising - none is receding - so each scores a likelihood of 4 or 5
    for (const row of above) expect(row.likelihood, row.risk_id).toBeGreaterThanOrEqual(4);
  });

  it("finds the loss-making channel with its loss of the last 12 months", async () => {
    const channel = truths.negative_contribution_channel.expected as { channel_id: string; channel_name: string };
    const risk = byId(rows)["input_output_imbalance"]!;
    expect(risk).toMatchObject({ items: 1, detail: channel.channel_name, evidence_link: "/channels/profitability" });
    const [loss] = await query<{ loss: string }>(
      warehousePath,
      `select (-round(sum(monthly.contribution), 2))::decimal(18, 2)::varchar as loss
       from marts.channel_performance_monthly as monthly
       join intermediate.int_calendar_months as calendar using (month)
       where calendar.is_last_12_months and monthly.channel_id = '${channel.channel_id}'`,
    );
    expect(risk.money_at_stake).toBe(loss!.loss);
    // the channel lost money in the 12 months before too, but its share of the channel costs grew: rising
    expect(risk.previous_value).toBeGreaterThan(0);
    expect(risk.trend).toBe("up");
  });

  it("counts the planted cross-territory and below-floor lines and names both partners", () => {
    const cross = truths.cross_territory_sales.expected as { partner_name: string; lines: number };
    const below = truths.below_price_floor.expected as { partner_name: string; lines: number };
    const risk = byId(rows)["channel_conflict"]!;
    expect(risk.items).toBe(cross.lines + below.lines);
    expect(risk.detail).toContain(cross.partner_name);
    expect(risk.detail).toContain(below.partner_name);
    expect(risk).toMatchObject({ previous_value: 0, trend: "up", likelihood: 5, evidence_link: "/channels/conflict" });
    expect(risk.current_value).toBeGreaterThan(0);
    expect(risk.current_value).toBeLessThan(0.01);
  });

  it("flags exactly the two planted partners, with their sell-in of the last 12 months at stake", async () => {
    const cross = truths.cross_territory_sales.expected as { partner_id: string; partner_name: string };
    const below = truths.below_price_floor.expected as { partner_id: string; partner_name: string };
    const risk = byId(rows)["partner_choice"]!;
    expect(risk.items).toBe(2);
    expect(risk.detail?.split("、").sort()).toEqual([cross.partner_name, below.partner_name].sort());
    const [sellIn] = await query<{ amount: string; share: number }>(
      warehousePath,
      `select sum(sell_in_revenue_last_12_months) filter (where partner_id in ('${cross.partner_id}', '${below.partner_id}'))
                ::decimal(18, 2)::varchar as amount,
              sum(sell_in_revenue_last_12_months) filter (where partner_id in ('${cross.partner_id}', '${below.partner_id}'))
                / sum(sell_in_revenue_last_12_months) as share
       from marts.partner_scorecard`,
    );
    expect(risk.money_at_stake).toBe(sellIn!.amount);
    expect(risk.current_value).toBeCloseTo(sellIn!.share, 10);
  });

  it("counts the planted quiet key customers and names the planted blind spot", () => {
    const quiet = truths.high_value_customers_gone_quiet.expected as { count: number };
    const region = truths.demand_without_outlet.expected as { region_name_zh: string };
    const found = byId(rows);
    expect(found["key_customer_churn"]).toMatchObject({ items: quiet.count, evidence_link: "/customers/churn" });
    expect(found["key_customer_churn"]!.current_value).toBeGreaterThan(0.05);
    expect(found["coverage_gap"]).toMatchObject({
      items: 1,
      current_value: 1,
      detail: region.region_name_zh,
      evidence_link: "/channels/coverage",
    });
  });

  it("carries the default thresholds and responses when the config says nothing", async () => {
    for (const row of rows) {
      const defaults = RISK_DEFAULTS[row.risk_id as keyof typeof RISK_DEFAULTS];
      expect(row.threshold, row.risk_id).toBe(defaults.threshold);
      expect(row.response_zh).toBe(defaults.response_zh);
      expect(row.response_en).toBe(defaults.response_en);
    }
    const [attribution] = await query<Record<string, number>>(
      warehousePath,
      "select half_life_days, lookback_days, markov_order from ops.attribution_settings",
    );
    expect(attribution).toEqual({ half_life_days: 7, lookback_days: 90, markov_order: 1 });
  });
});

describe("the risk register of the clean company", () => {
  it("has no risk above its threshold and no sign of any", async () => {
    const rows = await query<RiskRow>((await demoWarehouse("clean")).warehousePath, REGISTER_SQL);
    expect(rows).toHaveLength(RISK_IDS.length);
    expect(rows.filter((row) => row.is_above_threshold)).toEqual([]);
    expect(rows.map((row) => [row.risk_id, row.current_value, row.likelihood])).toEqual(
      rows.map((row) => [row.risk_id, 0, 1]),
    );
  });
});

describe("thresholds and responses from the config file", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "risk-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("change what is above threshold, the ranking and the brief", async () => {
    const configPath = path.join(dir, "company.yaml");
    writeFileSync(
      configPath,
      [
        "risks:",
        "  channel_conflict:",
        "    threshold: 0.01 # tolerate up to 1% of the lines",
        "    response_en: Call the partner's account manager the same day.",
        "  key_customer_churn: { threshold: 0.2 }",
      ].join("\n"),
    );
    const config = loadConfig(configPath);
    const buildPath = path.join(dir, "warehouse.duckdb");
    await buildWarehouse({
      projectRoot: REPO_ROOT,
      rawPath: (await demoWarehouse("planted")).rawPath,
      buildPath,
      runId: "risk-config-test",
      riskSettings: resolveRiskSettings(config.risks),
    });
    const rows = await query<RiskRow>(buildPath, REGISTER_SQL);
    const found = byId(rows);
    expect(found["channel_conflict"]).toMatchObject({
      threshold: 0.01,
      is_above_threshold: false,
      response_en: "Call the partner's account manager the same day.",
      response_zh: RISK_DEFAULTS.channel_conflict.response_zh,
    });
    expect(found["channel_conflict"]!.items).toBeGreaterThan(0); // still measured, only tolerated
    expect(found["key_customer_churn"]).toMatchObject({ threshold: 0.2, is_above_threshold: false });
    const above = rows.filter((row) => row.is_above_threshold).map((row) => row.risk_id);
    expect(above.sort()).toEqual(["coverage_gap", "input_output_imbalance", "partner_choice"]);
    expect(rows.filter((row) => row.is_above_threshold).map((row) => row.severity_rank)).toEqual([1, 2, 3]);
    const [brief] = await query<{ items: number }>(
      buildPath,
      "select items::integer as items from reporting.executive_brief where finding = 'risks_above_threshold'",
    );
    expect(brief!.items).toBe(3);
  }, 600_000);
});
