/**
 * Master data of the demo company: regions, channels, partners and their authorised
 * territories, products, price lists and rebate policies. Everything here is small (it does not
 * grow with the number of orders) and is held in memory for the whole run.
 */
import { type Month, DAY_MS, dayOf } from "./calendar.js";
import {
  AREA_HUBS,
  CHANNELS,
  type ChannelRef,
  NEGATIVE_CHANNEL_ID,
  NEGATIVE_CHANNEL_MARKETING_RATE,
  NEIGHBOURS,
  PARTNER_NAME_SUFFIX,
  PRODUCTS,
  type ProductRef,
  REGIONS,
  type RegionRef,
  TRADE_NAME_WORDS,
  UNCOVERED_REGION_ID,
} from "./reference-data.js";
import { type Rng, rngFor } from "./random.js";
import type { ChannelType } from "../../shared/contracts/order-system.js";

export interface Region {
  readonly index: number;
  readonly ref: RegionRef;
  /** Consumers' demand weight: population times spending power. */
  readonly demand: number;
}

export interface Channel {
  readonly index: number;
  readonly ref: ChannelRef;
  readonly launchedDay: number;
  readonly launchedMs: number;
  readonly monthlyManagementCents: number;
  readonly marketingRate: number;
  readonly isPartnerChannel: boolean;
}

export type DropFormat = "csv" | "csv_zh" | "xlsx" | "xlsx_zh";

export interface Territory {
  readonly regionIndex: number;
  readonly validFromDay: number;
  /** Inclusive last valid day, or null while open. */
  readonly validToDay: number | null;
}

export interface Partner {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly channelIndex: number;
  readonly channelType: ChannelType;
  readonly homeRegionIndex: number;
  readonly tier: "strategic" | "core" | "standard";
  readonly outletCount: number;
  readonly signedDay: number;
  /** Last day the partner traded, or null. */
  readonly terminatedDay: number | null;
  /** Relative size of its purchases. */
  readonly volume: number;
  readonly dropFormat: DropFormat;
  readonly territories: Territory[];
}

export interface PriceVersion {
  readonly validFromDay: number;
  readonly validToDay: number | null;
  readonly listCents: number;
  readonly partnerCents: number;
  readonly floorCents: number;
}

export interface Product {
  readonly index: number;
  readonly ref: ProductRef;
  readonly unitCostCents: number;
  readonly launchedDay: number;
  readonly prices: PriceVersion[];
}

export interface RebatePolicy {
  readonly id: string;
  readonly channelIndex: number;
  readonly thresholdCents: number;
  readonly rate: number;
  readonly validFromDay: number;
  readonly validToDay: number | null;
}

export interface MasterData {
  readonly regions: Region[];
  readonly channels: Channel[];
  readonly partners: Partner[];
  readonly products: Product[];
  readonly rebatePolicies: RebatePolicy[];
  readonly regionIndexById: Map<string, number>;
  readonly channelIndexById: Map<string, number>;
  /** Index of the region left without outlets when planted; -1 in a clean company. */
  readonly uncoveredRegionIndex: number;
}

export interface MasterDataOptions {
  readonly seed: number;
  readonly scale: number;
  readonly plants: boolean;
  readonly months: readonly Month[];
}

/** How many partners of each kind, for a scale; partners grow with the square root of scale. */
export function partnerCounts(scale: number): Record<string, number> {
  const f = Math.sqrt(Math.max(scale, 0.05));
  return {
    "DIST-NAT": Object.keys(AREA_HUBS).length,
    "DIST-REG": Math.max(3, Math.round(9 * f)),
    "AGENT-CTY": Math.max(2, Math.round(6 * f)),
    "RET-APPL": Math.max(2, Math.round(4 * f)),
    "RET-SMKT": Math.max(2, Math.round(4 * f)),
  };
}

/**
 * Purchases per partner, relative to scale 1: the channel's partners together grow linearly with
 * scale whatever their count (national distributors stay one per area, others grow with sqrt).
 */
export function partnerVolumeFactor(channelId: string, scale: number): number {
  const base = partnerCounts(1)[channelId];
  const now = partnerCounts(scale)[channelId];
  if (!base || !now) throw new Error(`${channelId} is not a partner channel`);
  return (scale * base) / now;
}

