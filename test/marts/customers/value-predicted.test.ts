// The predicted-value model (models/intermediate/customers/int_customer_value_predicted.ts) against the CLV fitter
// called directly: on a generated company large enough to fit, the warehouse's P(alive), expected purchases and
// expected spend are the fitter's own numbers - at the as-of date and at an earlier month end, where only the
// purchases up to that day count.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as clv from "../../../pipelines/transform/clv/index.js";
import predictedModel, {
  expectedPurchases,
  expectedPurchasesByQuadrature,
  fitOptions,
  HORIZON_WEEKS,
  PERIOD_DAYS,
} from "../../../models/intermediate/customers/int_customer_value_predicted.js";
import type { RawFixture, RawRow } from "../../transform/helpers/raw-database.js";
import { buildFixture, type BuiltFixture } from "../helpers/build-fixture.js";
import { customerCompany } from "./helpers/customer-company.js";

interface Purchase {
  customerId: string;
  date: string;
  amount: number;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** 60 customers with regular rhythms, some of whom stop buying: deterministic, enough for both fits. */
function generatedPurchases(): Purchase[] {
  const purchases: Purchase[] = [];
  const start = Date.UTC(2024, 0, 1);
  const end = Date.UTC(2024, 8, 30);
  for (let k = 1; k <= 60; k++) {
    const gapDays = 9 * (1 + (k % 6));
    const stopsAfter = k % 4 === 0 ? 2 + (k % 3) : Number.POSITIVE_INFINITY;
    let day = start + ((k * 5) % 120) * DAY;
    for (let n = 0; day <= end && n < stopsAfter; n++, day += gapDays * DAY) {
      purchases.push({
        customerId: `G-${String(k).padStart(2, "0")}`,
        date: iso(day),
        amount: 60 + 15 * (k % 7) + 10 * (n % 3),
      });
    }
  }
  return purchases;
}

function generatedCompany(purchases: readonly Purchase[]): RawFixture {
  const base = customerCompany();
  const customers = [...new Set(purchases.map((p) => p.customerId))];
  const orders: RawRow[] = purchases.map((p, i) => ({
    order_id: `GO-${i}`,
    ordered_at: `${p.date} 12:00:00`,
    channel_id: "CH-ECOM",
    partner_id: null,
    customer_id: p.customerId,
    ship_to_region_id: "R-E",
    status: "completed",
    currency: "CNY",
  }));
  const lines: RawRow[] = purchases.map((p, i) => ({
    order_line_id: `GL-${i}`,
    order_id: `GO-${i}`,
    product_id: "PR-A",
    quantity: 1,
    unit_price: p.amount.toFixed(2),
    discount_amount: "0.00",
    line_amount: p.amount.toFixed(2),
  }));
  return {
    "order_system.regions": base["order_system.regions"]!,
    // only the channel that sells: a channel without a single order is no part of this test
    "order_system.channels": base["order_system.channels"]!.filter((c) => c["channel_id"] === "CH-ECOM"),
    "order_system.products": base["order_system.products"]!,
    "order_system.price_list": base["order_system.price_list"]!,
    "order_system.orders": orders,
    "order_system.order_lines": lines,
    "crm.customers": customers.map((id) => ({
      customer_id: id,
      customer_type: "consumer",
      name: `Generated ${id}`,
      email: null,
      phone: null,
      address: null,
      region_id: "R-E",
      industry: null,
      age_band: null,
      acquisition_channel_id: "CH-ECOM",
      referred_by_customer_id: null,
      created_at: "2023-12-01 00:00:00",
    })),
  };
}

interface Prediction {
  customer_id: string;
  probability_alive: number;
  expected_purchases_12m: number;
  expected_spend_12m: number;
  repeat_purchase_weeks: number;
}

const purchases = generatedPurchases();
const asOf = purchases
  .map((p) => p.date)
  .sort()
  .at(-1)!;
let built: BuiltFixture;

beforeAll(async () => {
  built = await buildFixture("customer-value-predicted", generatedCompany(purchases));
});

afterAll(() => built?.remove());

/** What the fitter says, fitted at the as-of date and applied to the purchases up to `date`. */
function fitterPredictions(date: string): Map<string, Omit<Prediction, "customer_id">> {
  const fitted = clv.summariseTransactions(purchases, { observationEnd: asOf, periodDays: PERIOD_DAYS });
  const repeat = fitted.filter((s) => s.frequency > 0 && s.monetaryValue > 0);
  const bg = clv.fitBgNbd(fitted, fitOptions(fitted.length));
  const gg = clv.fitGammaGamma(repeat, fitOptions(repeat.length));
  const seen = purchases.filter((p) => p.date <= date);
  const out = new Map<string, Omit<Prediction, "customer_id">>();
  for (const s of clv.summariseTransactions(seen, { observationEnd: date, periodDays: PERIOD_DAYS })) {
    const purchasesExpected = expectedPurchases(clv, bg, HORIZON_WEEKS, s.frequency, s.recency, s.T);
    out.set(String(s.customerId), {
      probability_alive: clv.probabilityAlive(bg, s.frequency, s.recency, s.T),
      expected_purchases_12m: purchasesExpected,
      expected_spend_12m: purchasesExpected * clv.conditionalExpectedAverageProfit(gg, s.frequency, s.monetaryValue),
      repeat_purchase_weeks: s.frequency,
    });
  }
  return out;
}

describe("int_customer_value_predicted", () => {
  it("declares its grain and inputs", () => {
    expect(predictedModel.reads).toEqual([
      "intermediate.int_customer_orders_numbered",
      "intermediate.int_calendar_months",
    ]);
    expect(predictedModel.grain).toMatch(/^one row per customer/);
  });

  it.each([
    ["the as-of date", asOf],
    ["an earlier month end", "2024-06-30"],
  ])("gives the fitter's predictions at %s", async (_label, date) => {
    const rows = await built.query<Prediction & { model_status: string }>(
      `select customer_id, model_status, probability_alive, expected_purchases_12m, expected_spend_12m::double as expected_spend_12m,
              repeat_purchase_weeks
       from intermediate.int_customer_value_predicted where prediction_date = '${date}' order by customer_id`,
    );
    const expected = fitterPredictions(date);
    expect(rows.map((r) => r.customer_id)).toEqual([...expected.keys()].sort());
    for (const row of rows) {
      const want = expected.get(row.customer_id)!;
      expect(row.model_status).toBe("fitted");
      expect(row.repeat_purchase_weeks, row.customer_id).toBe(want.repeat_purchase_weeks);
      expect(row.probability_alive, row.customer_id).toBeCloseTo(want.probability_alive, 10);
      expect(row.expected_purchases_12m, row.customer_id).toBeCloseTo(want.expected_purchases_12m, 10);
      // the mart rounds spend to the cent
      expect(row.expected_spend_12m, row.customer_id).toBeCloseTo(want.expected_spend_12m, 1);
    }
  });

  it("evaluates E[Y(t)] for customers without a repeat purchase when a + b < 1, where 2F1 turns negative", () => {
    // the demo company's fit has a = 0.029, b = 0.876: 2F1(r, b; a + b - 1; z) is negative for x = 0
    const params = { r: 1.1192, alpha: 13.498, a: 0.02948, b: 0.87636 };
    // the same expectation by integrating over the dropout probability p ~ Beta(a, b) of a customer alive at T:
    // E[Y(t) | alive, x = 0] = E_p[(1 - ((alpha + T) / (alpha + T + p t))^r) / p], with u = p^a against the singularity
    const { r, alpha, a, b } = params;
    const [T, t, steps] = [30, HORIZON_WEEKS, 400_000];
    let sum = 0;
    for (let i = 0; i < steps; i++) {
      const p = Math.pow((i + 0.5) / steps, 1 / a);
      const g = p < 1e-12 ? (r * t) / (alpha + T) : (1 - Math.pow((alpha + T) / (alpha + T + p * t), r)) / p;
      sum += g * Math.pow(1 - p, b - 1);
    }
    const beta = Math.exp(clv.lgamma(a) + clv.lgamma(b) - clv.lgamma(a + b));
    const integral = sum / steps / (a * beta);
    expect(expectedPurchases(clv, params, t, 0, 0, T)).toBeCloseTo(integral, 4);
    // the fitter's closed form is what the model uses, here and for customers with repeat purchases
    expect(expectedPurchases(clv, params, t, 0, 0, T)).toBe(clv.expectedTransactions(params, t, 0, 0, T));
    expect(expectedPurchases(clv, params, t, 3, 20, 40)).toBe(clv.expectedTransactions(params, t, 3, 20, 40));
  });

  it("integrates E[Y(t)] numerically where the fitter's series would be too long, agreeing with it where it runs", () => {
    // a bounded dropout density (a, b >= 1): quadrature x P(alive) against the fitter's eq. (10)
    const params = { r: 0.75, alpha: 5.1, a: 1.6, b: 10 };
    for (const [x, tx, T] of [
      [0, 0, 20],
      [3, 15, 40],
      [12, 60, 80],
    ] as const) {
      const quadrature =
        clv.probabilityAlive(params, x, tx, T) * expectedPurchasesByQuadrature(params, HORIZON_WEEKS, x, T);
      const exact = clv.expectedTransactions(params, HORIZON_WEEKS, x, tx, T);
      // within 1e-4 relative: p^(a - 1) is not smooth at 0, which costs Simpson's rule some digits
      expect(Math.abs(quadrature / exact - 1)).toBeLessThan(1e-4);
    }
    // a fit where everyone drops out with (almost) the same probability, a / (a + b) = 0.1233 (a synthetic company of
    // identical rhythms gave it): the fitter's series would need some 40 million terms per customer; the expectation
    // tends to the homogeneous limit P(alive) (1 - ((alpha + T) / (alpha + T + q t))^(r + x)) / q, q = a / (a + b + x)
    const homogeneous = { r: 1.602, alpha: 8.98941, a: 3_049_329.007, b: 21_689_025.152 };
    const [x, tx, T] = [4, 10, 15];
    const q = homogeneous.a / (homogeneous.a + homogeneous.b + x);
    const aliveLimit =
      -Math.expm1(
        (homogeneous.r + x) * Math.log((homogeneous.alpha + T) / (homogeneous.alpha + T + q * HORIZON_WEEKS)),
      ) / q;
    const limit = clv.probabilityAlive(homogeneous, x, tx, T) * aliveLimit;
    expect(expectedPurchases(clv, homogeneous, HORIZON_WEEKS, x, tx, T)).toBeCloseTo(limit, 6);
  });

  it("scores potential value on the predictions", async () => {
    const [row] = await built.query<{ predicted: number; scored: number }>(
      `select count(expected_spend_12m) as predicted, count(potential_value_score) as scored from marts.customer_value_tiers`,
    );
    expect(row?.predicted).toBe(60);
    expect(row?.scored).toBe(60);
  });
});
