/**
 * The order system (ERP / distributor-management system, PostgreSQL): master data, the company's
 * own sales (orders and their lines), returns, marketing spend and the plan's targets.
 *
 * Orders through partner channels (distributor, agent, retailer) are sell-in: the company sells
 * to the partner, `customer_id` is empty. Every other channel sells to an end customer directly.
 * What partners then sell on to end customers arrives as partner sell-through files.
 */
import type { TableSpec } from "./column-spec.js";

export const CHANNEL_TYPES = [
  "distributor",
  "agent",
  "retailer",
  "ecommerce_platform",
  "social_commerce",
  "content_commerce",
  "live_streaming",
  "community_group_buying",
  "direct_key_account",
] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Channel types whose sales go through a partner who resells (sell-in, then sell-through). */
export const PARTNER_CHANNEL_TYPES: readonly ChannelType[] = ["distributor", "agent", "retailer"];

export const TARGET_METRICS = [
  "revenue",
  "new_outlets",
  "region_coverage",
  "online_share",
  "repeat_purchase_rate",
  "average_order_value",
  "key_customer_churn_rate",
  "satisfaction_score",
  "referral_rate",
] as const;

const updatedAt = { name: "updated_at", type: "timestamp" } as const;

export const regions: TableSpec = {
  name: "regions",
  description: "Sales regions (provinces) grouped into areas.",
  primaryKey: ["region_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "region_id", type: "text" },
    { name: "region_name", type: "text" },
    {
      name: "region_name_zh",
      type: "text",
      nullable: true,
      whenMissing: "the pages show the region's own name where they would show the Chinese one",
    },
    {
      name: "area",
      type: "text",
      nullable: true,
      whenMissing: "the region counts under the area `Unassigned` in the area breakdowns",
    },
    { name: "population_millions", type: "double", nullable: true, whenMissing: "nothing is computed per head" },
    updatedAt,
  ],
};

export const channels: TableSpec = {
  name: "channels",
  description: "Sales channels with their commercial terms (fees, commissions, rebates, management cost).",
  primaryKey: ["channel_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "channel_id", type: "text" },
    { name: "channel_name", type: "text" },
    {
      name: "channel_name_zh",
      type: "text",
      nullable: true,
      example: "天猫旗舰店",
      whenMissing: "the Chinese pages show the channel's own name (channel_name)",
    },
    { name: "channel_type", type: "text", values: CHANNEL_TYPES },
    { name: "is_online", type: "boolean" },
    {
      name: "platform_fee_rate",
      type: "double",
      nullable: true,
      whenMissing: "the channel's platform fees count as 0 in its contribution; a warning names the channel",
    },
    {
      name: "commission_rate",
      type: "double",
      nullable: true,
      whenMissing: "commissions count as 0 in the channel's contribution; a warning names the channel",
    },
    {
      name: "monthly_management_cost",
      type: "money",
      nullable: true,
      whenMissing: "the channel's management cost counts as 0 in its contribution; a warning names the channel",
    },
    {
      name: "launched_on",
      type: "date",
      nullable: true,
      whenMissing: "the channel counts as launched in the month of its first order",
    },
    updatedAt,
  ],
};

export const partners: TableSpec = {
  name: "partners",
  whenAbsent:
    "no partner pages, sell-in vs sell-through or territory checks (窜货); needed when orders name a partner_id",
  description: "Channel partners (distributors, agents, retailers) and their outlets.",
  primaryKey: ["partner_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "partner_id", type: "text" },
    { name: "partner_name", type: "text" },
    { name: "channel_id", type: "text" },
    { name: "home_region_id", type: "text" },
    { name: "tier", type: "text", values: ["strategic", "core", "standard"] },
    { name: "outlet_count", type: "integer" },
    { name: "signed_on", type: "date" },
    { name: "terminated_on", type: "date", nullable: true },
    updatedAt,
  ],
};

export const partnerTerritories: TableSpec = {
  name: "partner_territories",
  whenAbsent: "no territory checks (窜货 / cross-territory sales) and no partner coverage",
  description: "Regions a partner is authorised to sell into, and when.",
  primaryKey: ["partner_id", "region_id", "valid_from"],
  cursorColumn: "updated_at",
  columns: [
    { name: "partner_id", type: "text" },
    { name: "region_id", type: "text" },
    { name: "valid_from", type: "date" },
    { name: "valid_to", type: "date", nullable: true },
    updatedAt,
  ],
};

export const products: TableSpec = {
  name: "products",
  description: "Products with their standard unit cost.",
  primaryKey: ["product_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "product_id", type: "text" },
    { name: "sku", type: "text" },
    { name: "product_name", type: "text" },
    {
      name: "product_name_zh",
      type: "text",
      nullable: true,
      example: "反渗透净水器 800G",
      whenMissing: "the Chinese pages show the product's own name (product_name)",
    },
    { name: "category", type: "text", nullable: true, whenMissing: "the product counts as `uncategorised`" },
    // a shop that keeps no costs leaves it empty: the warehouse then shows margins as unknown, never as 100%.
    // A cost per unit, to 4 decimals like prices (0.0075 a gram); cost of goods is rounded to the cent.
    {
      name: "unit_cost",
      type: "price",
      nullable: true,
      whenMissing:
        "enables margins and contribution; where it is empty they are unknown (empty), never 100%, and the revenue concerned is shown beside them",
    },
    {
      name: "launched_on",
      type: "date",
      nullable: true,
      whenMissing: "the product counts as launched on the day of its first order",
    },
    updatedAt,
  ],
};

