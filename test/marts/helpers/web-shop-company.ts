/**
 * A small web shop's export mapped into the CSV templates, written by hand (not the demo generator) in the shapes a
 * real shop sends: no partners and no price list, no unit costs, guest checkouts next to account customers,
 * cancellations as negative lines and as cancellation documents (credit notes) that name no original line, a
 * bad-debt adjustment at a negative price, samples and gifts at price 0, prices per gram to 4 decimals, and two SKUs
 * that differ only by case. The tests compute what they expect from these rows; the comments say what each row is.
 */
import type { RawFixture, RawRow } from "../../transform/helpers/raw-database.js";

function channel(channel_id: string, channel_name: string, channel_type: string, platform_fee_rate: number): RawRow {
  return {
    channel_id,
    channel_name,
    channel_type,
    is_online: true,
    platform_fee_rate,
    commission_rate: 0,
    monthly_management_cost: "800.00",
    launched_on: "2023-06-01",
  };
}

/** A product as the shop exports it: no unit cost. */
function product(product_id: string, sku: string, product_name: string, category: string): RawRow {
  return { product_id, sku, product_name, category, unit_cost: null, launched_on: "2023-06-01" };
}

function order(
  order_id: string,
  ordered_at: string,
  channel_id: string,
  customer_id: string | null,
  ship_to_region_id: string,
  status = "completed",
): RawRow {
  return {
    order_id,
    ordered_at,
    channel_id,
    partner_id: null,
    customer_id,
    ship_to_region_id,
    status,
    currency: "CNY",
  };
}

function line(
  order_line_id: string,
  order_id: string,
  product_id: string,
  quantity: number,
  unit_price: number,
  discount_amount: string,
  line_amount: string,
): RawRow {
  return { order_line_id, order_id, product_id, quantity, unit_price, discount_amount, line_amount };
}

function customer(customer_id: string, name: string, region_id: string, created_at: string): RawRow {
  return {
    customer_id,
    customer_type: "consumer",
    name,
    email: `${customer_id.toLowerCase()}@example.com`,
    phone: null,
    address: null,
    region_id,
    industry: null,
    age_band: null,
    acquisition_channel_id: "CH-WEB",
    referred_by_customer_id: null,
    created_at,
  };
}

