/**
 * What people buy: product mixes per kind of purchase, quantities, and prices that always
 * respect the floor price valid on the day (except where a planted truth says otherwise).
 */
import type { Channel, MasterData, Partner, PriceVersion, Product } from "./master-data.js";
import type { ProductCategory, ProductMix } from "./reference-data.js";
import type { Rng } from "./random.js";

const MIX_WEIGHTS: Record<ProductMix, Partial<Record<ProductCategory, number>>> = {
  consumer_first: {
    household_purifier: 0.62,
    heater_dispenser: 0.14,
    whole_house: 0.06,
    filter: 0.06,
    accessory: 0.12,
  },
  consumer_repeat: {
    filter: 0.66,
    accessory: 0.16,
    household_purifier: 0.09,
    heater_dispenser: 0.06,
    whole_house: 0.03,
  },
  community: { filter: 0.55, accessory: 0.45 },
  business: { commercial: 0.07, commercial_filter: 0.45, household_purifier: 0.1, filter: 0.28, heater_dispenser: 0.1 },
  partner: { household_purifier: 0.34, filter: 0.38, heater_dispenser: 0.12, whole_house: 0.06, accessory: 0.1 },
};

/** Products available on a day, grouped by category, with their popularity weights. */
export class Catalog {
  private readonly byCategory = new Map<ProductCategory, { products: Product[]; weights: number[] }>();
  private readonly mixCategories = new Map<ProductMix, { categories: ProductCategory[]; weights: number[] }>();

  constructor(master: MasterData, day: number, options: { partnerChannelId?: string } = {}) {
    for (const p of master.products) {
      if (p.launchedDay > day) continue;
      let entry = this.byCategory.get(p.ref.category);
      if (!entry) {
        entry = { products: [], weights: [] };
        this.byCategory.set(p.ref.category, entry);
      }
      entry.products.push(p);
      entry.weights.push(p.ref.popularity);
    }
    for (const [mix, weights] of Object.entries(MIX_WEIGHTS) as [
      ProductMix,
      Partial<Record<ProductCategory, number>>,
    ][]) {
      const categories: ProductCategory[] = [];
      const w: number[] = [];
      for (const [category, weight] of Object.entries(weights) as [ProductCategory, number][]) {
        // Supermarkets do not stock whole-house systems.
        if (mix === "partner" && category === "whole_house" && options.partnerChannelId === "RET-SMKT") continue;
        if (!this.byCategory.has(category)) continue;
        categories.push(category);
        w.push(weight);
      }
      this.mixCategories.set(mix, { categories, weights: w });
    }
  }

  pick(rng: Rng, mix: ProductMix): Product {
    const m = this.mixCategories.get(mix);
    if (!m || m.categories.length === 0) throw new Error(`no products for ${mix}`);
    const category = m.categories[rng.weightedIndex(m.weights)] as ProductCategory;
    const entry = this.byCategory.get(category)!;
    return entry.products[rng.weightedIndex(entry.weights)] as Product;
  }

  /** Up to `count` distinct products. */
  pickDistinct(rng: Rng, mix: ProductMix, count: number): Product[] {
    const out: Product[] = [];
    for (let attempt = 0; out.length < count && attempt < count * 4; attempt++) {
      const p = this.pick(rng, mix);
      if (!out.includes(p)) out.push(p);
    }
    return out;
  }
}

export function consumerQuantity(rng: Rng, product: Product): number {
  switch (product.ref.category) {
    case "filter":
      return rng.weightedIndex([0.5, 0.3, 0.2]) + 1;
    case "accessory":
      return rng.chance(0.75) ? 1 : 2;
    default:
      return rng.chance(0.96) ? 1 : 2;
  }
}

export function businessQuantity(rng: Rng, product: Product): number {
  switch (product.ref.category) {
    case "commercial":
      return product.ref.listPrice > 20_000 ? 1 : rng.int(1, 2);
    case "commercial_filter":
      return rng.int(2, 8);
    case "filter":
      return rng.int(2, 12);
    case "household_purifier":
      return rng.int(1, 5);
    default:
      return rng.int(1, 3);
  }
}

export function sellInQuantity(rng: Rng, product: Product, partner: Partner): number {
  const size = Math.sqrt(partner.volume);
  const base: Record<ProductCategory, [number, number]> = {
    household_purifier: [1, 4],
    filter: [4, 16],
    heater_dispenser: [1, 4],
    whole_house: [1, 2],
    accessory: [4, 16],
    commercial: [1, 2],
    commercial_filter: [4, 12],
  };
  const [lo, hi] = base[product.ref.category];
  return Math.max(1, Math.round(rng.int(lo, hi) * size));
}

export interface PricedLine {
  readonly unitCents: number;
  readonly discountCents: number;
  readonly amountCents: number;
}

/** Promotion festivals deepen online discounts (Double 11, 618, Double 12). */
export function promoDepth(ms: number): number {
  const d = new Date(ms);
  const month = d.getUTCMonth() + 1;
  const dom = d.getUTCDate();
  if ((month === 11 && dom <= 11) || (month === 6 && dom <= 18) || (month === 12 && dom === 12)) return 0.05;
  return 0;
}

/**
 * A direct sale: list price as the unit price and the markdown as the discount, except for key
 * accounts, who get a negotiated unit price and no discount. The effective price never goes
 * under the floor.
 */
export function priceDirectLine(
  rng: Rng,
  channel: Channel,
  price: PriceVersion,
  quantity: number,
  ms: number,
): PricedLine {
  const [lo, hi] = channel.ref.priceRate;
  let rate = rng.uniform(lo, hi);
  if (channel.ref.online) rate -= promoDepth(ms);
  const floorTotal = price.floorCents * quantity;
  if (channel.ref.type === "direct_key_account") {
    const unit = Math.max(price.floorCents, Math.round((price.listCents * rate) / 100) * 100);
    return { unitCents: unit, discountCents: 0, amountCents: unit * quantity };
  }
  const gross = price.listCents * quantity;
  const amount = Math.max(floorTotal, Math.min(gross, Math.round(gross * rate)));
  return { unitCents: price.listCents, discountCents: gross - amount, amountCents: amount };
}

/** Sell-in to a partner: the partner price, with a volume discount for bigger partners. */
export function priceSellInLine(partner: Partner, price: PriceVersion, quantity: number): PricedLine {
  const gross = price.partnerCents * quantity;
  const rate = partner.tier === "strategic" ? 0.03 : partner.tier === "core" ? 0.015 : 0;
  const discount = gross >= 500_000 ? Math.round(gross * rate) : 0;
  return { unitCents: price.partnerCents, discountCents: discount, amountCents: gross - discount };
}

/** A partner's resale price: whole yuan, between just above the floor and the list price. */
export function resaleUnitCents(rng: Rng, price: PriceVersion): number {
  const floorRate = price.floorCents / price.listCents;
  const rate = rng.uniform(Math.min(floorRate + 0.03, 0.97), 0.99);
  return Math.max(price.floorCents + 100, Math.round((price.listCents * rate) / 100) * 100);
}
