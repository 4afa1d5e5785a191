// A seasonal business must not be called behind its goals every autumn. A hand-written company sells 100 a month
// through October 2024, then 500 in November (Double 11) and 300 in December: by 31 October 2024 it had reached
// 1,000 of the year's 1,800 (5/9). In 2025 it sells 110 a month through October (100 in its shop, 10 in a new live
// room), and the data ends on 31 October 2025. Against a 2025 revenue goal of 2,000 a straight line (304 of 365 days)
// would expect 1,665.75 and call the company at 66% of pace; last year's curve expects 2,000 × 5/9 = 1,111.11, so it
// is at 99%.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawFixture, RawRow } from "../../transform/helpers/raw-database.js";
import { buildFixture, type BuiltFixture } from "../helpers/build-fixture.js";

const channel = (channel_id: string, channel_type: string, launched_on: string): RawRow => ({
  channel_id,
  channel_name: channel_id,
  channel_type,
  is_online: true,
  platform_fee_rate: 0,
  commission_rate: 0,
  monthly_management_cost: "0.00",
  launched_on,
});

const target = (
  target_id: string,
  scope_type: string,
  scope_id: string | null,
  start: string,
  end: string,
  value: number,
): RawRow => ({
  target_id,
  metric: "revenue",
  scope_type,
  scope_id,
  period_start: start,
  period_end: end,
  target_value: value,
});

/** One order of one line, on the given day, for `amount`. */
function sale(n: number, day: string, channel_id: string, amount: number): { order: RawRow; line: RawRow } {
  return {
    order: {
      order_id: `O-${n}`,
      ordered_at: `${day} 12:00:00`,
      channel_id,
      partner_id: null,
      customer_id: "C-1",
      ship_to_region_id: "R-1",
      status: "completed",
      currency: "CNY",
    },
    line: {
      order_line_id: `L-${n}`,
      order_id: `O-${n}`,
      product_id: "P-1",
      quantity: 1,
      unit_price: amount,
      discount_amount: "0.00",
      line_amount: amount.toFixed(2),
    },
  };
}

function seasonalCompany(): RawFixture {
  const sales: Array<{ order: RawRow; line: RawRow }> = [];
  let n = 0;
  for (let month = 1; month <= 12; month++) {
    const amount = month === 11 ? 500 : month === 12 ? 300 : 100;
    sales.push(sale(++n, `2024-${String(month).padStart(2, "0")}-01`, "SHOP", amount));
  }
  for (let month = 1; month <= 10; month++)
    sales.push(sale(++n, `2025-${String(month).padStart(2, "0")}-01`, "SHOP", 100));
  // the new live room, opened in 2025: 10 a month, and the last sale of the data, on 31 October
  for (let month = 1; month <= 9; month++)
    sales.push(sale(++n, `2025-${String(month).padStart(2, "0")}-01`, "LIVE", 10));
  sales.push(sale(++n, "2025-10-31", "LIVE", 10));
  return {
    "order_system.regions": [
      { region_id: "R-1", region_name: "East", region_name_zh: "华东", area: "East", population_millions: 1 },
    ],
    "order_system.channels": [
      channel("SHOP", "direct_key_account", "2024-01-01"),
      channel("LIVE", "live_streaming", "2025-01-01"),
    ],
    "order_system.products": [
      {
        product_id: "P-1",
        sku: "P-1",
        product_name: "Tea",
        category: "tea",
        unit_cost: "1.00",
        launched_on: "2024-01-01",
      },
    ],
    "order_system.orders": sales.map((s) => s.order),
    "order_system.order_lines": sales.map((s) => s.line),
    "order_system.targets": [
      // the company's 2025 revenue: 1,000 (shop) + 100 (live) = 1,100 by 31 October
      target("TG-YEAR", "company", null, "2025-01-01", "2025-12-31", 2000),
      // the live room did not sell a year earlier: the company's curve (5/9) sets its pace
      target("TG-LIVE", "channel", "LIVE", "2025-01-01", "2025-12-31", 200),
      // Q4 2025: a year earlier October was 100 of the quarter's 900 (1/9)
      target("TG-Q4", "company", null, "2025-10-01", "2025-12-31", 900),
      // 2024 itself: the data does not reach back a year before it, and it is complete
      target("TG-2024", "company", null, "2024-01-01", "2024-12-31", 1800),
    ],
    "crm.customers": [
      {
        customer_id: "C-1",
        customer_type: "consumer",
        name: "Li Na",
        region_id: "R-1",
        created_at: "2023-12-01 09:00:00",
      },
    ],
  };
}