/** A fresh copy of the web shop's raw rows (callers may change it). */
export function webShopCompany(): RawFixture {
  return {
    "order_system.regions": [
      { region_id: "R-SH", region_name: "Shanghai", region_name_zh: "上海", area: "East", population_millions: 24.9 },
      { region_id: "R-BJ", region_name: "Beijing", region_name_zh: "北京", area: "North", population_millions: 21.8 },
      {
        region_id: "R-GD",
        region_name: "Guangdong",
        region_name_zh: "广东",
        area: "South",
        population_millions: 126.8,
      },
    ],
    "order_system.channels": [
      channel("CH-WEB", "Lanting web shop", "ecommerce_platform", 0.02),
      channel("CH-TMALL", "Lanting on Tmall", "ecommerce_platform", 0.05),
      channel("CH-WX", "Lanting WeChat mini shop", "social_commerce", 0.006),
    ],
    "order_system.products": [
      // the case-only pair: two different tins the shop's system tells apart by case alone
      product("P-1", "ab12c", "Jasmine tin, small", "tea"),
      product("P-2", "AB12C", "Jasmine tin, large", "tea"),
      // sold by the gram, priced to 4 decimals
      product("P-3", "LJ-LOOSE-G", "Longjing, loose leaf (per gram)", "tea"),
      product("P-4", "SAMPLE-TEA", "Tasting sample", "sample"),
      product("P-5", "GIFT-BOX", "Gift box", "gift"),
    ],
    // no price list, no partners, no rebates, no marketing records, no targets: a web shop has none of them
    "order_system.orders": [
      order("W-1001", "2024-01-05 10:12:00", "CH-WEB", "C-1", "R-SH"),
      // guest checkouts
      order("W-1002", "2024-01-09 21:40:00", "CH-WEB", null, "R-BJ"),
      // a guest order cancelled in full by a negative line: revenue 0, no purchase
      order("W-1003", "2024-01-20 08:05:00", "CH-WEB", null, "R-SH"),
      order("W-1004", "2024-02-03 13:30:00", "CH-WEB", "C-2", "R-GD"),
      order("T-3001", "2024-02-10 19:00:00", "CH-TMALL", null, "R-SH"),
      // a cancellation document for C-1: a credit note that names no original order or line
      order("CN-2001", "2024-02-15 09:00:00", "CH-WEB", "C-1", "R-SH"),
      order("T-3002", "2024-03-02 11:11:00", "CH-TMALL", "C-3", "R-BJ"),
      // cancelled before it was paid: in no figure
      order("T-3003", "2024-03-05 16:20:00", "CH-TMALL", null, "R-GD", "cancelled"),
      order("X-4001", "2024-03-12 20:02:00", "CH-WX", "C-1", "R-SH"),
      // free samples only: revenue 0, no purchase
      order("X-4002", "2024-03-20 10:00:00", "CH-WX", null, "R-SH"),
      // a guest's cancellation document, naming nothing
      order("CN-4003", "2024-03-25 14:45:00", "CH-WX", null, "R-SH"),
      order("W-1005", "2024-03-28 22:58:00", "CH-WEB", "C-2", "R-GD"),
    ],
    "order_system.order_lines": [
      line("L-01", "W-1001", "P-1", 2, 38.5, "0.00", "77.00"),
      line("L-02", "W-1001", "P-4", 1, 0, "0.00", "0.00"),
      // 250 g at 0.1288 a gram
      line("L-03", "W-1002", "P-3", 250, 0.1288, "0.00", "32.20"),
      line("L-04", "W-1003", "P-2", 1, 129.9, "0.00", "129.90"),
      line("L-05", "W-1003", "P-2", -1, 129.9, "0.00", "-129.90"),
      line("L-06", "W-1004", "P-2", 2, 129.9, "20.00", "239.80"),
      line("L-07", "W-1004", "P-3", 100, 0.1288, "0.00", "12.88"),
      // one of the two large tins sent back: the line reverses its share of the discount too
      line("L-08", "W-1004", "P-2", -1, 129.9, "-10.00", "-119.90"),
      line("L-09", "CN-2001", "P-1", -1, 38.5, "0.00", "-38.50"),
      // three for 110: the shop's price per tin has 4 decimals, the charge is in cents
      line("L-10", "T-3001", "P-1", 3, 36.6667, "0.00", "110.00"),
      line("L-11", "T-3001", "P-5", 1, 0, "0.00", "0.00"),
      line("L-12", "T-3002", "P-2", 1, 129.9, "0.00", "129.90"),
      // a bad-debt adjustment: one unit at a negative price
      line("L-13", "T-3002", "P-5", 1, -12.5, "0.00", "-12.50"),
      line("L-14", "T-3003", "P-1", 1, 38.5, "0.00", "38.50"),
      line("L-15", "X-4001", "P-3", 500, 0.1275, "0.00", "63.75"),
      line("L-16", "X-4002", "P-4", 2, 0, "0.00", "0.00"),
      line("L-17", "CN-4003", "P-3", -100, 0.1275, "0.00", "-12.75"),
      line("L-18", "W-1005", "P-1", 1, 38.5, "0.00", "38.50"),
      line("L-19", "W-1005", "P-2", 1, 129.9, "0.00", "129.90"),
    ],
    "crm.customers": [
      customer("C-1", "Chen Jing", "R-SH", "2023-11-02 09:00:00"),
      customer("C-2", "Huang Lei", "R-GD", "2024-01-30 18:00:00"),
      customer("C-3", "Zhou Yan", "R-BJ", "2024-03-01 12:00:00"),
      // an account that never ordered
      customer("C-4", "Sun Li", "R-SH", "2024-03-15 08:30:00"),
    ],
  };
}

/**
 * Adds a distributor channel with one partner, Huangpu Tea House (PA-1, home and territory Shanghai since 2023-06),
 * to `fixture`: the seller of the partner-file tests' resales.
 */
