/**
 * A hand-written company for the channel marts, small enough to work every number out by hand and long enough
 * (January 2024 to February 2025, 14 months) for month-on-month and year-on-year growth. The expected values the
 * tests assert are worked out in the comments next to the rows that produce them and in channel-marts.test.ts.
 *
 * As-of date: 2025-02-20 (the latest order, O-12). History: 2024-01 .. 2025-02 = 14 months.
 *
 *   channel   type                 online  fee     commission  management / month  launched    months charged
 *   CH-DIST   distributor          no      0       0.03        50.00               2020-01-01  14
 *   CH-ECOM   ecommerce_platform   yes     0.05    0           10.00               2024-01-15  14 (launch month counts)
 *   CH-LIVE   live_streaming       yes     0.0525  0.20        25.00               2025-01-01  2
 *
 * Products: PR-A unit cost 40.00 (list 100, partner 60, floor 80); PR-B unit cost 10.00 (list 20, partner 15, floor 16).
 */
import type { RawFixture } from "../../../transform/helpers/raw-database.js";

/** Personal values in the raw CRM rows that no mart may carry. */
export const PERSONAL_VALUES = ["Chen Jing", "chen.jing@example.com", "+86 137 0000 0007", "12 Nanjing Rd"];

/** A fresh copy of the channel company's raw rows. */
export function channelCompany(): RawFixture {
  return {
    "order_system.regions": [
      { region_id: "R-E", region_name: "East", region_name_zh: "华东", area: "East", population_millions: 100 },
      { region_id: "R-S", region_name: "South", region_name_zh: "华南", area: "South", population_millions: 80 },
      // nobody is authorised here, yet C-3 lives here and buys online: a blind spot
      { region_id: "R-N", region_name: "North", region_name_zh: "华北", area: "North", population_millions: 60 },
    ],
    "order_system.channels": [
      {
        channel_id: "CH-DIST",
        channel_name: "Distributors",
        channel_type: "distributor",
        is_online: false,
        platform_fee_rate: 0,
        commission_rate: 0.03,
        monthly_management_cost: "50.00",
        launched_on: "2020-01-01",
      },
      {
        channel_id: "CH-ECOM",
        channel_name: "Web Store",
        channel_type: "ecommerce_platform",
        is_online: true,
        platform_fee_rate: 0.05,
        commission_rate: 0,
        monthly_management_cost: "10.00",
        launched_on: "2024-01-15",
      },
      {
        channel_id: "CH-LIVE",
        channel_name: "Live Room",
        channel_type: "live_streaming",
        is_online: true,
        platform_fee_rate: 0.0525,
        commission_rate: 0.2,
        monthly_management_cost: "25.00",
        launched_on: "2025-01-01",
      },
    ],
    "order_system.partners": [
      {
        partner_id: "P-1",
        partner_name: "East Trading",
        channel_id: "CH-DIST",
        home_region_id: "R-E",
        tier: "core",
        outlet_count: 10,
        signed_on: "2023-01-01",
        terminated_on: null,
      },
      // signed inside the history, first sell-in 2025-01-05: a new effective outlet of January 2025
      {
        partner_id: "P-2",
        partner_name: "South Supply",
        channel_id: "CH-DIST",
        home_region_id: "R-S",
        tier: "standard",
        outlet_count: 4,
        signed_on: "2024-06-10",
        terminated_on: null,
      },
    ],
    "order_system.partner_territories": [
      { partner_id: "P-1", region_id: "R-E", valid_from: "2023-01-01", valid_to: null },
      { partner_id: "P-2", region_id: "R-S", valid_from: "2024-06-10", valid_to: null },
    ],
    "order_system.products": [
      {
        product_id: "PR-A",
        sku: "SKU-A",
        product_name: "Purifier",
        category: "purifier",
        unit_cost: "40.00",
        launched_on: "2020-01-01",
      },
      {
        product_id: "PR-B",
        sku: "SKU-B",
        product_name: "Filter",
        category: "filter",
        unit_cost: "10.00",
        launched_on: "2020-01-01",
      },
    ],
    "order_system.price_list": [
      {
        product_id: "PR-A",
        valid_from: "2023-01-01",
        valid_to: null,
        list_price: "100.00",
        partner_price: "60.00",
        floor_price: "80.00",
      },
      {
        product_id: "PR-B",
        valid_from: "2023-01-01",
        valid_to: null,
        list_price: "20.00",
        partner_price: "15.00",
        floor_price: "16.00",
      },
    ],
    // partners earn 2% of a month's sell-in once it reaches 1000.00
    "order_system.rebate_policies": [
      {
        policy_id: "RB-1",
        channel_id: "CH-DIST",
        monthly_threshold: "1000.00",
        rebate_rate: 0.02,
        valid_from: "2023-01-01",
        valid_to: null,
      },
    ],
    "order_system.orders": [
      order("O-1", "2024-01-10 09:00:00", "CH-DIST", "P-1", null, "R-E"),
      order("O-2", "2024-01-20 10:00:00", "CH-ECOM", null, "C-1", "R-E"),
      order("O-3", "2024-01-25 11:00:00", "CH-ECOM", null, "C-2", "R-S"),
      order("O-4", "2024-02-10 12:00:00", "CH-ECOM", null, "C-1", "R-E"),
      order("O-5", "2024-02-15 13:00:00", "CH-DIST", "P-1", null, "R-E"),
      order("O-6", "2025-01-08 09:00:00", "CH-DIST", "P-1", null, "R-E"),
      order("O-7", "2025-01-05 09:00:00", "CH-DIST", "P-2", null, "R-S"),
      order("O-8", "2025-01-12 10:00:00", "CH-ECOM", null, "C-1", "R-E"),
      order("O-9", "2025-01-20 20:00:00", "CH-LIVE", null, "C-3", "R-N"),
      order("O-10", "2025-01-22 10:00:00", "CH-ECOM", null, "C-2", "R-S", "cancelled"),
      order("O-11", "2025-02-03 10:00:00", "CH-ECOM", null, "C-1", "R-E"),
      order("O-12", "2025-02-20 21:00:00", "CH-LIVE", null, "C-3", "R-N"),
    ],
    "order_system.order_lines": [
      // CH-DIST sell-in. P-1 January 2024: 1200.00 >= 1000 -> rebate 24.00
      line("L-1", "O-1", "PR-A", 20, "60.00", "1200.00"),
      // P-1 February 2024: 750.00 < 1000 -> no rebate
      line("L-5", "O-5", "PR-B", 50, "15.00", "750.00"),
      // P-1 January 2025: 1800.00 -> rebate 36.00; P-2 January 2025: 600.00 -> none
      line("L-6", "O-6", "PR-A", 30, "60.00", "1800.00"),
      line("L-7", "O-7", "PR-A", 10, "60.00", "600.00"),
      // CH-ECOM: January 2024 R-E 100.00 and R-S 200.00; February 2024 300.00; January 2025 200.00; February 2025 300.00
      line("L-2", "O-2", "PR-A", 1, "100.00", "100.00"),
      line("L-3", "O-3", "PR-A", 2, "100.00", "200.00"),
      line("L-4", "O-4", "PR-A", 3, "100.00", "300.00"),
      line("L-8", "O-8", "PR-A", 2, "100.00", "200.00"),
      line("L-10", "O-10", "PR-A", 5, "100.00", "500.00"),
      line("L-11", "O-11", "PR-B", 15, "20.00", "300.00"),
      // CH-LIVE: January 2025 90.00, February 2025 2 x 95.50 = 191.00
      line("L-9", "O-9", "PR-A", 1, "90.00", "90.00"),
      line("L-12", "O-12", "PR-A", 2, "95.50", "191.00"),
    ],
    "order_system.returns": [
      {
        return_id: "RT-1",
        order_line_id: "L-12",
        returned_at: "2025-02-21 09:00:00",
        quantity: 1,
        refund_amount: "95.50",
        reason: "changed_mind",
      },
    ],
    "order_system.marketing_spend": [
      spend("MS-1", "CH-ECOM", "R-E", "2024-01-01", "30.00", 300),
      spend("MS-2", "CH-ECOM", "R-E", "2025-01-01", "40.00", 400),
      spend("MS-3", "CH-LIVE", "R-N", "2025-01-01", "200.00", 1000),
      // spend where the channel sold nothing: a cell of its own
      spend("MS-4", "CH-LIVE", "R-S", "2025-02-01", "10.00", 50),
    ],
    "order_system.targets": [
      target("TG-1", "revenue", "company", null, "2024-01-01", "2024-12-31", 3000),
      target("TG-2", "revenue", "company", null, "2025-01-01", "2025-12-31", 36500),
      target("TG-3", "revenue", "channel", "CH-LIVE", "2025-01-01", "2025-03-31", 300),
      target("TG-4", "new_outlets", "channel_type", "distributor", "2025-01-01", "2025-06-30", 2),
      target("TG-5", "region_coverage", "company", null, "2025-01-01", "2025-12-31", 1),
      target("TG-6", "online_share", "company", null, "2024-01-01", "2024-12-31", 0.2),
      // a CRM goal: not in marts.goal_attainment
      target("TG-7", "satisfaction_score", "company", null, "2024-01-01", "2024-12-31", 4.2),
      target("TG-8", "revenue", "region", "R-N", "2026-01-01", "2026-12-31", 1000),
    ],
    "crm.customers": [
      customer("C-1", "consumer", "R-E", null, "25-34", "CH-ECOM", "2023-06-01 10:00:00"),
      customer("C-2", "business", "R-S", "retail", null, "CH-ECOM", "2024-01-25 11:00:00"),
      {
        ...customer("C-3", "consumer", "R-N", null, "18-24", "CH-LIVE", "2025-01-20 20:00:00"),
        name: "Chen Jing",
        email: "chen.jing@example.com",
        phone: "+86 137 0000 0007",
        address: "12 Nanjing Rd",
      },
    ],
    "crm.leads": [
      {
        lead_id: "LD-1",
        region_id: "R-N",
        channel_id: "CH-LIVE",
        created_at: "2025-01-10 10:00:00",
        status: "converted",
        converted_customer_id: "C-3",
      },
      {
        lead_id: "LD-2",
        region_id: "R-S",
        channel_id: "CH-ECOM",
        created_at: "2024-01-05 10:00:00",
        status: "converted",
        converted_customer_id: "C-2",
      },
      {
        lead_id: "LD-3",
        region_id: "R-N",
        channel_id: "CH-LIVE",
        created_at: "2025-02-01 10:00:00",
        status: "lost",
        converted_customer_id: null,
      },
    ],
    "partner_files.sell_through": [
      // inside P-1's territory, at 90 >= floor 80; C-1 (who also buys online) is P-1's registered shopper
      sale("P-1", "S1", "2024-01-20", "SKU-A", 5, "90.00", "450.00", "R-E", "C-1"),
      // P-1 is authorised for R-E only: shipped to R-S, cross-territory (窜货)
      sale("P-1", "S2", "2025-01-15", "SKU-A", 2, "85.00", "170.00", "R-S", null),
      // P-2 resells at 75 < floor 80: below the floor by 3 x 5.00 = 15.00, 6.25%
      sale("P-2", "S1", "2025-01-20", "SKU-A", 3, "75.00", "225.00", "R-S", null),
    ],
  };
}

