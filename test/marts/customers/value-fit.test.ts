// The fit diagnostics (marts.customer_value_fit) and the tier rule they choose (every value tier: the monthly tiers
// of intermediate.int_customer_value_tiers_monthly and what rests on them), built by the real models over two
// generated companies:
// - 5,000 customers who buy on a regular rhythm and never stop: the BG/NBD fit runs to its boundary (nobody drops
//   out, P(alive) = 1.00 for everyone), the mart says so, and every month's tiers - so the as-of tiers, last month's
//   tier, the tier movement and churn's tiers - rank potential value by recency and lifetime revenue instead of the
//   degenerate prediction - the shape of a real web shop's export whose model took 190-260 s;
// - 60 customers with rhythms, a quarter of whom stop: an informative fit, and every month's tiers ranked by the
//   prediction.
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

/**
 * Every month's tiers restated from the customer orders, on the fallback rule: potential value is the mean of the
 * cume_dist ranks of recency (days from the last purchase to the month's reference date, the latest buyer highest) and
 * of lifetime revenue to that date, among the customers with a purchase by then; the tier rule on it and the monthly
 * current value. predicted_tier is the same rule on the prediction's rank, what the tiers would be without the
 * fallback.
 */
const RESTATED_MONTHLY_TIERS = `
  with months as (
      select month, reference_date from intermediate.int_calendar_months where months_before_as_of between 0 and 12
  ),
  buyers as (
      select orders.customer_id, months.month,
             date_diff('day', max(orders.order_date) filter (where orders.is_purchase), any_value(months.reference_date))
                 as recency_days,
             sum(orders.order_amount) as lifetime_revenue
      from intermediate.int_customer_orders_numbered as orders
      inner join months on orders.order_date <= months.reference_date
      group by all
  ),
  recency_scored as (
      select customer_id, month,
             (cume_dist() over (partition by month order by recency_days desc)
              + cume_dist() over (partition by month order by lifetime_revenue)) / 2 as recency_score
      from buyers
      where recency_days is not null
  ),
  predicted_scored as (
      select customer_id, month, cume_dist() over (partition by month order by expected_spend_12m) as predicted_score
      from intermediate.int_customer_value_tiers_monthly
      where expected_spend_12m is not null
  ),
  tier_inputs as (
      select monthly.customer_id, monthly.month, monthly.current_value_score, monthly.orders_last_12_months,
             monthly.referred_customers, recency_scored.recency_score, predicted_scored.predicted_score
      from intermediate.int_customer_value_tiers_monthly as monthly
      left join recency_scored using (customer_id, month)
      left join predicted_scored using (customer_id, month)
  )
  select customer_id, month, recency_score,
         case
             when current_value_score >= 0.8 and orders_last_12_months >= 2 then 'high_value_loyal'
             when recency_score >= 0.8 or referred_customers >= 2 then 'high_potential_growth'
             when current_value_score >= 0.4 or recency_score >= 0.4 then 'general_value'
             else 'low_value_long_tail'
         end as tier,
         case
             when current_value_score >= 0.8 and orders_last_12_months >= 2 then 'high_value_loyal'
             when predicted_score >= 0.8 or referred_customers >= 2 then 'high_potential_growth'
             when current_value_score >= 0.4 or predicted_score >= 0.4 then 'general_value'
             else 'low_value_long_tail'
         end as predicted_tier
  from tier_inputs`;

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
  });

  it("tiers every month by the same rule, so last month's tier, the tier movement and churn's tiers follow it", async () => {
    // each query opens the warehouse afresh (read-only), so the restatement comes with it
    const restated = `with restated as (${RESTATED_MONTHLY_TIERS})`;
    const [counts] = await built.query<{ rows: number; months: number; scored: number }>(
      `${restated} select count(*) as rows, count(distinct month) as months, count(recency_score) as scored from restated`,
    );
    expect(counts?.months).toBe(13);
    expect(counts?.scored).toBeGreaterThan(40_000);

    // every month's tier and potential value: the recency and lifetime-revenue rule, restated from the orders
    const monthly = await built.query(
      `${restated}
       select monthly.customer_id, monthly.month, monthly.value_tier, restated.tier, monthly.potential_value_score,
              restated.recency_score, monthly.potential_value_basis
       from intermediate.int_customer_value_tiers_monthly as monthly
       full join restated using (customer_id, month)
       where monthly.potential_value_basis is distinct from 'recency_and_lifetime_revenue'
           or monthly.value_tier is distinct from restated.tier
           or (monthly.potential_value_score is null) <> (restated.recency_score is null)
           or abs(monthly.potential_value_score - restated.recency_score) > 1e-12
       limit 10`,
    );
    expect(monthly).toEqual([]);

    // ... which tiers otherwise than the prediction would have, in the as-of month and in the months before it
    const [differ] = await built.query<{ rows: number; as_of_rows: number; months: number }>(
      `${restated}
       select count(*) as rows, count(*) filter (where month = (select max(month) from restated)) as as_of_rows,
              count(distinct month) as months
       from restated where tier <> predicted_tier`,
    );
    expect(differ?.as_of_rows).toBeGreaterThan(0);
    expect(differ?.months).toBeGreaterThan(1);

    // the as-of tiers and last month's tier are the restated tiers of those months
    const asOf = await built.query(
      `${restated}
       select tiers.customer_id, tiers.value_tier, current_month.tier, tiers.previous_month_tier,
              previous_month.tier as previous_tier
       from marts.customer_value_tiers as tiers
       left join restated as current_month
           on current_month.customer_id = tiers.customer_id and current_month.month = tiers.as_of_month
       left join restated as previous_month
           on previous_month.customer_id = tiers.customer_id
           and previous_month.month = cast(tiers.as_of_month - interval 1 month as date)
       where tiers.value_tier is distinct from current_month.tier
           or tiers.previous_month_tier is distinct from previous_month.tier
       limit 10`,
    );
    expect(asOf).toEqual([]);

    // the tier movement counts the moves between the restated tiers
    const movement = await built.query(
      `${restated},
       with_previous as (
           select month, tier,
                  coalesce(lag(tier) over (partition by customer_id order by month),
                           case when month > min(month) over () then 'none' end) as previous_tier
           from restated
       ),
       moves as (
           select month, previous_tier, tier as value_tier, count(*) as customers
           from with_previous where previous_tier is not null group by all
       )
       select coalesce(moves.month, mart.month) as month, coalesce(moves.previous_tier, mart.previous_tier) as previous_tier,
              coalesce(moves.value_tier, mart.value_tier) as value_tier, moves.customers, mart.customers as mart_customers
       from moves
       full join marts.customer_tier_movement as mart
           on mart.month = moves.month and mart.previous_tier = moves.previous_tier and mart.value_tier = moves.value_tier
       where moves.customers is distinct from mart.customers
       limit 10`,
    );
    expect(movement).toEqual([]);
    const [moved] = await built.query<{ customers: number }>(
      `select sum(customers) as customers from marts.customer_tier_movement where movement in ('up', 'down')`,
    );
    expect(Number(moved?.customers)).toBeGreaterThan(0);

    // churn's tier now and before the quiet window (the end of the reference window, 4 months before the as-of month)
    const churn = await built.query(
      `${restated}
       select churn.customer_id, churn.value_tier, current_month.tier, churn.value_tier_before_quiet_window,
              before_quiet.tier as tier_before_quiet
       from marts.customer_churn as churn
       left join restated as current_month
           on current_month.customer_id = churn.customer_id
           and current_month.month = (select max(month) from restated)
       left join restated as before_quiet
           on before_quiet.customer_id = churn.customer_id
           and before_quiet.month = cast((select max(month) from restated) - interval 4 month as date)
       where churn.value_tier is distinct from current_month.tier
           or churn.value_tier_before_quiet_window is distinct from before_quiet.tier
       limit 10`,
    );
    expect(churn).toEqual([]);
    const [churned] = await built.query<{ customers: number; tiered_before: number }>(
      `select count(*) as customers, count(value_tier_before_quiet_window) as tiered_before from marts.customer_churn`,
    );
    expect(churned?.customers).toBe(5_000);
    expect(churned?.tiered_before).toBeGreaterThan(0);
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
    // every month's potential value is the prediction's rank
    const monthly = await built.query(
      `select customer_id, month, potential_value_basis, potential_value_score
       from (
           select *, cume_dist() over (partition by month order by expected_spend_12m) as predicted_score
           from intermediate.int_customer_value_tiers_monthly
           where expected_spend_12m is not null
       )
       where potential_value_basis <> 'predicted_spend' or potential_value_score is distinct from predicted_score`,
    );
    expect(monthly).toEqual([]);
  });
});