export function withTeaHouseDistributor(fixture: RawFixture): RawFixture {
  fixture["order_system.channels"]!.push({
    channel_id: "CH-DIST",
    channel_name: "Tea house distributors",
    channel_type: "distributor",
    is_online: false,
    platform_fee_rate: 0,
    commission_rate: 0,
    monthly_management_cost: "0.00",
    launched_on: "2023-06-01",
  });
  fixture["order_system.partners"] = [
    {
      partner_id: "PA-1",
      partner_name: "Huangpu Tea House",
      channel_id: "CH-DIST",
      home_region_id: "R-SH",
      tier: "standard",
      outlet_count: 1,
      signed_on: "2023-06-01",
      terminated_on: null,
    },
  ];
  fixture["order_system.partner_territories"] = [
    { partner_id: "PA-1", region_id: "R-SH", valid_from: "2023-06-01", valid_to: null },
  ];
  return fixture;
}

/** Money as whole cents (the fixture writes amounts as text to the cent). */
export const cents = (value: RawRow[string] | undefined): number => Math.round(Number(value) * 100);
export const yuan = (value: number): string => (value / 100).toFixed(2);

/** The fixture's own bookkeeping: what every figure must come back to. */
export function shopBooks(fixture: RawFixture = webShopCompany()) {
  const orders = new Map(fixture["order_system.orders"]!.map((o) => [String(o["order_id"]), o]));
  const lines = fixture["order_system.order_lines"]!;
  const orderOf = (l: RawRow) => orders.get(String(l["order_id"]))!;
  const completedLines = lines.filter((l) => orderOf(l)["status"] === "completed");
  const sum = (rows: RawRow[], key: (l: RawRow) => string) => {
    const out = new Map<string, number>();
    for (const l of rows) out.set(key(l), (out.get(key(l)) ?? 0) + cents(l["line_amount"]));
    return out;
  };
  const orderNet = sum(completedLines, (l) => String(l["order_id"]));
  const purchases = [...orderNet].filter(([, net]) => net > 0).map(([id]) => orders.get(id)!);
  const isGuest = (l: RawRow) => orderOf(l)["customer_id"] === null;
  // a customer's revenue: their completed lines from their first purchase on
  const firstPurchase = new Map<string, string>();
  for (const o of purchases) {
    const customer = o["customer_id"] as string | null;
    if (customer && (!firstPurchase.has(customer) || String(o["ordered_at"]) < firstPurchase.get(customer)!))
      firstPurchase.set(customer, String(o["ordered_at"]));
  }
  const customerLines = completedLines.filter((l) => {
    const customer = orderOf(l)["customer_id"] as string | null;
    return (
      customer !== null &&
      firstPurchase.has(customer) &&
      String(orderOf(l)["ordered_at"]) >= firstPurchase.get(customer)!
    );
  });
  const month = (l: RawRow) => `${String(orderOf(l)["ordered_at"]).slice(0, 7)}-01`;
  return {
    orders: [...orders.values()],
    lines,
    completedLines,
    orderNet,
    purchases,
    revenueByChannel: sum(completedLines, (l) => String(orderOf(l)["channel_id"])),
    guestRevenueByChannelMonth: sum(
      completedLines.filter(isGuest),
      (l) => `${String(orderOf(l)["channel_id"])} ${month(l)}`,
    ),
    guestRevenue: completedLines.filter(isGuest).reduce((n, l) => n + cents(l["line_amount"]), 0),
    customerRevenue: sum(customerLines, (l) => String(orderOf(l)["customer_id"])),
    guestOrderIds: [...orders.values()].filter((o) => o["customer_id"] === null).map((o) => String(o["order_id"])),
  };
}

/** Revenue per channel as each channel mart sums it (`channel_id`, `revenue`): all must equal the shop's books. */
export const CHANNEL_REVENUE_BY_MART: readonly string[] = [
  "select channel_id, sum(revenue) as revenue from marts.channel_revenue_monthly group by all",
  "select channel_id, sum(revenue) as revenue from marts.channel_performance_monthly group by all",
  "select scope_id as channel_id, sum(revenue) as revenue from marts.channel_summary_monthly where scope_type = 'channel' group by all",
  "select channel_id, revenue from marts.channel_economics",
];

/** One of those sums, run on a built fixture: channel id to revenue to the cent. */
export async function channelRevenueIn(
  query: <T>(sql: string) => Promise<T[]>,
  sql: string,
): Promise<Record<string, string>> {
  const rows = await query<{ channel_id: string; revenue: string }>(
    `select channel_id, revenue::decimal(18, 2)::varchar as revenue from (${sql}) order by channel_id`,
  );
  return Object.fromEntries(rows.map((r) => [r.channel_id, r.revenue]));
}
