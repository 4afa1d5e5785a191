/**
 * Marketing spend and the traffic it bought, per channel, region and month. Spend follows the
 * revenue the channel made there (budgets chase sales) plus a small awareness budget online;
 * visits follow from each channel's traffic cost.
 */
import { DAY_MS, type Month, isoDate, sqlTimestamp } from "./calendar.js";
import { money } from "./format.js";
import type { MasterData } from "./master-data.js";
import type { OrderGenerator, RowSink } from "./orders.js";
import { rngFor } from "./random.js";

export class MarketingGenerator {
  readonly spendByChannel: Float64Array;
  readonly visitsByChannel: Float64Array;
  rows = 0;
  private readonly averageDemand: number;

  constructor(
    private readonly seed: number,
    private readonly scale: number,
    private readonly master: MasterData,
    private readonly asOfEndMs: number,
  ) {
    this.spendByChannel = new Float64Array(master.channels.length);
    this.visitsByChannel = new Float64Array(master.channels.length);
    this.averageDemand = master.regions.reduce((s, r) => s + r.demand, 0) / master.regions.length;
  }

  generateMonth(month: Month, orders: OrderGenerator, sink: RowSink | null): void {
    const rng = rngFor(this.seed, "marketing", month.index);
    const nRegions = this.master.regions.length;
    const monthDate = isoDate(month.startDay);
    const updated = sqlTimestamp(Math.min(this.asOfEndMs, month.endMs + 5 * DAY_MS + rng.int(0, 86_399) * 1000));
    for (const channel of this.master.channels) {
      if (channel.launchedMs >= month.endMs) continue;
      for (const region of this.master.regions) {
        const revenue = orders.monthChannelRegionRevenue[channel.index * nRegions + region.index] as number;
        const noise = rng.uniform(0.8, 1.2);
        let base = 0;
        if (channel.ref.online && rng.chance(0.5)) {
          base = rng.uniform(50, 200) * (region.demand / this.averageDemand) * this.scale * 100;
        }
        if (revenue <= 0 && base === 0) continue;
        const spend = Math.round(revenue * channel.marketingRate * noise + base);
        if (spend <= 0) continue;
        const visits = Math.max(1, Math.round((spend / 100 / channel.ref.costPerVisit) * rng.uniform(0.85, 1.15)));
        sink?.write([
          `MS${month.compactKey}-${channel.ref.id}-${region.ref.id}`,
          channel.ref.id,
          region.ref.id,
          monthDate,
          money(spend),
          String(visits),
          updated,
        ]);
        this.rows++;
        this.spendByChannel[channel.index]! += spend;
        this.visitsByChannel[channel.index]! += visits;
      }
    }
  }
}