const REBATE_TERMS: Record<string, { threshold: number; rates: [number, number] }> = {
  "DIST-NAT": { threshold: 110_000, rates: [0.03, 0.035] },
  "DIST-REG": { threshold: 45_000, rates: [0.025, 0.025] },
  "AGENT-CTY": { threshold: 18_000, rates: [0.02, 0.02] },
  "RET-APPL": { threshold: 38_000, rates: [0.015, 0.02] },
  "RET-SMKT": { threshold: 26_000, rates: [0.01, 0.01] },
};

function pickDistinct(rng: Rng, items: readonly string[], n: number): string[] {
  return rng.shuffle([...items]).slice(0, n);
}

export function buildMasterData(options: MasterDataOptions): MasterData {
  const { seed, scale, plants, months } = options;
  const firstMonth = months[0] as Month;
  const lastMonth = months[months.length - 1] as Month;
  const asOfDay = lastMonth.startDay + lastMonth.days - 1;
  const historyStartDay = firstMonth.startDay;

  const regions: Region[] = REGIONS.map((ref, index) => ({ index, ref, demand: ref.populationMillions * ref.income }));
  const regionIndexById = new Map(regions.map((r) => [r.ref.id, r.index]));
  const regionIdx = (id: string) => {
    const i = regionIndexById.get(id);
    if (i === undefined) throw new Error(`unknown region ${id}`);
    return i;
  };

  const channels: Channel[] = CHANNELS.map((ref, index) => {
    const launchedDay = dayOf(ref.launchedOn);
    return {
      index,
      ref,
      launchedDay,
      launchedMs: launchedDay * DAY_MS,
      // Costs grow with the business so contribution ratios hold at every scale.
      monthlyManagementCents: Math.round(ref.monthlyManagementCost * scale * 100),
      marketingRate: plants && ref.id === NEGATIVE_CHANNEL_ID ? NEGATIVE_CHANNEL_MARKETING_RATE : ref.marketingRate,
      isPartnerChannel: ref.type === "distributor" || ref.type === "agent" || ref.type === "retailer",
    };
  });
  const channelIndexById = new Map(channels.map((c) => [c.ref.id, c.index]));

  // --- products and price lists -------------------------------------------------------------
  const priceRng = rngFor(seed, "price_list");
  const priceChangeDay = dayOf("2026-01-01");
  // Nothing from after the as-of date exists yet: no unlaunched products, no announced future prices.
  const launched = PRODUCTS.filter((ref) => dayOf(ref.launchedOn) <= asOfDay);
  const products: Product[] = launched.map((ref, index) => {
    const launchedDay = dayOf(ref.launchedOn);
    const partnerRate = priceRng.uniform(0.58, 0.62);
    const floorRate = priceRng.uniform(0.72, 0.76);
    const version = (list: number, from: number, to: number | null): PriceVersion => ({
      validFromDay: from,
      validToDay: to,
      listCents: list * 100,
      partnerCents: Math.round(list * partnerRate) * 100,
      floorCents: Math.round(list * floorRate) * 100,
    });
    const prices: PriceVersion[] = [];
    const firstFrom = Math.max(launchedDay, dayOf("2023-01-01"));
    if (ref.increase2026 > 0 && launchedDay < priceChangeDay && priceChangeDay <= asOfDay) {
      prices.push(version(ref.listPrice, firstFrom, priceChangeDay - 1));
      prices.push(version(Math.round(ref.listPrice * (1 + ref.increase2026)), priceChangeDay, null));
    } else {
      prices.push(version(ref.listPrice, firstFrom, null));
    }
    return { index, ref, launchedDay, unitCostCents: Math.round(ref.listPrice * ref.costRate * 100), prices };
  });

  // --- partners and territories -------------------------------------------------------------
  const partnerRng = rngFor(seed, "partners");
  const counts = partnerCounts(scale);
  const partners: Partner[] = [];
  const usedNames = new Set<string>();
  const demandWeights = regions.map((r) => (r.ref.id === UNCOVERED_REGION_ID ? 0 : r.demand));
  const uncovered = regionIdx(UNCOVERED_REGION_ID);

  const partnerName = (rng: Rng, type: ChannelType, regionIndex: number) => {
    const region = regions[regionIndex] as Region;
    for (;;) {
      const city = rng.pick(region.ref.cities);
      const place = city.endsWith("区") ? region.ref.nameZh : city;
      const suffixes = PARTNER_NAME_SUFFIX[type] ?? PARTNER_NAME_SUFFIX.distributor;
      const name = `${place}${rng.pick(TRADE_NAME_WORDS)}${rng.pick(suffixes as readonly string[])}`;
      if (!usedNames.has(name)) {
        usedNames.add(name);
        return name;
      }
    }
  };

  for (const [channelId, count] of Object.entries(counts)) {
    const channel = channels[channelIndexById.get(channelId) as number] as Channel;
    const type = channel.ref.type;
    for (let k = 0; k < count; k++) {
      const index = partners.length;
      const id = `PA${String(index + 1).padStart(4, "0")}`;
      let home: number;
      let tier: Partner["tier"];
      let volume: number;
      let outletCount: number;
      let signedDay: number;
      let terminatedDay: number | null = null;
      const territories: Territory[] = [];
      if (channelId === "DIST-NAT") {
        const area = Object.keys(AREA_HUBS)[k] as string;
        home = regionIdx(AREA_HUBS[area] as string);
        tier = "strategic";
        volume = 3 * partnerRng.uniform(0.8, 1.2);
        outletCount = partnerRng.int(80, 200);
        signedDay = dayOf(`${2016 + partnerRng.int(0, 3)}-0${partnerRng.int(1, 9)}-01`);
        for (const region of regions) {
          if (region.ref.area !== area) continue;
          // The planted blind spot: nobody is authorised in this region.
          if (plants && region.index === uncovered) continue;
          territories.push({ regionIndex: region.index, validFromDay: signedDay, validToDay: null });
        }
      } else {
        home = partnerRng.weightedIndex(demandWeights);
        const weights: Record<string, [number, number]> = {
          "DIST-REG": [1.2, 0.3],
          "AGENT-CTY": [0.45, 0.15],
          "RET-APPL": [1.0, 0.3],
          "RET-SMKT": [0.7, 0.2],
        };
        const [v, spread] = weights[channelId] as [number, number];
        volume = v * partnerRng.uniform(1 - spread * 1.5, 1 + spread * 1.5);
        tier =
          channelId === "AGENT-CTY"
            ? "standard"
            : channelId === "RET-APPL" && k === 0
              ? "strategic"
              : partnerRng.chance(0.45)
                ? "core"
                : "standard";
        if (tier === "core") volume *= 1.25;
        if (tier === "strategic") volume *= 1.6;
        outletCount =
          channelId === "DIST-REG"
            ? partnerRng.int(20, 80)
            : channelId === "AGENT-CTY"
              ? partnerRng.int(3, 15)
              : channelId === "RET-APPL"
                ? partnerRng.int(10, 60)
                : partnerRng.int(20, 150);
        // A quarter of the partners are signed during the history: new outlets to count.
        if (partnerRng.chance(0.22)) {
          const m = months[partnerRng.int(1, 20)] as Month;
          signedDay = m.startDay + partnerRng.int(0, m.days - 1);
        } else {
          const earliest = Math.max(channel.launchedDay, dayOf("2018-01-01"));
          signedDay = earliest + partnerRng.int(0, historyStartDay - 60 - earliest);
        }
        const signedMonth = months.findIndex((m) => signedDay < m.startDay + m.days);
        if (partnerRng.chance(0.1)) {
          const from = Math.max(6, signedMonth + 6);
          if (from <= 22) {
            const m = months[partnerRng.int(from, 22)] as Month;
            terminatedDay = m.startDay + partnerRng.int(0, m.days - 1);
          }
        }
        territories.push({ regionIndex: home, validFromDay: signedDay, validToDay: null });
        const neighbours = (NEIGHBOURS[regions[home]?.ref.id as string] ?? []).filter(
          (id) => id !== UNCOVERED_REGION_ID,
        );
        const extraAtStart =
          channelId === "DIST-REG"
            ? partnerRng.chance(0.5)
              ? 1
              : 0
            : channelId.startsWith("RET")
              ? partnerRng.int(0, 2)
              : 0;
        const chosen = pickDistinct(partnerRng, neighbours, extraAtStart + 1);
        for (let i = 0; i < extraAtStart && i < chosen.length; i++) {
          territories.push({ regionIndex: regionIdx(chosen[i] as string), validFromDay: signedDay, validToDay: null });
        }
        // Territory changes during the history: an extension, and sometimes one withdrawn.
        const spare = chosen[extraAtStart];
        const extendFrom = Math.max(4, signedMonth + 2);
        if (channelId !== "AGENT-CTY" && spare && partnerRng.chance(0.3) && extendFrom <= 18) {
          const m = months[partnerRng.int(extendFrom, 18)] as Month;
          territories.push({ regionIndex: regionIdx(spare), validFromDay: m.startDay, validToDay: null });
        }
        if (territories.length > 1 && partnerRng.chance(0.12)) {
          const m = months[partnerRng.int(10, 20)] as Month;
          const last = territories.length - 1;
          const t = territories[last] as Territory;
          const validToDay = m.startDay + m.days - 1;
          if (validToDay > t.validFromDay + 60) territories[last] = { ...t, validToDay };
        }
      }
      if (terminatedDay !== null) {
        // Authorisation ends with the contract: the last valid day is the last trading day.
        const lastDay = terminatedDay - 1;
        for (let i = territories.length - 1; i >= 0; i--) {
          const t = territories[i] as Territory;
          if (t.validFromDay > lastDay) territories.splice(i, 1);
          else if (t.validToDay === null || t.validToDay > lastDay) territories[i] = { ...t, validToDay: lastDay };
        }
      }
      const formatDraw = partnerRng.float();
      const dropFormat: DropFormat =
        channelId === "DIST-NAT"
          ? "csv"
          : formatDraw < 0.6
            ? "csv"
            : formatDraw < 0.78
              ? "csv_zh"
              : formatDraw < 0.89
                ? "xlsx"
                : "xlsx_zh";
      partners.push({
        index,
        id,
        name: partnerName(partnerRng, type, home),
        channelIndex: channel.index,
        channelType: type,
        homeRegionIndex: home,
        tier,
        outletCount,
        signedDay,
        terminatedDay,
        volume,
        dropFormat,
        territories,
      });
    }
  }
  // Every delivery shape must show up at every scale, so the extract code meets all of them.
  const formats: DropFormat[] = ["csv_zh", "xlsx", "xlsx_zh"];
  const nonNational = partners.filter((p) => channels[p.channelIndex]?.ref.id !== "DIST-NAT");
  formats.forEach((format, i) => {
    if (!partners.some((p) => p.dropFormat === format)) {
      const p = nonNational[nonNational.length - 1 - i] as Partner;
      partners[p.index] = { ...p, dropFormat: format };
    }
  });

  // --- rebate policies ----------------------------------------------------------------------
  const rebatePolicies: RebatePolicy[] = [];
  const rebateChangeDay = dayOf("2026-01-01");
  for (const channel of channels) {
    const terms = REBATE_TERMS[channel.ref.id];
    if (!terms) continue;
    const changes = rebateChangeDay <= asOfDay;
    // The threshold follows a partner's typical purchases, so the same share of partners earns it at any scale.
    const threshold = Math.round((terms.threshold * partnerVolumeFactor(channel.ref.id, scale)) / 1000) * 1000 * 100;
    rebatePolicies.push({
      id: `RB-${channel.ref.id}-2024`,
      channelIndex: channel.index,
      thresholdCents: threshold,
      rate: terms.rates[0],
      validFromDay: dayOf("2024-01-01"),
      validToDay: changes ? rebateChangeDay - 1 : null,
    });
    if (!changes) continue;
    rebatePolicies.push({
      id: `RB-${channel.ref.id}-2026`,
      channelIndex: channel.index,
      thresholdCents: threshold,
      rate: terms.rates[1],
      validFromDay: rebateChangeDay,
      validToDay: null,
    });
  }

  return {
    regions,
    channels,
    partners,
    products,
    rebatePolicies,
    regionIndexById,
    channelIndexById,
    uncoveredRegionIndex: plants ? uncovered : -1,
  };
}

