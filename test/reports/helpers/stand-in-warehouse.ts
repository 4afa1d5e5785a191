// A small stand-in for the published warehouse: the two marts the reports read, with exactly the columns the real
// marts have (built by the models), filled with deterministic numbers so tests can compare pages with SQL.
import { DuckDBInstance } from "@duckdb/node-api";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";

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

const REGIONS = [
  { id: "r-east", name: "East China", area: "East" },
  { id: "r-south", name: "South China", area: "South" },
  { id: "r-north", name: "North China", area: "North" },
  { id: "r-west", name: "Southwest", area: "West" },
] as const;

/** First months of the stand-in data: 2024-01 .. 2025-06 (18 months). */
const FIRST_MONTH = { year: 2024, month: 1 };
const MONTHS = 18;
export const AS_OF_DATE = "2025-06-28";

/** Creates (or replaces) a stand-in warehouse file with marts.channel_revenue_monthly and marts.warehouse_status. */
export async function createStandInWarehouse(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await rm(file, { force: true });
  await rm(`${file}.wal`, { force: true });
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    await connection.run(`
      create schema marts;
      create table marts.channel_revenue_monthly (
        month date,
        channel_id varchar,
        channel_name varchar,
        channel_type varchar,
        region_id varchar,
        region_name varchar,
        area varchar,
        orders bigint,
        units bigint,
        revenue decimal(18, 2),
        cost_of_goods decimal(18, 2),
        gross_margin decimal(18, 2)
      );
      create table marts.warehouse_status (as_of_date date, refreshed_at timestamp, run_id varchar);
    `);
    const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;
    const rows: string[] = [];
    CHANNEL_TYPES.forEach((channelType, c) => {
      // Two channels for the first type, so channel type and channel are not the same thing in the data.
      const channels = c === 0 ? [0, 1] : [0];
      for (const k of channels) {
        const channelId = `ch-${String(c + 1).padStart(2, "0")}${k === 0 ? "" : "b"}`;
        const channelName = `${channelType.replaceAll("_", " ")} ${k === 0 ? "A" : "B"}`;
        REGIONS.forEach((region, r) => {
          for (let m = 0; m < MONTHS; m++) {
            // Live streaming has no sales in the West: a gap a report would show.
            if (channelType === "live_streaming" && region.id === "r-west") continue;
            const orders = 20 + ((c * 37 + r * 11 + m * 7 + k * 5) % 90);
            const units = orders * (1 + ((c + m) % 4));
            const revenueCents = units * (8_000 + c * 1_250 + r * 333 + m * 17) + k * 99;
            // Content commerce sells below cost in the North: a negative margin must render as such.
            const costRate = channelType === "content_commerce" && region.id === "r-north" ? 1.08 : 0.55 + c * 0.03;
            const costCents = Math.round(revenueCents * costRate);
            const date = new Date(Date.UTC(FIRST_MONTH.year, FIRST_MONTH.month - 1 + m, 1)).toISOString().slice(0, 10);
            // Decimal literals keep money exact (no float rounding on the way in).
            const values = [
              `date ${literal(date)}`,
              ...[channelId, channelName, channelType, region.id, region.name, region.area].map(literal),
              orders,
              units,
              (revenueCents / 100).toFixed(2),
              (costCents / 100).toFixed(2),
              ((revenueCents - costCents) / 100).toFixed(2),
            ];
            rows.push(`(${values.join(", ")})`);
          }
        });
      }
    });
    await connection.run(`insert into marts.channel_revenue_monthly values ${rows.join(",\n")}`);
    await connection.run(
      `insert into marts.warehouse_status values (date '${AS_OF_DATE}', timestamp '2025-06-29 02:15:00', 'run-standin-0001')`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Runs a query against a warehouse file (read-only) and returns plain row objects (BIGINT/DECIMAL as numbers). */
export async function queryWarehouse(file: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader
      .getRowObjectsJS()
      .map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])),
      );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
