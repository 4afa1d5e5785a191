// The fit diagnostics (marts.customer_value_fit) and the tier rule they choose (marts.customer_value_tiers), built by
// the real models over two generated companies:
// - 5,000 customers who buy on a regular rhythm and never stop: the BG/NBD fit runs to its boundary (nobody drops
//   out, P(alive) = 1.00 for everyone), the mart says so, and the tiers rank potential value by recency and lifetime
//   revenue instead of the degenerate prediction - the shape of a real web shop's export whose model took 190-260 s;
// - 60 customers with rhythms, a quarter of whom stop: an informative fit, and the tiers exactly as the monthly tiers
//   made from the prediction.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWarehouse } from "../../../pipelines/transform/build-warehouse.js";
import { createRawDatabase, queryFile, type RawFixture, type RawRow } from "../../transform/helpers/raw-database.js";
import { projectRoot } from "../helpers/build-fixture.js";
import { customerCompany } from "./helpers/customer-company.js";

interface Purchase {
  customerId: string;
  date: string;
  amount: number;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * 5,000 customers from 2023-07 on, each buying every 3-12 weeks (give or take 5 days, so that histories differ as
 * real ones do) until the end of 2024-09, none ever stopping.
 */
function regularBuyers(): Purchase[] {
  const purchases: Purchase[] = [];
  const start = Date.UTC(2023, 6, 1);
  const end = Date.UTC(2024, 8, 30);
  for (let k = 0; k < 5_000; k++) {
    const gapDays = 7 * (3 + (k % 10));
    for (
      let n = 0, day = start + ((k * 37) % 400) * DAY;
      day <= end;
      n++, day += (gapDays + ((k * 7 + n * 13) % 11) - 5) * DAY
    ) {
      purchases.push({
        customerId: `R-${String(k).padStart(4, "0")}`,
        date: iso(day),
        amount: 50 + 10 * (k % 13) + 5 * (n % 4),
      });
    }
  }
  return purchases;
}

/** 60 customers with regular rhythms, a quarter of whom stop after 2-4 purchases (as value-predicted.test.ts). */
function someStop(): Purchase[] {
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

function company(purchases: readonly Purchase[]): RawFixture {
  const base = customerCompany();
  const customers = [...new Set(purchases.map((p) => p.customerId))];
  const orders: RawRow[] = purchases.map((p, i) => ({
    order_id: `O-${i}`,
    ordered_at: `${p.date} 12:00:00`,
    channel_id: "CH-ECOM",
    partner_id: null,
    customer_id: p.customerId,
    ship_to_region_id: "R-E",
    status: "completed",
    currency: "CNY",
  }));
  const lines: RawRow[] = purchases.map((p, i) => ({
    order_line_id: `L-${i}`,
    order_id: `O-${i}`,
    product_id: "PR-A",
    quantity: 1,
    unit_price: p.amount.toFixed(2),
    discount_amount: "0.00",
    line_amount: p.amount.toFixed(2),
  }));
  return {
    "order_system.regions": base["order_system.regions"]!,
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
      created_at: "2023-06-01 00:00:00",
    })),
  };
}

interface Built {
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** How long the predicted-value model took to build. */
  predictedMs: number;
  remove(): void;
}

