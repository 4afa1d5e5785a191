// Given rows -> expected rows: the channel marts built by the real models over the hand-written channel company
// (helpers/channel-company.ts), compared with numbers worked out by hand in the comments.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFixture, type BuiltFixture } from "../helpers/build-fixture.js";
import { channelCompany, PERSONAL_VALUES } from "./helpers/channel-company.js";

let built: BuiltFixture;
const query = <T = Record<string, unknown>>(sql: string) => built.query<T>(sql);

beforeAll(async () => {
  built = await buildFixture("channel-marts", channelCompany());
});

afterAll(() => built?.remove());

describe("contribution margin (marts.channel_economics)", () => {
  it("runs the profitability waterfall of every channel to the cent", async () => {
    const rows = await query(
      `select channel_id, revenue::varchar as revenue, cost_of_goods::varchar as cost_of_goods,
              gross_margin::varchar as gross_margin, rebates::varchar as rebates, platform_fees::varchar as platform_fees,
              commissions::varchar as commissions, marketing_spend::varchar as marketing_spend,
              management_cost::varchar as management_cost, contribution::varchar as contribution,
              round(contribution_margin, 6) as contribution_margin, months_charged, is_negative_contribution,
              contribution_rank
       from marts.channel_economics order by channel_id`,
    );
    expect(rows).toEqual([
      // revenue 1200 + 750 + 1800 + 600 = 4350; COGS (20 + 30 + 10) x 40 + 50 x 10 = 2900; margin 1450
      // rebates: P-1 Jan 2024 1200 >= 1000 -> 24.00, Jan 2025 1800 -> 36.00 (Feb 2024 750 and P-2's 600 are below)
      // commissions 4350 x 0.03 = 130.50; management 50.00 x 14 months = 700.00
      // contribution 1450 - 60 - 130.50 - 700 = 559.50; margin 559.50 / 4350 = 0.128621
      {
        channel_id: "CH-DIST",
        revenue: "4350.00",
        cost_of_goods: "2900.00",
        gross_margin: "1450.00",
        rebates: "60.00",
        platform_fees: "0.00",
        commissions: "130.50",
        marketing_spend: "0.00",
        management_cost: "700.00",
        contribution: "559.50",
        contribution_margin: 0.128621,
        months_charged: 14,
        is_negative_contribution: false,
        contribution_rank: 1,
      },
      // revenue 100 + 200 + 300 + 200 + 300 = 1100 (O-10 is cancelled); COGS 8 x 40 + 15 x 10 = 470; margin 630
      // fees 1100 x 0.05 = 55; marketing 30 + 40 = 70; management 10.00 x 14 (launched 15 Jan 2024: January counts)
      // contribution 630 - 55 - 70 - 140 = 365; margin 365 / 1100 = 0.331818
      {
        channel_id: "CH-ECOM",
        revenue: "1100.00",
        cost_of_goods: "470.00",
        gross_margin: "630.00",
        rebates: "0.00",
        platform_fees: "55.00",
        commissions: "0.00",
        marketing_spend: "70.00",
        management_cost: "140.00",
        contribution: "365.00",
        contribution_margin: 0.331818,
        months_charged: 14,
        is_negative_contribution: false,
        contribution_rank: 2,
      },
      // revenue 90 + 191 = 281; COGS 3 x 40 = 120; margin 161; fees 281 x 0.0525 = 14.7525 (shown 14.75);
      // commissions 281 x 0.20 = 56.20; marketing 200 + 10 = 210; management 25.00 x 2 = 50
      // contribution 161 - 14.7525 - 56.20 - 210 - 50 = -169.9525 -> -169.95 (rounded once); margin -0.604813
      {
        channel_id: "CH-LIVE",
        revenue: "281.00",
        cost_of_goods: "120.00",
        gross_margin: "161.00",
        rebates: "0.00",
        platform_fees: "14.75",
        commissions: "56.20",
        marketing_spend: "210.00",
        management_cost: "50.00",
        contribution: "-169.95",
        contribution_margin: -0.604813,
        months_charged: 2,
        is_negative_contribution: true,
        contribution_rank: 3,
      },
    ]);
  });

  it("earns rebates per partner-month once the month reaches the threshold", async () => {
    const rows = await query(
      `select partner_id, strftime(month, '%Y-%m') as month, sell_in_revenue::varchar as sell_in_revenue,
              rebate_amount::varchar as rebate_amount, is_threshold_reached
       from intermediate.int_partner_months_rebated order by partner_id, month`,
    );
    expect(rows).toEqual([
      {
        partner_id: "P-1",
        month: "2024-01",
        sell_in_revenue: "1200.00",
        rebate_amount: "24.00",
        is_threshold_reached: true,
      },
      {
        partner_id: "P-1",
        month: "2024-02",
        sell_in_revenue: "750.00",
        rebate_amount: "0.00",
        is_threshold_reached: false,
      },
      {
        partner_id: "P-1",
        month: "2025-01",
        sell_in_revenue: "1800.00",
        rebate_amount: "36.00",
        is_threshold_reached: true,
      },
      {
        partner_id: "P-2",
        month: "2025-01",
        sell_in_revenue: "600.00",
        rebate_amount: "0.00",
        is_threshold_reached: false,
      },
    ]);
  });
});

