/**
 * A hand-written company for the customer marts, small enough to work every number out by hand. The expected values
 * the tests assert are worked out in the comments here and in customer-marts.test.ts.
 *
 * As-of date: 2024-06-30 (the latest order, O-403). History: 2024-01 .. 2024-06 (6 months).
 * One product, PR-A: unit cost 40.00; every customer order is one unit at its amount, so margin = amount - 40.
 *
 *   customer  completed orders (date amount channel)                                   orders  revenue  last order
 *   C-1       01-05 100 ECOM, 02-10 100 ECOM, 04-15 100 ECOM, 06-20 200 KA             4       500      06-20
 *   C-2       01-20 300 KA, 03-05 300 KA                                                2       600      03-05
 *   C-3       01-25 100 ECOM (03-01 500 is cancelled); a partner resale 05-05 100      1       100      01-25
 *   C-4       02-02 100 ECOM, 02-20 100 ECOM, 06-30 100 ECOM                           3       300      06-30
 *   C-5       03-10 1000 KA                                                            1       1000     03-10
 *   C-6       05-15 100 ECOM, 06-01 100 ECOM                                           2       200      06-01
 *   C-7       none (created 2024-06-15)
 *
 * O-900 is a sell-in order to partner P-1 (600): no customer, in no customer mart.
 */
import type { RawFixture, RawRow } from "../../../transform/helpers/raw-database.js";

/** Personal values in the raw CRM rows that no mart may carry. */
export const PERSONAL_VALUES = [
  "Zhao Lei",
  "zhao.lei@example.com",
  "+86 138 0000 0101",
  "8 Lakeside Rd, Hangzhou",
  "Qian Hua",
  "Sun Mei",
  "sun.mei@example.com",
  "+86 139 0000 0303",
];

function order(order_id: string, ordered_at: string, channel_id: string, customer_id: string, status = "completed") {
  return {
    order_id,
    ordered_at,
    channel_id,
    partner_id: null,
    customer_id,
    ship_to_region_id: "R-E",
    status,
    currency: "CNY",
  };
}

function line(order_id: string, amount: number, quantity = 1): RawRow {
  const unit = (amount / quantity).toFixed(2);
  return {
    order_line_id: `L-${order_id.slice(2)}`,
    order_id,
    product_id: "PR-A",
    quantity,
    unit_price: unit,
    discount_amount: "0.00",
    line_amount: amount.toFixed(2),
  };
}

function customer(
  customer_id: string,
  fields: Partial<Record<"name" | "email" | "phone" | "address" | "industry" | "age_band", string | null>> & {
    customer_type: "consumer" | "business";
    acquisition_channel_id: string;
    referred_by_customer_id?: string | null;
    created_at: string;
  },
): RawRow {
  return {
    customer_id,
    customer_type: fields.customer_type,
    name: fields.name ?? null,
    email: fields.email ?? null,
    phone: fields.phone ?? null,
    address: fields.address ?? null,
    region_id: "R-E",
    industry: fields.industry ?? null,
    age_band: fields.age_band ?? null,
    acquisition_channel_id: fields.acquisition_channel_id,
    referred_by_customer_id: fields.referred_by_customer_id ?? null,
    created_at: fields.created_at,
  };
}

