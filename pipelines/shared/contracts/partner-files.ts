/**
 * Partner sell-through reports: what a distributor, agent or retailer sold on to end customers,
 * delivered as CSV or XLSX files into a drop folder (one file per partner per month).
 */
import type { TableSpec } from "./column-spec.js";

export const sellThrough: TableSpec = {
  name: "sell_through",
  whenAbsent: "no sell-through: partner pages show sell-in only",
  description: "One line per partner sale to an end customer: date, product, quantity, resale price, delivery region.",
  primaryKey: ["partner_id", "sale_id"],
  columns: [
    { name: "partner_id", type: "text" },
    { name: "sale_id", type: "text" },
    { name: "sale_date", type: "date" },
    { name: "sku", type: "text" },
    { name: "quantity", type: "integer" },
    { name: "unit_price", type: "price" },
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
 * How a file's name states what the file covers, so that a corrected file can replace exactly that
 * and nothing its rows might suggest: a stray line for another partner must never delete that
 * partner's month. `pattern` captures one named group per part; each part's `sql` computes the same
 * value from a row, which must equal the file's (or the row is quarantined).
 */
export interface FileNameScope {
  /** The convention as people read it, for messages and documentation. */
  readonly convention: string;
  readonly pattern: RegExp;
  readonly parts: ReadonlyArray<{
    /** The named group in `pattern`, and the word used in messages ("partner", "month"). */
    readonly name: string;
    /** SQL over the contract's columns giving a row's value of this part, as text. */
    readonly sql: string;
  }>;
}

/**
 * What one sell-through file covers: a partner's sales in a month, stated by its name
 * `<anything>_<PARTNER_ID>_<YYYY-MM>[_<anything>].csv|xlsx` — e.g. `sell_through_PA0013_2026-10.csv`,
 * or `sell_through_PA0013_2026-10_resend.csv` for a corrected one. A file so named replaces the rows
 * earlier files gave that partner and month. A file named otherwise declares nothing and replaces
 * nothing: its rows are merged by key. (The partner id is the last `_`-separated part before the month.)
 */
export const sellThroughFileScope: FileNameScope = {
  convention: "<anything>_<PARTNER_ID>_<YYYY-MM>[_<anything>].csv|xlsx",
  pattern: /^(?:.*_)?(?<partner>[^_]+)_(?<month>\d{4}-(?:0[1-9]|1[0-2]))(?:_.*)?\.(?:csv|xlsx)$/i,
  parts: [
    { name: "partner", sql: "partner_id" },
    { name: "month", sql: "strftime(sale_date, '%Y-%m')" },
  ],
};