describe("marts.channel_performance_monthly", () => {
  it("allocates management cost to regions by revenue in whole cents, largest remainder first", async () => {
    const rows = await query(
      `select channel_id, region_id, strftime(month, '%Y-%m') as month, revenue::varchar as revenue,
              management_cost::varchar as management_cost, rebates::varchar as rebates,
              platform_fees::varchar as platform_fees, contribution::varchar as contribution, is_unallocated
       from marts.channel_performance_monthly
       where (channel_id = 'CH-ECOM' and month = '2024-01-01')
          or (channel_id = 'CH-DIST' and month in ('2025-01-01', '2025-02-01'))
          or (channel_id = 'CH-LIVE')
       order by channel_id, month, region_id`,
    );
    expect(rows).toEqual([
      // January 2025: R-E 1800 and R-S 600 share 50.00 as 37.50 / 12.50; P-1's 36.00 rebate follows its R-E sell-in
      // R-E: 1800 - 30 x 40 - 36 - 1800 x 0.03 - 37.50 = 472.50; R-S: 600 - 400 - 18 - 12.50 = 169.50
      {
        channel_id: "CH-DIST",
        region_id: "R-E",
        month: "2025-01",
        revenue: "1800.00",
        management_cost: "37.50",
        rebates: "36.00",
        platform_fees: "0.00000000",
        contribution: "472.50000000",
        is_unallocated: false,
      },
      {
        channel_id: "CH-DIST",
        region_id: "R-S",
        month: "2025-01",
        revenue: "600.00",
        management_cost: "12.50",
        rebates: "0.00",
        platform_fees: "0.00000000",
        contribution: "169.50000000",
        is_unallocated: false,
      },
      // February 2025: no CH-DIST sales, so its 50.00 stays unallocated (region null)
      {
        channel_id: "CH-DIST",
        region_id: null,
        month: "2025-02",
        revenue: "0.00",
        management_cost: "50.00",
        rebates: "0.00",
        platform_fees: "0.00000000",
        contribution: "-50.00000000",
        is_unallocated: true,
      },
      // January 2024: 10.00 over R-E 100 / R-S 200 = 3.333.. / 6.666..: floors 3.33 + 6.66 leave one cent, which goes
      // to the larger remainder (R-S). R-E: 100 - 40 - 5.00 fee - 30.00 marketing - 3.33 = 21.67
      {
        channel_id: "CH-ECOM",
        region_id: "R-E",
        month: "2024-01",
        revenue: "100.00",
        management_cost: "3.33",
        rebates: "0.00",
        platform_fees: "5.00000000",
        contribution: "21.67000000",
        is_unallocated: false,
      },
      // R-S: 200 - 80 - 10.00 - 6.67 = 103.33
      {
        channel_id: "CH-ECOM",
        region_id: "R-S",
        month: "2024-01",
        revenue: "200.00",
        management_cost: "6.67",
        rebates: "0.00",
        platform_fees: "10.00000000",
        contribution: "103.33000000",
        is_unallocated: false,
      },
      // fees are kept exact: 90 x 0.0525 = 4.725; 90 - 40 - 4.725 - 18 commission - 200 marketing - 25 = -197.725
      {
        channel_id: "CH-LIVE",
        region_id: "R-N",
        month: "2025-01",
        revenue: "90.00",
        management_cost: "25.00",
        rebates: "0.00",
        platform_fees: "4.72500000",
        contribution: "-197.72500000",
        is_unallocated: false,
      },
      // 191 x 0.0525 = 10.0275; 191 - 80 - 10.0275 - 38.20 - 25 = 37.7725
      {
        channel_id: "CH-LIVE",
        region_id: "R-N",
        month: "2025-02",
        revenue: "191.00",
        management_cost: "25.00",
        rebates: "0.00",
        platform_fees: "10.02750000",
        contribution: "37.77250000",
        is_unallocated: false,
      },
      // marketing where nothing sold is a cell of its own: -10.00
      {
        channel_id: "CH-LIVE",
        region_id: "R-S",
        month: "2025-02",
        revenue: "0.00",
        management_cost: "0.00",
        rebates: "0.00",
        platform_fees: "0.00000000",
        contribution: "-10.00000000",
        is_unallocated: false,
      },
    ]);
  });

  it("grows cells month on month and year on year against the same channel and region", async () => {
    const rows = await query(
      `select strftime(month, '%Y-%m') as month, revenue_previous_month, revenue_mom_growth,
              revenue_same_month_last_year, revenue_yoy_growth, round(sales_share, 6) as sales_share
       from marts.channel_performance_monthly
       where channel_id = 'CH-ECOM' and region_id = 'R-E' order by month`,
    );
    expect(rows).toEqual([
      // first month of the history: nothing to compare with; 100 of the company's 1500
      {
        month: "2024-01",
        revenue_previous_month: null,
        revenue_mom_growth: null,
        revenue_same_month_last_year: null,
        revenue_yoy_growth: null,
        sales_share: 0.066667,
      },
      // 300 / 100 - 1 = 2; 300 of 1050
      {
        month: "2024-02",
        revenue_previous_month: 100,
        revenue_mom_growth: 2,
        revenue_same_month_last_year: null,
        revenue_yoy_growth: null,
        sales_share: 0.285714,
      },
      // December 2024 sold nothing: growth unknown, not infinite; a year earlier 100 -> 200 / 100 - 1 = 1; 200 of 2690
      {
        month: "2025-01",
        revenue_previous_month: 0,
        revenue_mom_growth: null,
        revenue_same_month_last_year: 100,
        revenue_yoy_growth: 1,
        sales_share: 0.074349,
      },
      // 300 / 200 - 1 = 0.5; 300 / 300 - 1 = 0; 300 of 491
      {
        month: "2025-02",
        revenue_previous_month: 200,
        revenue_mom_growth: 0.5,
        revenue_same_month_last_year: 300,
        revenue_yoy_growth: 0,
        sales_share: 0.610998,
      },
    ]);
  });
});

