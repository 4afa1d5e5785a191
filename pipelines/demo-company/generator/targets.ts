/**
 * The plan's SMART goals: a target value per metric, scope and period. Targets are set the
 * December before each year from what the business looked like (the generator's own actuals
 * plus ambition), so some are met and some missed, as in any real plan.
 */
import { dayOf, type Month, sqlTimestamp } from "./calendar.js";
import type { MasterData } from "./master-data.js";
import type { OrderGenerator, RowSink } from "./orders.js";
import { rngFor } from "./random.js";
import { CHANNEL_TYPES, type ChannelType } from "../../shared/contracts/order-system.js";

interface Period {
  readonly label: string;
  readonly start: string;
  readonly end: string;
  readonly year: number;
}

function periodsOf(year: number): { quarters: Period[]; halves: Period[]; year: Period } {
  const q = (n: number, sm: string, em: string, ed: string): Period => ({
    label: `${year}Q${n}`,
    start: `${year}-${sm}-01`,
    end: `${year}-${em}-${ed}`,
    year,
  });
  return {
    quarters: [q(1, "01", "03", "31"), q(2, "04", "06", "30"), q(3, "07", "09", "30"), q(4, "10", "12", "31")],
    halves: [
      { label: `${year}H1`, start: `${year}-01-01`, end: `${year}-06-30`, year },
      { label: `${year}H2`, start: `${year}-07-01`, end: `${year}-12-31`, year },
    ],
    year: { label: `${year}`, start: `${year}-01-01`, end: `${year}-12-31`, year },
  };
}

export function generateTargets(
  seed: number,
  scale: number,
  months: readonly Month[],
  master: MasterData,
  orders: OrderGenerator,
  sink: RowSink | null,
): number {
  const rng = rngFor(seed, "targets");
  const last = months[months.length - 1] as Month;
  const firstYear = (months[0] as Month).year + 1;
  const years = [...new Set([firstYear, last.year])];
  let count = 0;
  const nMonths = months.length;

  /** Sum of a per-month series over a period; extrapolated (with a seasonal uplift) when the period runs past the history. */
  const actual = (series: (m: number) => number, p: Period): number => {
    const from = dayOf(p.start);
    const to = dayOf(p.end);
    let sum = 0;
    let covered = 0;
    let total = 0;
    for (const m of months) {
      const inPeriod = m.startDay >= from && m.startDay <= to;
      if (inPeriod) {
        sum += series(m.index);
        covered++;
      }
    }
    for (let d = new Date(from * 86_400_000); d.getTime() <= to * 86_400_000; d.setUTCMonth(d.getUTCMonth() + 1))
      total++;
    if (covered === 0) return 0;
    return covered < total ? (sum / covered) * total * 1.12 : sum;
  };
  const write = (metric: string, scopeType: string, scopeId: string | null, p: Period, value: number) => {
    count++;
    sink?.write([
      `TG${String(count).padStart(5, "0")}`,
      metric,
      scopeType,
      scopeId,
      p.start,
      p.end,
      String(value),
      sqlTimestamp(Date.UTC(p.year - 1, 11, 20, 2, 0, 0)),
    ]);
  };
  const roundMoney = (cents: number) => {
    const yuan = cents / 100;
    const unit = yuan > 5_000_000 ? 100_000 : yuan > 500_000 ? 10_000 : 1_000;
    return Math.max(unit, Math.round(yuan / unit) * unit);
  };

  const channelTypeOf = (i: number) => master.channels[i]!.ref.type;
  const revenueOfType = (type: ChannelType) => (m: number) =>
    master.channels.reduce(
      (s, ch) =>
        channelTypeOf(ch.index) === type ? s + (orders.revenueByChannelMonth[ch.index * nMonths + m] as number) : s,
      0,
    );

  for (const year of years) {
    const { quarters, halves, year: fullYear } = periodsOf(year);
    const ambition = year === last.year ? 1.12 : 1.08;
    for (const p of quarters) {
      const rev = actual((m) => orders.revenueByMonth[m] as number, p);
      if (rev > 0)
        write("revenue", "company", null, p, roundMoney(rev * rng.uniform(ambition - 0.12, ambition + 0.04)));
      const online = actual((m) => orders.onlineRevenueByMonth[m] as number, p);
      if (rev > 0)
        write("online_share", "company", null, p, Math.round((online / rev + rng.uniform(0.005, 0.04)) * 1000) / 1000);
      write("satisfaction_score", "company", null, p, Math.round(rng.uniform(4.05, 4.3) * 100) / 100);
    }
    const yearRevenue = actual((m) => orders.revenueByMonth[m] as number, fullYear);
    write("revenue", "company", null, fullYear, roundMoney(yearRevenue * ambition));
    for (const type of CHANNEL_TYPES) {
      const rev = actual(revenueOfType(type), fullYear);
      if (rev > 0)
        write(
          "revenue",
          "channel_type",
          type,
          fullYear,
          roundMoney(rev * rng.uniform(ambition - 0.08, ambition + 0.1)),
        );
    }
    for (const id of ["LIVE-DY", "LIVE-KS", "CNT-XHS", "CGB-MT"]) {
      const index = master.channelIndexById.get(id) as number;
      const rev = actual((m) => orders.revenueByChannelMonth[index * nMonths + m] as number, fullYear);
      if (rev > 0) write("revenue", "channel", id, fullYear, roundMoney(rev * rng.uniform(1.1, 1.35)));
      if (id.startsWith("LIVE"))
        write("satisfaction_score", "channel", id, fullYear, Math.round(rng.uniform(3.8, 4.0) * 100) / 100);
    }
    // Regional ambitions: the biggest markets, and the blind spot the plan wants to open.
    const regionRevenue = master.regions.map((r) =>
      actual((m) => orders.revenueByRegionMonth[r.index * nMonths + m] as number, fullYear),
    );
    const top = master.regions
      .map((r) => r.index)
      .sort((a, b) => (regionRevenue[b] as number) - (regionRevenue[a] as number))
      .slice(0, 5);
    for (const r of top)
      write(
        "revenue",
        "region",
        master.regions[r]!.ref.id,
        fullYear,
        roundMoney((regionRevenue[r] as number) * ambition),
      );
    for (const p of halves) {
      for (const type of ["distributor", "agent", "retailer"]) {
        write("new_outlets", "channel_type", type, p, Math.max(1, Math.round(rng.uniform(1, 2.5) * Math.sqrt(scale))));
      }
    }
    const companyOrders = actual((m) => orders.completedOrdersByMonth[m] as number, fullYear);
    if (companyOrders > 0)
      write(
        "average_order_value",
        "company",
        null,
        fullYear,
        Math.round((yearRevenue / companyOrders / 100) * rng.uniform(1.0, 1.08)),
      );
    write("region_coverage", "company", null, fullYear, year === last.year ? 1 : 0.95);
    write("repeat_purchase_rate", "company", null, fullYear, Math.round(rng.uniform(0.3, 0.4) * 1000) / 1000);
    write(
      "repeat_purchase_rate",
      "channel_type",
      "direct_key_account",
      fullYear,
      Math.round(rng.uniform(0.7, 0.8) * 1000) / 1000,
    );
    write("key_customer_churn_rate", "company", null, fullYear, year === last.year ? 0.06 : 0.08);
    write("referral_rate", "company", null, fullYear, year === last.year ? 0.08 : 0.06);
  }
  return count;
}
