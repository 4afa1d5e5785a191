// What reports/index.md should show, computed with the page's own SQL run directly against the warehouse's marts
// (the page reads them through Evidence's `warehouse` source, i.e. parquet copies of `select * from marts.<table>`).
import { queryRows, withDatabase } from "../../../pipelines/shared/warehouse/duckdb.js";

/** Runs a query against a warehouse file, read-only. */
const queryWarehouse = (file: string, sql: string): Promise<Record<string, unknown>[]> =>
  withDatabase(file, (c) => queryRows(c, sql), { readOnly: true });

export interface OverviewSelection {
  /** Dropdown "Channel type": a channel type, or "%" for all. */
  channelType: string;
  /** Dropdown "Period": number of months up to the as-of month. */
  months: number;
}

/** The page's defaults: all channel types, last 12 months. */
export const DEFAULT_SELECTION: OverviewSelection = { channelType: "%", months: 12 };

export interface OverviewFigures {
  asOfDate: string;
  totals: { revenue: number; gross_margin: number; orders: number };
  byMonth: Array<{ month: string; revenue: number; gross_margin: number; orders: number }>;
  byChannelType: Array<{
    channel_type: string;
    /** As the page names it (marts.channel_directory). */
    channel_type_label: string;
    revenue: number;
    gross_margin: number;
    orders: number;
  }>;
  byRegion: Array<{ area: string; region_name: string; revenue: number; gross_margin: number; orders: number }>;
}

/** Runs the overview page's queries for a selection against the warehouse's marts. */
export async function expectedOverview(warehousePath: string, selection: OverviewSelection): Promise<OverviewFigures> {
  const channelType = selection.channelType.replaceAll("'", "''");
  const selectedRows = `
    select revenue_rows.*
    from marts.channel_revenue_monthly as revenue_rows
    where revenue_rows.channel_type like '${channelType}'
      and revenue_rows.month >= (
          select date_trunc('month', as_of_date) - to_months(${Math.trunc(selection.months)} - 1)
          from marts.warehouse_status
      )`;
  const sums =
    "sum(revenue)::double as revenue, sum(gross_margin)::double as gross_margin, sum(orders)::bigint as orders";
  const [status] = await queryWarehouse(
    warehousePath,
    "select strftime(as_of_date, '%Y-%m-%d') as as_of_date from marts.warehouse_status",
  );
  const [totals] = await queryWarehouse(warehousePath, `select ${sums} from (${selectedRows})`);
  const byMonth = await queryWarehouse(
    warehousePath,
    `select strftime(month, '%Y-%m') as month, ${sums} from (${selectedRows}) group by month order by month`,
  );
  const byChannelType = await queryWarehouse(
    warehousePath,
    `select channel_type, any_value(channel_type_label) as channel_type_label, ${sums}
     from (${selectedRows}) as selected
     left join (select distinct channel_type, channel_type_label from marts.channel_directory) using (channel_type)
     group by channel_type order by revenue desc`,
  );
  const byRegion = await queryWarehouse(
    warehousePath,
    `select area, region_name, ${sums} from (${selectedRows}) group by area, region_name order by revenue desc`,
  );
  return {
    asOfDate: String(status?.as_of_date),
    totals: totals as OverviewFigures["totals"],
    byMonth: byMonth as OverviewFigures["byMonth"],
    byChannelType: byChannelType as OverviewFigures["byChannelType"],
    byRegion: byRegion as OverviewFigures["byRegion"],
  };
}

/** The pages' count format, fmt=count (whole units, thousands separators). */
export function formatWhole(value: number): string {
  const whole = Math.sign(value) * Math.round(Math.abs(value)); // half away from zero, like Evidence's formatter
  return whole.toLocaleString("en-US", { maximumFractionDigits: 0 });
}

/**
 * The pages' money format, fmt=money: the reporting currency's symbol before whole units, the minus sign before the
 * symbol (`-¥1,234`). `symbol` is the warehouse's (readReportingCurrency), as the build puts it in the format.
 */
export function formatMoney(value: number, symbol: string): string {
  const whole = formatWhole(value);
  return whole.startsWith("-") ? `-${symbol}${whole.slice(1)}` : `${symbol}${whole}`;
}