describe("MoM / YoY growth per scope (marts.channel_summary_monthly)", () => {
  it("grows the company and each channel against the previous month and the same month a year earlier", async () => {
    const rows = await query<Record<string, unknown>>(
      `select scope_type, scope_id, strftime(month, '%Y-%m') as month, revenue::varchar as revenue,
              round(revenue_mom_growth, 6) as mom, round(revenue_yoy_growth, 6) as yoy
       from marts.channel_summary_monthly
       where scope_type in ('company', 'channel')
         and month in ('2024-01-01', '2024-02-01', '2025-01-01', '2025-02-01')
       order by scope_type, scope_id, month`,
    );
    const row = (scope: string, month: string) => rows.find((r) => r["scope_id"] === scope && r["month"] === month);
    // company: Jan 2024 1200 + 300 = 1500; Feb 1050 -> 1050 / 1500 - 1 = -0.3
    expect(row("all", "2024-02")).toMatchObject({ revenue: "1050.00", mom: -0.3, yoy: null });
    // Jan 2025: 2400 + 200 + 90 = 2690 after an empty December (no MoM); 2690 / 1500 - 1 = 0.793333
    expect(row("all", "2025-01")).toMatchObject({ revenue: "2690.00", mom: null, yoy: 0.793333 });
    // Feb 2025: 300 + 191 = 491 -> 491 / 2690 - 1 = -0.817472; 491 / 1050 - 1 = -0.532381
    expect(row("all", "2025-02")).toMatchObject({ revenue: "491.00", mom: -0.817472, yoy: -0.532381 });
    // CH-ECOM: 300, 300, (empty months), 200, 300
    expect(row("CH-ECOM", "2024-02")).toMatchObject({ revenue: "300.00", mom: 0, yoy: null });
    expect(row("CH-ECOM", "2025-01")).toMatchObject({ revenue: "200.00", mom: null, yoy: -0.333333 });
    expect(row("CH-ECOM", "2025-02")).toMatchObject({ revenue: "300.00", mom: 0.5, yoy: 0 });
    // CH-LIVE launched in January 2025: its first month has no history; February 191 / 90 - 1 = 1.122222
    expect(row("CH-LIVE", "2025-01")).toMatchObject({ revenue: "90.00", mom: null, yoy: null });
    expect(row("CH-LIVE", "2025-02")).toMatchObject({ revenue: "191.00", mom: 1.122222, yoy: null });
    // the distributors sold nothing in February 2025: -100%
    expect(row("CH-DIST", "2025-02")).toMatchObject({ revenue: "0.00", mom: -1, yoy: -1 });
  });
});