/** A fresh copy of the customer company's raw rows. */
export function customerCompany(): RawFixture {
  const orders = [
    order("O-101", "2024-01-05 10:00:00", "CH-ECOM", "C-1"),
    order("O-102", "2024-02-10 10:00:00", "CH-ECOM", "C-1"),
    order("O-103", "2024-04-15 10:00:00", "CH-ECOM", "C-1"),
    order("O-104", "2024-06-20 10:00:00", "CH-KA", "C-1"),
    order("O-201", "2024-01-20 10:00:00", "CH-KA", "C-2"),
    order("O-202", "2024-03-05 10:00:00", "CH-KA", "C-2"),
    order("O-301", "2024-01-25 10:00:00", "CH-ECOM", "C-3"),
    order("O-302", "2024-03-01 10:00:00", "CH-ECOM", "C-3", "cancelled"),
    order("O-401", "2024-02-02 10:00:00", "CH-ECOM", "C-4"),
    order("O-402", "2024-02-20 10:00:00", "CH-ECOM", "C-4"),
    order("O-403", "2024-06-30 18:00:00", "CH-ECOM", "C-4"),
    order("O-501", "2024-03-10 10:00:00", "CH-KA", "C-5"),
    order("O-601", "2024-05-15 10:00:00", "CH-ECOM", "C-6"),
    order("O-602", "2024-06-01 10:00:00", "CH-ECOM", "C-6"),
    { ...order("O-900", "2024-01-10 10:00:00", "CH-DIST", "C-0"), partner_id: "P-1", customer_id: null },
  ];
  const amounts: Record<string, number> = {
    "O-101": 100,
    "O-102": 100,
    "O-103": 100,
    "O-104": 200,
    "O-201": 300,
    "O-202": 300,
    "O-301": 100,
    "O-302": 500,
    "O-401": 100,
    "O-402": 100,
    "O-403": 100,
    "O-501": 1000,
    "O-601": 100,
    "O-602": 100,
  };
  return {
    "order_system.regions": [
      { region_id: "R-E", region_name: "East", region_name_zh: "华东", area: "East", population_millions: 100 },
    ],
    "order_system.channels": [
      {
        channel_id: "CH-DIST",
        channel_name: "Distributors",
        channel_type: "distributor",
        is_online: false,
        platform_fee_rate: 0,
        commission_rate: 0,
        monthly_management_cost: "10.00",
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
        launched_on: "2020-01-01",
      },
      {
        channel_id: "CH-KA",
        channel_name: "Key Accounts",
        channel_type: "direct_key_account",
        is_online: false,
        platform_fee_rate: 0,
        commission_rate: 0,
        monthly_management_cost: "10.00",
        launched_on: "2020-01-01",
      },
    ],
    "order_system.partners": [
      {
        partner_id: "P-1",
        partner_name: "East Trading",
        channel_id: "CH-DIST",
        home_region_id: "R-E",
        tier: "core",
        outlet_count: 3,
        signed_on: "2023-01-01",
        terminated_on: null,
      },
    ],
    "order_system.partner_territories": [
      { partner_id: "P-1", region_id: "R-E", valid_from: "2023-01-01", valid_to: null },
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
    ],
    "order_system.price_list": [
      {
        product_id: "PR-A",
        valid_from: "2023-01-01",
        valid_to: null,
        list_price: "100.00",
        partner_price: "60.00",
        floor_price: "50.00",
      },
    ],
    "order_system.orders": orders,
    "order_system.order_lines": [
      ...Object.entries(amounts).map(([id, amount]) => line(id, amount)),
      // sell-in: 10 units at 60.00
      line("O-900", 600, 10),
    ],
    "order_system.returns": [
      // C-2 sends half of O-201 back in value: refund 150 of 600 lifetime revenue -> refund rate 0.25
      {
        return_id: "RT-1",
        order_line_id: "L-201",
        returned_at: "2024-01-25 12:00:00",
        quantity: 1,
        refund_amount: "150.00",
        reason: "defective",
      },
    ],
    "order_system.targets": [
      // customers with 2+ orders Jan-Jun (C-1, C-2, C-4, C-6) / with 1+ (6) = 0.666667 -> attainment 1.333333
      {
        target_id: "TG-1",
        metric: "repeat_purchase_rate",
        scope_type: "company",
        scope_id: null,
        period_start: "2024-01-01",
        period_end: "2024-12-31",
        target_value: 0.5,
      },
      // all completed orders Jan-Mar, sell-in included: 9 orders, 2700.00 -> 300.00 = the target, met
      {
        target_id: "TG-2",
        metric: "average_order_value",
        scope_type: "company",
        scope_id: null,
        period_start: "2024-01-01",
        period_end: "2024-03-31",
        target_value: 300,
      },
      // customers created in 2024 to the as-of date: C-5 (referred by C-1), C-6, C-7 -> 1/3
      {
        target_id: "TG-3",
        metric: "referral_rate",
        scope_type: "company",
        scope_id: null,
        period_start: "2024-01-01",
        period_end: "2024-12-31",
        target_value: 0.2,
      },
      // no key customer (the reference window's top buyer, C-2, has 1 order there): no actual
      {
        target_id: "TG-4",
        metric: "key_customer_churn_rate",
        scope_type: "company",
        scope_id: null,
        period_start: "2024-01-01",
        period_end: "2024-12-31",
        target_value: 0.05,
      },
      // Q1 answers: S-1 5 and S-2 2 -> 3.5 against 4.0: not met
      {
        target_id: "TG-5",
        metric: "satisfaction_score",
        scope_type: "company",
        scope_id: null,
        period_start: "2024-01-01",
        period_end: "2024-03-31",
        target_value: 4,
      },
    ],
    "crm.customers": [
      // every profile field filled: 7 / 7
      customer("C-1", {
        customer_type: "consumer",
        name: "Zhao Lei",
        email: "zhao.lei@example.com",
        phone: "+86 138 0000 0101",
        address: "8 Lakeside Rd, Hangzhou",
        age_band: "25-34",
        acquisition_channel_id: "CH-ECOM",
        created_at: "2023-03-01 09:00:00",
      }),
      // a business without phone, address or industry: 4 / 7
      customer("C-2", {
        customer_type: "business",
        name: "Qian Hua",
        email: "qian.hua@example.com",
        acquisition_channel_id: "CH-KA",
        created_at: "2023-05-01 09:00:00",
      }),
      customer("C-3", {
        customer_type: "consumer",
        name: "Sun Mei",
        email: "sun.mei@example.com",
        phone: "+86 139 0000 0303",
        age_band: "35-44",
        acquisition_channel_id: "CH-ECOM",
        created_at: "2023-08-01 09:00:00",
      }),
      customer("C-4", {
        customer_type: "consumer",
        name: "Li Na",
        phone: "+86 137 0000 0404",
        age_band: "45-54",
        acquisition_channel_id: "CH-ECOM",
        created_at: "2023-11-01 09:00:00",
      }),
      customer("C-5", {
        customer_type: "business",
        name: "Zhou Trading Co",
        email: "buyer@zhou-trading.example.com",
        industry: "retail",
        acquisition_channel_id: "CH-KA",
        referred_by_customer_id: "C-1",
        created_at: "2024-03-01 09:00:00",
      }),
      customer("C-6", {
        customer_type: "consumer",
        name: "Wu Fang",
        email: "wu.fang@example.com",
        acquisition_channel_id: "CH-ECOM",
        created_at: "2024-05-01 09:00:00",
      }),
      // an email that cannot be right and a phone with too few digits: 2 malformed contact fields
      customer("C-7", {
        customer_type: "consumer",
        name: "Zheng Yu",
        email: "not-an-email",
        phone: "12345",
        acquisition_channel_id: "CH-ECOM",
        created_at: "2024-06-15 09:00:00",
      }),
    ],
    "crm.interactions": [
      {
        interaction_id: "I-1",
        customer_id: "C-1",
        occurred_at: "2024-06-01 10:00:00",
        interaction_type: "call",
        channel_id: "CH-ECOM",
        outcome: "positive",
      },
      {
        interaction_id: "I-2",
        customer_id: "C-3",
        occurred_at: "2024-02-20 10:00:00",
        interaction_type: "wechat",
        channel_id: null,
        outcome: "negative",
      },
    ],
    "crm.tickets": [
      {
        ticket_id: "T-1",
        customer_id: "C-3",
        opened_at: "2024-02-15 09:00:00",
        closed_at: "2024-02-16 09:00:00",
        category: "quality",
        priority: "high",
        status: "closed",
      },
    ],
    "crm.surveys": [
      // a promoter in February, a dissatisfied detractor in March, a passive in June
      {
        survey_id: "S-1",
        customer_id: "C-1",
        answered_at: "2024-02-01 10:00:00",
        channel_id: "CH-ECOM",
        satisfaction_score: 5,
        nps_score: 9,
      },
      {
        survey_id: "S-2",
        customer_id: "C-2",
        answered_at: "2024-03-10 10:00:00",
        channel_id: null,
        satisfaction_score: 2,
        nps_score: 3,
      },
      {
        survey_id: "S-3",
        customer_id: "C-4",
        answered_at: "2024-06-10 10:00:00",
        channel_id: "CH-ECOM",
        satisfaction_score: 4,
        nps_score: 8,
      },
    ],
    "crm.leads": [
      {
        lead_id: "LD-1",
        region_id: "R-E",
        channel_id: "CH-KA",
        created_at: "2024-02-01 10:00:00",
        status: "converted",
        converted_customer_id: "C-5",
      },
    ],
    "partner_files.sell_through": [
      // P-1 resells one unit to C-3 in May: a partner purchase, not an order of the company
      {
        partner_id: "P-1",
        sale_id: "S-1",
        sale_date: "2024-05-05",
        sku: "SKU-A",
        quantity: 1,
        unit_price: "100.00",
        amount: "100.00",
        ship_to_region_id: "R-E",
        customer_id: "C-3",
      },
    ],
  };
}