let built: BuiltFixture;
beforeAll(async () => {
  built = await buildFixture("seasonal-pace", seasonalCompany());
}, 300_000);
afterAll(() => built?.remove());

describe("the pace of a running revenue goal (marts.goal_attainment)", () => {
  it("follows last year's seasonal curve, the scope's own or else the company's, and says which", async () => {
    const rows = await built.query<Record<string, unknown>>(
      `select target_id, pace_basis, round(elapsed_share, 6) as elapsed_share, round(expected_share, 6) as expected_share,
              actual_value, round(expected_to_date, 2) as expected_to_date, round(pace_attainment, 4) as pace_attainment,
              is_on_track
       from marts.goal_attainment order by target_id`,
    );
    expect(rows).toEqual([
      // complete: held to the whole target (1,800 of 1,800)
      {
        target_id: "TG-2024",
        pace_basis: "period_complete",
        elapsed_share: 1,
        expected_share: 1,
        actual_value: 1800,
        expected_to_date: 1800,
        pace_attainment: 1,
        is_on_track: true,
      },
      // 10 × 10 = 100 of 200 with the company's 5/9 due: 111.11 expected, 90% of pace
      {
        target_id: "TG-LIVE",
        pace_basis: "seasonal_company",
        elapsed_share: 0.832877,
        expected_share: 0.555556,
        actual_value: 100,
        expected_to_date: 111.11,
        pace_attainment: 0.9,
        is_on_track: false,
      },
      // October 2025: 100 + 10 = 110 of 900 with 1/9 due: 100 expected, 110% - on track; a straight line (31 of 92
      // days) would expect 303.26 and say 36%
      {
        target_id: "TG-Q4",
        pace_basis: "seasonal_scope",
        elapsed_share: 0.336957,
        expected_share: 0.111111,
        actual_value: 110,
        expected_to_date: 100,
        pace_attainment: 1.1,
        is_on_track: true,
      },
      // 1,100 of 2,000 with 5/9 due: 1,111.11 expected, 99% (a straight line would say 66%)
      {
        target_id: "TG-YEAR",
        pace_basis: "seasonal_scope",
        elapsed_share: 0.832877,
        expected_share: 0.555556,
        actual_value: 1100,
        expected_to_date: 1111.11,
        pace_attainment: 0.99,
        is_on_track: false,
      },
    ]);
  });
});

describe("the executive brief's headline KPIs and movers on the seasonal company", () => {
  it("shows the year to date beside a year earlier, with the revenue goal's seasonal pace", async () => {
    const rows = await built.query<Record<string, unknown>>(
      `select kpi_id, unit, value, prior_value, round(change, 6) as change, target_value,
              round(expected_to_date, 2) as expected_to_date, round(pace_attainment, 4) as pace_attainment,
              is_on_track, pace_basis
       from reporting.brief_kpis where kpi_id in ('revenue', 'gross_margin', 'orders') order by kpi_order`,
    );
    expect(rows).toEqual([
      // 1 Jan - 31 Oct 2025: 1,000 (shop) + 100 (live) = 1,100; a year earlier 10 × 100 = 1,000: +10%. The year's goal
      // (TG-YEAR, not the quarter's) with its seasonal pace
      {
        kpi_id: "revenue",
        unit: "money",
        value: 1100,
        prior_value: 1000,
        change: 0.1,
        target_value: 2000,
        expected_to_date: 1111.11,
        pace_attainment: 0.99,
        is_on_track: false,
        pace_basis: "seasonal_scope",
      },
      // unit cost 1.00 per line: 20 lines (1,100 - 20 = 1,080) against 10 (1,000 - 10 = 990)
      {
        kpi_id: "gross_margin",
        unit: "money",
        value: 1080,
        prior_value: 990,
        change: 0.090909,
        target_value: null,
        expected_to_date: null,
        pace_attainment: null,
        is_on_track: null,
        pace_basis: null,
      },
      {
        kpi_id: "orders",
        unit: "count",
        value: 20,
        prior_value: 10,
        change: 1,
        target_value: null,
        expected_to_date: null,
        pace_attainment: null,
        is_on_track: null,
        pace_basis: null,
      },
    ]);
  });

  it("names the channel that moved: the new live room up 100, the shop unchanged and so no mover", async () => {
    const movers = await built.query<Record<string, unknown>>(
      "select direction, mover_rank, channel_id, revenue, revenue_prior, change_amount, change_share from reporting.brief_movers",
    );
    expect(movers).toEqual([
      {
        direction: "up",
        mover_rank: 1,
        channel_id: "LIVE",
        revenue: 100,
        revenue_prior: 0,
        change_amount: 100,
        change_share: null,
      },
    ]);
  });
});