describe("goal attainment (marts.goal_attainment)", () => {
  it("measures each channel goal over its period, pro rata while it runs", async () => {
    const rows = await query(
      `select target_id, period_status, actual_value, round(expected_to_date, 6) as expected_to_date,
              round(attainment, 6) as attainment, round(pace_attainment, 6) as pace_attainment,
              round(elapsed_share, 6) as elapsed_share, is_on_track, is_met,
              strftime(measured_through, '%Y-%m-%d') as measured_through
       from marts.goal_attainment order by target_id`,
    );
    expect(rows).toEqual([
      // 2024 revenue: 1500 + 1050 = 2550 of 3000 -> 0.85, complete and missed
      {
        target_id: "TG-1",
        period_status: "complete",
        actual_value: 2550,
        expected_to_date: 3000,
        attainment: 0.85,
        pace_attainment: 0.85,
        elapsed_share: 1,
        is_on_track: false,
        is_met: false,
        measured_through: "2024-12-31",
      },
      // 2025 revenue to 20 Feb: 2690 + 491 = 3181; 51 of 365 days -> expected 36500 x 51 / 365 = 5100
      // attainment 3181 / 36500 = 0.087151; pace 3181 / 5100 = 0.623725
      {
        target_id: "TG-2",
        period_status: "in_progress",
        actual_value: 3181,
        expected_to_date: 5100,
        attainment: 0.087151,
        pace_attainment: 0.623725,
        elapsed_share: 0.139726,
        is_on_track: false,
        is_met: null,
        measured_through: "2025-02-20",
      },
      // CH-LIVE Q1 2025: 281 after 51 of 90 days -> expected 300 x 51 / 90 = 170; on track
      {
        target_id: "TG-3",
        period_status: "in_progress",
        actual_value: 281,
        expected_to_date: 170,
        attainment: 0.936667,
        pace_attainment: 1.652941,
        elapsed_share: 0.566667,
        is_on_track: true,
        is_met: null,
        measured_through: "2025-02-20",
      },
      // distributor outlets H1 2025: P-2 (signed June 2024, first sell-in 5 Jan 2025) = 1 of 2;
      // 51 of 181 days -> expected 2 x 51 / 181 = 0.563536
      {
        target_id: "TG-4",
        period_status: "in_progress",
        actual_value: 1,
        expected_to_date: 0.563536,
        attainment: 0.5,
        pace_attainment: 1.77451,
        elapsed_share: 0.281768,
        is_on_track: true,
        is_met: null,
        measured_through: "2025-02-20",
      },
      // coverage on 20 Feb 2025: R-E (P-1) and R-S (P-2) of 3 regions = 0.666667; a ratio goal is held to the target
      {
        target_id: "TG-5",
        period_status: "in_progress",
        actual_value: 2 / 3,
        expected_to_date: 1,
        attainment: 0.666667,
        pace_attainment: 0.666667,
        elapsed_share: 0.139726,
        is_on_track: false,
        is_met: null,
        measured_through: "2025-02-20",
      },
      // online share 2024: CH-ECOM 600 of 2550 = 0.235294 >= 0.2: met
      {
        target_id: "TG-6",
        period_status: "complete",
        actual_value: 600 / 2550,
        expected_to_date: 0.2,
        attainment: 1.176471,
        pace_attainment: 1.176471,
        elapsed_share: 1,
        is_on_track: true,
        is_met: true,
        measured_through: "2024-12-31",
      },
      // TG-7 is a CRM goal (satisfaction): not here. TG-8 starts in 2026: nothing measured yet
      {
        target_id: "TG-8",
        period_status: "not_started",
        actual_value: null,
        expected_to_date: null,
        attainment: null,
        pace_attainment: null,
        elapsed_share: 0,
        is_on_track: null,
        is_met: null,
        measured_through: null,
      },
    ]);
  });
});

