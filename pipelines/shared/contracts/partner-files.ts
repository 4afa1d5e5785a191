/**
 * Partner sell-through reports: what a distributor, agent or retailer sold on to end customers,
 * delivered as CSV or XLSX files into a drop folder (one file per partner per month).
 */
import type { TableSpec } from "./column-spec.js";

export const sellThrough: TableSpec = {
  name: "sell_through",
  description: "One line per partner sale to an end customer: date, product, quantity, resale price, delivery region.",
  primaryKey: ["partner_id", "sale_id"],
  columns: [
    { name: "partner_id", type: "text" },
    { name: "sale_id", type: "text" },
    { name: "sale_date", type: "date" },
    { name: "sku", type: "text" },
    { name: "quantity", type: "integer" },
    { name: "unit_price", type: "money" },
    { name: "amount", type: "money" },
    { name: "ship_to_region_id", type: "text" },
    { name: "customer_id", type: "text", nullable: true },
  ],
};

/** Header names partners actually use, mapped to the canonical column. */
export const sellThroughHeaderAliases: Record<string, string> = {
  partner: "partner_id",
  partner_code: "partner_id",
  经销商编码: "partner_id",
  sale_no: "sale_id",
  销售单号: "sale_id",
  date: "sale_date",
  销售日期: "sale_date",
  product_sku: "sku",
  商品编码: "sku",
  qty: "quantity",
  数量: "quantity",
  price: "unit_price",
  单价: "unit_price",
  金额: "amount",
  region: "ship_to_region_id",
  收货地区: "ship_to_region_id",
  customer: "customer_id",
  客户编号: "customer_id",
};

/**
 * What one sell-through file covers: a partner's sales in a month. A corrected file for the same
 * partner and month replaces the earlier one.
 */
export const sellThroughReplaceScope = ["partner_id", "date_trunc('month', sale_date)"] as const;
