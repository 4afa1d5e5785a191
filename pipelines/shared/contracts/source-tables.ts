/** Every table a source can deliver, with the source it belongs to: the raw database holds one table for each. */
import type { TableSpec } from "./column-spec.js";
import { crmTables } from "./crm.js";
import { orderSystemTables } from "./order-system.js";
import { sellThrough } from "./partner-files.js";
import { touchPaths } from "./touch-paths.js";

export type SourceName = "order_system" | "crm" | "partner_files" | "touch_paths";

export interface SourceTable {
  readonly source: SourceName;
  readonly table: TableSpec;
}

export const SOURCE_TABLES: readonly SourceTable[] = [
  ...orderSystemTables.map((table) => ({ source: "order_system" as const, table })),
  ...crmTables.map((table) => ({ source: "crm" as const, table })),
  { source: "partner_files", table: sellThrough },
  { source: "touch_paths", table: touchPaths },
];