describe("coverage, conflict and partner marts on the channel company", () => {
  it("finds the blind spot: R-N has a customer, leads and online orders but no partner", async () => {
    expect(
      await query(
        `select region_id, authorised_partner_ids, customers, leads_last_12_months, online_orders_last_12_months,
                is_covered, is_blind_spot
         from marts.region_coverage order by region_id`,
      ),
    ).toEqual([
      // C-1 lives in R-E; O-8 and O-11 are inside the last 12 months (March 2024 - February 2025), O-2 and O-4 not
      {
        region_id: "R-E",
        authorised_partner_ids: "P-1",
        customers: 1,
        leads_last_12_months: 0,
        online_orders_last_12_months: 2,
        is_covered: true,
        is_blind_spot: false,
      },
      // C-3 lives here, LD-1 and LD-3 were created here, O-9 and O-12 shipped here: demand without an outlet
      {
        region_id: "R-N",
        authorised_partner_ids: null,
        customers: 1,
        leads_last_12_months: 2,
        online_orders_last_12_months: 2,
        is_covered: false,
        is_blind_spot: true,
      },
      {
        region_id: "R-S",
        authorised_partner_ids: "P-2",
        customers: 1,
        leads_last_12_months: 0,
        online_orders_last_12_months: 0,
        is_covered: true,
        is_blind_spot: false,
      },
    ]);
  });

  it("finds the cross-territory sale and the sale below the floor, with their evidence", async () => {
    expect(
      await query(
        `select partner_id, region_id, strftime(month, '%Y-%m') as month, lines, amount::varchar as amount
         from marts.cross_territory_sales`,
      ),
    ).toEqual([{ partner_id: "P-1", region_id: "R-S", month: "2025-01", lines: 1, amount: "170.00" }]);
    expect(
      await query(
        `select sell_through_id, sale_id, sku, region_id, authorised_region_ids, amount::varchar as amount
         from (select *, sale_amount as amount from marts.cross_territory_sales_lines)`,
      ),
    ).toEqual([
      {
        sell_through_id: "P-1:S2",
        sale_id: "S2",
        sku: "SKU-A",
        region_id: "R-S",
        authorised_region_ids: "R-E",
        amount: "170.00",
      },
    ]);
    // 3 x 75 against a floor of 80: 240 at the floor, 15.00 short, 6.25% below
    expect(
      await query(
        `select sale_source, partner_id, product_id, strftime(month, '%Y-%m') as month, lines,
                amount_at_floor::varchar as amount_at_floor, shortfall_amount::varchar as shortfall_amount,
                average_share_below_floor
         from marts.below_floor_price_sales`,
      ),
    ).toEqual([
      {
        sale_source: "sell_through",
        partner_id: "P-2",
        product_id: "PR-A",
        month: "2025-01",
        lines: 1,
        amount_at_floor: "240.00",
        shortfall_amount: "15.00",
        average_share_below_floor: 0.0625,
      },
    ]);
  });

  it("sees C-1 buy from a partner's shop and the web store in the same quarter", async () => {
    // Q1 2024: O-2 100 + O-4 300 online, S1 450 at P-1's shop
    expect(
      await query(
        `select customer_id, strftime(quarter, '%Y-%m-%d') as quarter, channel_ids, purchases,
                amount::varchar as amount, has_partner_and_company_channels
         from marts.multi_channel_customers`,
      ),
    ).toEqual([
      {
        customer_id: "C-1",
        quarter: "2024-01-01",
        channel_ids: "CH-DIST, CH-ECOM",
        purchases: 3,
        amount: "850.00",
        has_partner_and_company_channels: true,
      },
    ]);
  });

  it("counts P-2 as a new effective outlet in the month of its first sell-in", async () => {
    expect(
      await query(
        `select channel_id, strftime(month, '%Y-%m') as month, new_partner_ids, new_effective_outlets,
                new_outlet_shops, active_outlets
         from marts.new_outlets_monthly where new_effective_outlets > 0`,
      ),
    ).toEqual([
      {
        channel_id: "CH-DIST",
        month: "2025-01",
        new_partner_ids: "P-2",
        new_effective_outlets: 1,
        new_outlet_shops: 4,
        active_outlets: 2,
      },
    ]);
  });

  it("scores and ranks the partners", async () => {
    const rows = await query(
      `select partner_id, sell_in_revenue_last_12_months::varchar as sell_in, rebates_last_12_months::varchar as rebates,
              sell_through_to_sell_in_units_last_6_months as through_to_in, conflict_incidents,
              is_input_output_imbalanced, is_concentration_risk, risk_flags, risk_rank
       from marts.partner_scorecard order by partner_id`,
    );
    expect(rows).toEqual([
      // last 12 months (Mar 2024 - Feb 2025): O-6 1800, rebate 36; resold 2 of 30 units in 6 months (< 0.75);
      // all P-1's sell-in a year earlier (1950) was higher, and its resales fell (450 -> 170); 75% of the channel's
      // sell-in (1800 / 2400); one cross-territory finding: all four flags
      {
        partner_id: "P-1",
        sell_in: "1800.00",
        rebates: "36.00",
        through_to_in: 2 / 30,
        conflict_incidents: 1,
        is_input_output_imbalanced: true,
        is_concentration_risk: true,
        risk_flags: 4,
        risk_rank: 1,
      },
      // 600 sell-in, 3 of 10 units resold, below-floor finding; 25% of the channel
      {
        partner_id: "P-2",
        sell_in: "600.00",
        rebates: "0.00",
        through_to_in: 0.3,
        conflict_incidents: 1,
        is_input_output_imbalanced: true,
        is_concentration_risk: false,
        risk_flags: 2,
        risk_rank: 2,
      },
    ]);
  });

  it("compares the channels' funnels side by side", async () => {
    const rows = await query(
      `select channel_id, visits, leads, new_customers, traffic_cost_per_visit, customer_acquisition_cost,
              repeat_rate, average_order_value
       from marts.emerging_channel_comparison where channel_id <> 'CH-DIST' order by channel_id`,
    );
    expect(rows).toEqual([
      // 700 visits for 70.00 = 0.10 a visit; LD-2; C-2 is the one customer created in the history who first bought
      // here (C-1 is older): CAC 70 / 1; C-1 bought 4 times, C-2 once: repeat 1 / 2; AOV 1100 / 5 orders
      {
        channel_id: "CH-ECOM",
        visits: 700,
        leads: 1,
        new_customers: 1,
        traffic_cost_per_visit: 0.1,
        customer_acquisition_cost: 70,
        repeat_rate: 0.5,
        average_order_value: 220,
      },
      // 1050 visits for 210.00; LD-1 and LD-3; C-3 first bought here: CAC 210; C-3 came back; AOV 281 / 2
      {
        channel_id: "CH-LIVE",
        visits: 1050,
        leads: 2,
        new_customers: 1,
        traffic_cost_per_visit: 0.2,
        customer_acquisition_cost: 210,
        repeat_rate: 1,
        average_order_value: 140.5,
      },
    ]);
  });

  it("matches segments to channel types", async () => {
    expect(
      await query(
        `select segment_value, channel_type, customers, purchases, revenue::varchar as revenue, average_order_value,
                repeat_rate, retention_rate
         from marts.segment_channel_fit where segment_type = 'customer_type' order by segment_value, channel_type`,
      ),
    ).toEqual([
      // C-2: one completed order of 200
      {
        segment_value: "business",
        channel_type: "ecommerce_platform",
        customers: 1,
        purchases: 1,
        revenue: "200.00",
        average_order_value: 200,
        repeat_rate: 0,
        retention_rate: 0,
      },
      // C-1's registered purchase at P-1 (450), January 2024: bought in the prior 12 months, not in the last 12
      {
        segment_value: "consumer",
        channel_type: "distributor",
        customers: 1,
        purchases: 1,
        revenue: "450.00",
        average_order_value: 450,
        repeat_rate: 0,
        retention_rate: 0,
      },
      // C-1 online: 100 + 300 + 200 + 300 = 900 over 4 orders, in both 12-month windows
      {
        segment_value: "consumer",
        channel_type: "ecommerce_platform",
        customers: 1,
        purchases: 4,
        revenue: "900.00",
        average_order_value: 225,
        repeat_rate: 1,
        retention_rate: 1,
      },
      // C-3 (joined January 2025): nobody to retain yet
      {
        segment_value: "consumer",
        channel_type: "live_streaming",
        customers: 1,
        purchases: 2,
        revenue: "281.00",
        average_order_value: 140.5,
        repeat_rate: 1,
        retention_rate: null,
      },
    ]);
  });

  it("carries no personal data in any channel mart", async () => {
    const tables = await query<{ table_name: string }>(
      `select distinct table_name from information_schema.columns where table_schema = 'marts' order by 1`,
    );
    expect(tables.length).toBeGreaterThan(15);
    for (const { table_name } of tables) {
      const [row] = await query<{ text: string | null }>(
        `select string_agg(t::varchar, '|') as text from marts.${table_name} as t`,
      );
      for (const value of PERSONAL_VALUES) expect(row?.text ?? "", `marts.${table_name}`).not.toContain(value);
    }
  });
});

describe("the glossary", () => {
  it("defines every metric once, in English and Chinese, pointing at a column of a mart", async () => {
    const rows = await query<{ metric_id: string; name_zh: string; mart: string }>(
      `select metric_id, name_zh, mart from marts.metric_glossary`,
    );
    expect(rows.length).toBeGreaterThan(50);
    expect(new Set(rows.map((r) => r.metric_id)).size).toBe(rows.length);
    expect(rows.find((r) => r.metric_id === "contribution")).toMatchObject({
      name_zh: "渠道贡献",
      mart: "channel_performance_monthly",
    });
    expect(rows.find((r) => r.metric_id === "is_blind_spot")).toMatchObject({ name_zh: "覆盖盲区" });
  });
});
