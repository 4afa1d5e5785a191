/** Master data as order-system rows (column order as in the contracts). */
import { DAY_MS, type Month, dayOf, isoDate, sqlTimestamp } from "./calendar.js";
import { money, rate } from "./format.js";
import type { MasterData } from "./master-data.js";
import type { RowSink } from "./orders.js";

export interface MasterSinks {
  regions: RowSink;
  channels: RowSink;
  partners: RowSink;
  partner_territories: RowSink;
  products: RowSink;
  price_list: RowSink;
  rebate_policies: RowSink;
}

export function writeMasterRows(
  master: MasterData,
  months: readonly Month[],
  sinks: MasterSinks,
): Record<keyof MasterSinks, number> {
  const counts: Record<keyof MasterSinks, number> = {
    regions: 0,
    channels: 0,
    partners: 0,
    partner_territories: 0,
    products: 0,
    price_list: 0,
    rebate_policies: 0,
  };
  const last = months[months.length - 1] as Month;
  const asOfDay = last.startDay + last.days - 1;
  const historyStart = (months[0] as Month).startDay;
  const at = (day: number, hour = 2) => sqlTimestamp(Math.min(asOfDay, day) * DAY_MS + hour * 3_600_000);

  for (const r of master.regions) {
    sinks.regions.write([
      r.ref.id,
      r.ref.name,
      r.ref.nameZh,
      r.ref.area,
      String(r.ref.populationMillions),
      at(dayOf("2024-01-15")),
    ]);
    counts.regions++;
  }
  for (const c of master.channels) {
    sinks.channels.write([
      c.ref.id,
      c.ref.name,
      c.ref.nameZh,
      c.ref.type,
      c.ref.online ? "true" : "false",
      rate(c.ref.platformFeeRate),
      rate(c.ref.commissionRate),
      money(c.monthlyManagementCents),
      c.ref.launchedOn,
      at(Math.max(c.launchedDay, dayOf("2024-06-30"))),
    ]);
    counts.channels++;
  }
  for (const p of master.partners) {
    let changed = p.signedDay;
    for (const t of p.territories) {
      changed = Math.max(changed, t.validFromDay, t.validToDay ?? 0);
    }
    if (p.terminatedDay !== null) changed = Math.max(changed, p.terminatedDay);
    sinks.partners.write([
      p.id,
      p.name,
      master.channels[p.channelIndex]!.ref.id,
      master.regions[p.homeRegionIndex]!.ref.id,
      p.tier,
      String(p.outletCount),
      isoDate(p.signedDay),
      p.terminatedDay === null ? null : isoDate(p.terminatedDay),
      at(Math.max(changed, historyStart - 200), 3),
    ]);
    counts.partners++;
    for (const t of p.territories) {
      sinks.partner_territories.write([
        p.id,
        master.regions[t.regionIndex]!.ref.id,
        isoDate(t.validFromDay),
        t.validToDay === null ? null : isoDate(t.validToDay),
        at(t.validToDay ?? t.validFromDay, 3),
      ]);
      counts.partner_territories++;
    }
  }
  for (const p of master.products) {
    sinks.products.write([
      p.ref.id,
      p.ref.sku,
      p.ref.name,
      p.ref.nameZh,
      p.ref.category,
      money(p.unitCostCents),
      p.ref.launchedOn,
      at(p.launchedDay - 10),
    ]);
    counts.products++;
    for (const v of p.prices) {
      // A price row is published two weeks before it applies, and touched again when it is closed.
      const touched = v.validToDay === null ? v.validFromDay - 14 : Math.max(v.validFromDay - 14, v.validToDay - 30);
      sinks.price_list.write([
        p.ref.id,
        isoDate(v.validFromDay),
        v.validToDay === null ? null : isoDate(v.validToDay),
        money(v.listCents),
        money(v.partnerCents),
        money(v.floorCents),
        at(touched),
      ]);
      counts.price_list++;
    }
  }
  for (const policy of master.rebatePolicies) {
    const touched = policy.validToDay === null ? policy.validFromDay - 10 : policy.validToDay - 11;
    sinks.rebate_policies.write([
      policy.id,
      master.channels[policy.channelIndex]!.ref.id,
      money(policy.thresholdCents),
      String(policy.rate),
      isoDate(policy.validFromDay),
      policy.validToDay === null ? null : isoDate(policy.validToDay),
      at(touched),
    ]);
    counts.rebate_policies++;
  }
  return counts;
}