export const priceList: TableSpec = {
  name: "price_list",
  whenAbsent: "no discount depth and no below-floor-price checks (a web shop without a price list simply has none)",
  description: "List price, partner (dealer) price and the floor below which nobody may resell.",
  primaryKey: ["product_id", "valid_from"],
  cursorColumn: "updated_at",
  columns: [
    { name: "product_id", type: "text" },
    { name: "valid_from", type: "date" },
    { name: "valid_to", type: "date", nullable: true },
    // prices per unit, to 4 decimals (0.0125 a gram), so a line is judged against the floor as priced
    { name: "list_price", type: "price" },
    { name: "partner_price", type: "price" },
    { name: "floor_price", type: "price" },
    updatedAt,
  ],
};

export const rebatePolicies: TableSpec = {
  name: "rebate_policies",
  whenAbsent: "rebates count as 0 in partner channels' contribution",
  description: "Rebates a channel's partners earn, as a rate on sell-in revenue above a monthly threshold.",
  primaryKey: ["policy_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "policy_id", type: "text" },
    { name: "channel_id", type: "text" },
    { name: "monthly_threshold", type: "money" },
    { name: "rebate_rate", type: "double" },
    { name: "valid_from", type: "date" },
    { name: "valid_to", type: "date", nullable: true },
    updatedAt,
  ],
};

export const orders: TableSpec = {
  name: "orders",
  description: "The company's sales orders: sell-in to partners, or direct sales to end customers.",
  primaryKey: ["order_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "order_id", type: "text" },
    { name: "ordered_at", type: "timestamp" },
    { name: "channel_id", type: "text" },
    {
      name: "partner_id",
      type: "text",
      nullable: true,
      whenMissing:
        "for sell-in to a distributor, agent or retailer: enables sell-in vs sell-through and the territory checks",
    },
    {
      name: "customer_id",
      type: "text",
      nullable: true,
      whenMissing:
        "a guest checkout: it counts in the channel figures and stays out of the customer pages, which show guest revenue apart",
    },
    { name: "ship_to_region_id", type: "text" },
    { name: "status", type: "text", values: ["completed", "cancelled"] },
    {
      name: "currency",
      type: "text",
      nullable: true,
      identifier: true,
      example: "CNY",
      whenMissing:
        "the order is in the reporting currency (config `reporting.currency`, default CNY); an order in another currency stops the publish: convert it before loading",
    },
    updatedAt,
  ],
};

export const orderLines: TableSpec = {
  name: "order_lines",
  description: "Lines of an order: product, quantity, price actually charged.",
  primaryKey: ["order_line_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "order_line_id", type: "text" },
    { name: "order_id", type: "text" },
    { name: "product_id", type: "text" },
    { name: "quantity", type: "integer" },
    // web shops price to 4 decimals (0.0125 a gram); the charged amounts stay in cents. Zero (a sample, a gift) and
    // negative (a cancellation, a bad-debt adjustment) are real lines, as are negative quantities and amounts.
    { name: "unit_price", type: "double" },
    { name: "discount_amount", type: "money", nullable: true, whenMissing: "no discount (0)" },
    {
      name: "line_amount",
      type: "money",
      nullable: true,
      whenMissing: "quantity × unit_price − discount_amount, to the cent",
    },
    updatedAt,
  ],
};

export const returns: TableSpec = {
  name: "returns",
  whenAbsent:
    "returns sent as negative order lines or cancellation documents are still netted; without this file there are no return reasons",
  description: "Returned goods against an order line, with the refund and the stated reason.",
  primaryKey: ["return_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "return_id", type: "text" },
    { name: "order_line_id", type: "text" },
    { name: "returned_at", type: "timestamp" },
    { name: "quantity", type: "integer" },
    { name: "refund_amount", type: "money" },
    {
      name: "reason",
      type: "text",
      values: ["defective", "wrong_item", "not_as_described", "late_delivery", "changed_mind"],
    },
    updatedAt,
  ],
};

export const marketingSpend: TableSpec = {
  name: "marketing_spend",
  whenAbsent: "no marketing cost per channel: contribution counts none, and cost per new customer is unknown",
  description: "Marketing spend and the traffic it bought, per channel, region and month.",
  primaryKey: ["spend_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "spend_id", type: "text" },
    { name: "channel_id", type: "text" },
    { name: "region_id", type: "text" },
    { name: "month", type: "date" },
    { name: "spend_amount", type: "money" },
    { name: "visits", type: "integer" },
    updatedAt,
  ],
};

export const targets: TableSpec = {
  name: "targets",
  whenAbsent: "no goals pages (goals vs actuals)",
  description:
    "SMART goals: a target value for a metric, for a scope (company, channel type, channel, region) and period.",
  primaryKey: ["target_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "target_id", type: "text" },
    { name: "metric", type: "text", values: TARGET_METRICS },
    { name: "scope_type", type: "text", values: ["company", "channel_type", "channel", "region"] },
    { name: "scope_id", type: "text", nullable: true },
    { name: "period_start", type: "date" },
    { name: "period_end", type: "date" },
    { name: "target_value", type: "double" },
    updatedAt,
  ],
};

/** All order-system tables, in an order where referenced tables come first. */
export const orderSystemTables: readonly TableSpec[] = [
  regions,
  channels,
  partners,
  partnerTerritories,
  products,
  priceList,
  rebatePolicies,
  orders,
  orderLines,
  returns,
  marketingSpend,
  targets,
];