export function priceOn(product: Product, day: number): PriceVersion {
  for (const v of product.prices) {
    if (day >= v.validFromDay && (v.validToDay === null || day <= v.validToDay)) return v;
  }
  throw new Error(`no price for ${product.ref.id} on day ${day}`);
}

/** Trading days: from signing up to the day before termination (terminated_on is the first day without a contract). */
export function partnerActiveOn(partner: Partner, day: number): boolean {
  return day >= partner.signedDay && (partner.terminatedDay === null || day < partner.terminatedDay);
}

/**
 * Territories valid on a day. The last valid day is avoided on purpose (`strict`), so the data
 * reads the same whether a consumer treats `valid_to` as inclusive (as documented) or exclusive.
 */
export function territoriesOn(partner: Partner, day: number, strict = true): Territory[] {
  return partner.territories.filter(
    (t) => day >= t.validFromDay && (t.validToDay === null || (strict ? day < t.validToDay : day <= t.validToDay)),
  );
}

export function rebatePolicyFor(master: MasterData, channelIndex: number, day: number): RebatePolicy | null {
  for (const p of master.rebatePolicies) {
    if (p.channelIndex === channelIndex && day >= p.validFromDay && (p.validToDay === null || day <= p.validToDay))
      return p;
  }
  return null;
}