/** Builds `fixture` through every model (every YAML test runs), timing the predicted-value model. */
async function build(name: string, fixture: RawFixture): Promise<Built> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  try {
    await createRawDatabase(join(dir, "raw.duckdb"), fixture);
    let predictedMs = Number.NaN;
    await buildWarehouse({
      projectRoot,
      rawPath: join(dir, "raw.duckdb"),
      buildPath: join(dir, "warehouse.duckdb"),
      runId: `${name}-run`,
      onModel: ({ model, ms }) => {
        if (model.model.id === "intermediate.int_customer_value_predicted") predictedMs = ms;
      },
    });
    return {
      query: (sql) => queryFile(join(dir, "warehouse.duckdb"), sql),
      predictedMs,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

interface FitRow {
  model: string;
  fit_status: string;
  customers_seen: number;
  customers_fitted: number;
  customers_predicted: number;
  is_converged: boolean;
  is_at_boundary: boolean;
  boundary_reasons: string | null;
  mean_dropout_probability: number | null;
  share_alive_above_99: number | null;
  repeat_share_alive_above_99: number | null;
  verdict: string;
  verdict_text: string;
  potential_value_basis: string;
}

const fitRows = (built: Built) =>
  built.query<FitRow>(
    `select model, fit_status, customers_seen, customers_fitted, customers_predicted, is_converged, is_at_boundary,
            boundary_reasons, mean_dropout_probability, share_alive_above_99, repeat_share_alive_above_99, verdict,
            verdict_text, potential_value_basis
     from marts.customer_value_fit order by model_order`,
  );

describe("a company whose customers never stop buying (the fit runs to its boundary)", () => {
  let built: Built;
  beforeAll(async () => {
    built = await build("customer-value-fit-boundary", company(regularBuyers()));
  });
  afterAll(() => built?.remove());

  it("is diagnosed as a boundary fit without a churn signal, in words", async () => {
    const [bg, gg] = await fitRows(built);
    expect(bg).toMatchObject({
      model: "bg_nbd",
      fit_status: "fitted",
      customers_seen: 5_000,
      customers_fitted: 5_000,
      customers_predicted: 5_000,
      is_at_boundary: true,
      share_alive_above_99: 1,
      repeat_share_alive_above_99: 1,
      verdict: "uninformative",
      potential_value_basis: "recency_and_lifetime_revenue",
    });
    expect(bg!.mean_dropout_probability).toBeLessThan(1e-4);
    expect(bg!.boundary_reasons).toMatch(/nobody drops out/);
    expect(bg!.verdict_text).toMatch(/^拟合落在参数边界，流失信号无信息：100(\.0)?% .* · Fit at a boundary/);
    // the spend model saw the repeat buyers: all but the few whose first purchase came within one rhythm of the end
    expect(gg).toMatchObject({ model: "gamma_gamma", fit_status: "fitted" });
    expect(gg!.customers_seen).toBeGreaterThan(4_900);
    console.log(
      `[bench] int_customer_value_predicted on 5,000 customers at a boundary fit: ${built.predictedMs} ms ` +
        "(fit, diagnostics, 13 month ends of predictions, table written)",
    );
  });

  it("predicts a finite value for every customer at every month end", async () => {
    const [row] = await built.query<{ rows: number; unfinished: number; statuses: string }>(
      `select count(*) as rows,
              count(*) filter (where not (isfinite(probability_alive) and isfinite(expected_purchases_12m)
                                          and isfinite(expected_spend_12m))) as unfinished,
              string_agg(distinct model_status) as statuses
       from intermediate.int_customer_value_predicted`,
    );
    // (that each customer has a row at each month end since the first purchase is the model's own YAML test)
    expect(row?.rows).toBeGreaterThan(40_000);
    expect(row?.unfinished).toBe(0);
    expect(row?.statuses).toBe("fitted");
  });

  it("tiers by the recency and lifetime-revenue rule, not by the degenerate prediction", async () => {
    // the rule restated from marts.customer_rfm: the mean of the recency (latest highest) and lifetime-revenue
    // cume_dist ranks, then the tier rule on it
    const broken = await built.query(
      `with restated as (
           select customer_id,
                  (cume_dist() over (order by recency_days desc) + cume_dist() over (order by monetary)) / 2 as score
           from marts.customer_rfm
       )
       select tiers.customer_id, tiers.value_tier, tiers.potential_value_score, restated.score
       from marts.customer_value_tiers as tiers
       left join restated using (customer_id)
       where tiers.potential_value_basis <> 'recency_and_lifetime_revenue'
           or tiers.potential_value_score is distinct from restated.score
           or tiers.value_tier <> case
               when tiers.current_value_score >= 0.8 and tiers.orders_last_12_months >= 2 then 'high_value_loyal'
               when restated.score >= 0.8 or tiers.referred_customers >= 2 then 'high_potential_growth'
               when tiers.current_value_score >= 0.4 or restated.score >= 0.4 then 'general_value'
               else 'low_value_long_tail'
           end`,
    );
    expect(broken).toEqual([]);
    // ... which gives other tiers than the prediction did
    const [differ] = await built.query<{ customers: number }>(
      `select count(*) as customers
       from marts.customer_value_tiers as tiers
       inner join intermediate.int_customer_value_tiers_monthly as monthly
           on monthly.customer_id = tiers.customer_id and monthly.month = tiers.as_of_month
       where monthly.value_tier <> tiers.value_tier`,
    );
    expect(differ?.customers).toBeGreaterThan(0);
  });
});

describe("a company where some customers stop (an informative fit)", () => {
  let built: Built;
  beforeAll(async () => {
    built = await build("customer-value-fit-informative", company(someStop()));
  });
  afterAll(() => built?.remove());

  it("is diagnosed informative, and the tiers are the prediction's, as the monthly tiers made them", async () => {
    const [bg] = await fitRows(built);
    expect(bg).toMatchObject({
      model: "bg_nbd",
      fit_status: "fitted",
      customers_seen: 60,
      is_at_boundary: false,
      verdict: "informative",
      potential_value_basis: "predicted_spend",
    });
    expect(bg!.repeat_share_alive_above_99).toBeLessThan(0.95);
    expect(bg!.verdict_text).toMatch(/^拟合有效.* · Informative fit/);
    const differ = await built.query(
      `select tiers.customer_id
       from marts.customer_value_tiers as tiers
       inner join intermediate.int_customer_value_tiers_monthly as monthly
           on monthly.customer_id = tiers.customer_id and monthly.month = tiers.as_of_month
       where monthly.value_tier <> tiers.value_tier
           or monthly.potential_value_score is distinct from tiers.potential_value_score
           or tiers.potential_value_basis <> 'predicted_spend'`,
    );
    expect(differ).toEqual([]);
  });
});