function order(
  order_id: string,
  ordered_at: string,
  channel_id: string,
  partner_id: string | null,
  customer_id: string | null,
  ship_to_region_id: string,
  status = "completed",
) {
  return { order_id, ordered_at, channel_id, partner_id, customer_id, ship_to_region_id, status, currency: "CNY" };
}

function line(
  order_line_id: string,
  order_id: string,
  product_id: string,
  quantity: number,
  unit_price: string,
  line_amount: string,
) {
  return { order_line_id, order_id, product_id, quantity, unit_price, discount_amount: "0.00", line_amount };
}

function spend(
  spend_id: string,
  channel_id: string,
  region_id: string,
  month: string,
  spend_amount: string,
  visits: number,
) {
  return { spend_id, channel_id, region_id, month, spend_amount, visits };
}

function target(
  target_id: string,
  metric: string,
  scope_type: string,
  scope_id: string | null,
  period_start: string,
  period_end: string,
  target_value: number,
) {
  return { target_id, metric, scope_type, scope_id, period_start, period_end, target_value };
}

function customer(
  customer_id: string,
  customer_type: string,
  region_id: string,
  industry: string | null,
  age_band: string | null,
  acquisition_channel_id: string,
  created_at: string,
) {
  return {
    customer_id,
    customer_type,
    name: `Customer ${customer_id}`,
    email: null,
    phone: null,
    address: null,
    region_id,
    industry,
    age_band,
    acquisition_channel_id,
    referred_by_customer_id: null,
    created_at,
  };
}

function sale(
  partner_id: string,
  sale_id: string,
  sale_date: string,
  sku: string,
  quantity: number,
  unit_price: string,
  amount: string,
  ship_to_region_id: string,
  customer_id: string | null,
) {
  return { partner_id, sale_id, sale_date, sku, quantity, unit_price, amount, ship_to_region_id, customer_id };
}
