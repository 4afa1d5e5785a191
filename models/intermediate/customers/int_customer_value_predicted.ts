/**
 * Predicted customer value (潜在价值): a BG/NBD model of whether and how often each customer buys again and a
 * Gamma-Gamma model of how much, fitted with the project's CLV fitter (pipelines/transform/clv) on the purchases of
 * identified customers (intermediate.int_customer_orders_numbered where is_purchase: a cancellation is no purchase, and
 * the spend model needs positive amounts), then applied to every customer's own history at each of the last 13 month
 * ends.
 *
 * - Time unit: calendar weeks (Monday-Sunday, the fitter's periodDays 7): several orders in one week are one purchase
 *   of their summed amount, as in lifetimes. Horizon: the next 12 months = 365.25 / 7 weeks.
 * - One fit, at the as-of date (the latest order date), on up to FIT_SAMPLE_MAX customers (a deterministic hash
 *   sample above that, so the optimisation stays within seconds on millions of customers); the fitted parameters
 *   are applied to each customer's history truncated at each month end (no purchase after that day is seen).
 * - Fewer than MIN_FIT_CUSTOMERS customers, or fewer than MIN_REPEAT_CUSTOMERS repeat buyers for the spend model:
 *   the predictions stay null and model_status says why (tiers then rest on current value alone).
 * - Whether the fit says anything (parameters at a boundary, the spread of P(alive); clv/diagnostics.ts) is written
 *   with the fit into the table comment, after "fit diagnostics: " as JSON, which marts.customer_value_fit reads: the
 *   runner builds one table per model, and the diagnostics belong to this fit.
 *
 * The model imports nothing at load time but types (the project's models folder may be copied elsewhere and built
 * from there); the runner hands it the project, and the fitter is loaded from there when the model is built.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type {
  BgNbdDiagnostics,
  BgNbdParams,
  GammaGammaDiagnostics,
  GammaGammaParams,
  NelderMeadOptions,
} from "../../../pipelines/transform/clv/index.js";
import type { ModelProject, TypeScriptModel } from "../../../pipelines/transform/typescript-model.js";

type Clv = typeof import("../../../pipelines/transform/clv/index.js");

/** Weeks: the fitter's calendar-week periods. */
export const PERIOD_DAYS = 7;
/** The next 12 months, in weeks. */
export const HORIZON_WEEKS = 365.25 / 7;
/** Month ends predicted at: the as-of month and the 12 before it. */
export const PREDICTION_MONTHS = 13;
/** Largest number of customers the two models are fitted on. */
export const FIT_SAMPLE_MAX = 20_000;
/**
 * Optimiser settings for a fit on `customers` customers. The fitter's defaults (an absolute log-likelihood tolerance
 * of 1e-10, 3 starts x 21 runs x 20,000 iterations) cannot converge once the log-likelihood is in the tens of
 * thousands - 1e-10 is then below double precision - and run for minutes; here the tolerance is relative (1e-9 per
 * customer, about 1e-10 of the log-likelihood), parameters are resolved to 1e-6 in log space, and the iterations are
 * bounded.
 */
export function fitOptions(customers: number): NelderMeadOptions {
  return { fTolerance: 1e-9 * Math.max(customers, 1), xTolerance: 1e-6, maxIterations: 2_000, maxRestarts: 2 };
}
/** Below this many customers nothing is fitted. */
export const MIN_FIT_CUSTOMERS = 20;
/** Below this many repeat buyers the spend (Gamma-Gamma) model is not fitted. */
export const MIN_REPEAT_CUSTOMERS = 5;
/** Customers read and predicted per batch. */
const BATCH_CUSTOMERS = 20_000;

/** The project's CLV fitter, loaded when the model is built (see ModelProject). */
const CLV_MODULE = "pipelines/transform/clv/index.ts";

/** FNV-1a hash of a customer id, as a fraction in [0, 1): a sample membership that never changes between runs. */
export function sampleFraction(customerId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) {
    hash ^= customerId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}

/**
 * E[Y(t) | x, t_x, T] (BG/NBD eq. 10), by the fitter's expectedTransactions: its closed form (which also takes x = 0
 * with a + b < 1, where 2F1 turns negative: few customers ever drop out, a valid fit and the demo company's), or its
 * moment series where the fit makes a + b large (a fit at its boundary, where nobody drops out or everybody with the
 * same probability), which is exact and takes a few terms there. Should the fitter refuse a history (its 2F1 series
 * overflowing, say), the expectation is integrated numerically instead (expectedPurchasesByQuadrature) where that
 * can be done.
 */
export function expectedPurchases(clv: Clv, params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  try {
    return clv.expectedTransactions(params, t, x, tx, T);
  } catch (error) {
    if (!(error instanceof RangeError) || !(params.a >= 1 && params.b + x >= 1)) throw error;
    return clv.probabilityAlive(params, x, tx, T) * expectedPurchasesByQuadrature(params, t, x, T);
  }
}

/**
 * E[Y(t) | alive at T, x] for a and b + x >= 1, by Simpson's rule over the dropout probability. Given alive at T,
 * λ ~ Gamma(r + x, α + T) and p ~ Beta(a, b + x) independently, and a customer (λ, p) makes (1 - e^(-λpt)) / p
 * purchases in t on average, so E = E_p[(1 - ((α + T) / (α + T + pt))^(r + x)) / p]. The density is bounded for
 * a, b + x >= 1 and is integrated over its mean ± 12 standard deviations (all of [0, 1] when it is wide).
 */
export function expectedPurchasesByQuadrature(params: BgNbdParams, t: number, x: number, T: number): number {
  const { r, alpha, a, b } = params;
  const beta = b + x;
  if (!(a >= 1 && beta >= 1)) throw new RangeError(`expectedPurchasesByQuadrature: needs a >= 1 and b + x >= 1`);
  const shape = r + x;
  const mean = a / (a + beta);
  const sd = Math.sqrt((a * beta) / ((a + beta) ** 2 * (a + beta + 1)));
  const [lo, hi] = [Math.max(0, mean - 12 * sd), Math.min(1, mean + 12 * sd)];
  const purchases = (p: number) =>
    p < 1e-12 ? (shape * t) / (alpha + T) : -Math.expm1(shape * Math.log((alpha + T) / (alpha + T + p * t))) / p;
  const logDensity = (p: number) =>
    (a === 1 ? 0 : (a - 1) * Math.log(p)) + (beta === 1 ? 0 : (beta - 1) * Math.log1p(-p));
  const steps = 400;
  const h = (hi - lo) / steps;
  const points = Array.from({ length: steps + 1 }, (_, i) => lo + i * h);
  const logs = points.map(logDensity);
  const top = Math.max(...logs.filter(Number.isFinite));
  let weight = 0;
  let total = 0;
  points.forEach((p, i) => {
    const w = (i === 0 || i === steps ? 1 : i % 2 ? 4 : 2) * (Number.isFinite(logs[i]!) ? Math.exp(logs[i]! - top) : 0);
    weight += w;
    total += w * purchases(p);
  });
  return total / weight;
}

/** One optimisation's outcome, as marts.customer_value_fit reports it. */
export interface ModelFit {
  readonly logLikelihood: number;
  /** Customers the model was given (the fit sample; for the spend model its repeat buyers). */
  readonly customersSeen: number;
  /** Customers the optimiser fitted (the fitter's count: the sum of their weights). */
  readonly customersFitted: number;
  readonly iterations: number;
  /** Whether the optimisation met its tolerances within the bounds of fitOptions. */
  readonly converged: boolean;
}

interface Fit {
  readonly status: "fitted" | "too_few_customers" | "spend_model_not_fitted" | "fit_failed";
  /** The parameters the predictions use (null: no prediction). */
  readonly bgnbd: BgNbdParams | null;
  readonly gammaGamma: GammaGammaParams | null;
  readonly sampleShare: number;
  readonly customers: number;
  readonly repeatCustomers: number;
  /** Whether each optimisation met its tolerances within the bounds of fitOptions. */
  readonly converged: boolean;
  readonly ms: number;
  /** Each fit made, with its diagnostics; a spend fit with q <= 1 is reported here though its parameters are unused. */
  readonly bgnbdFit?: ModelFit & { readonly params: BgNbdParams; readonly diagnostics: BgNbdDiagnostics };
  readonly gammaGammaFit?: ModelFit & {
    readonly params: GammaGammaParams;
    readonly diagnostics: GammaGammaDiagnostics;
  };
}

interface DayRow {
  customerId: string;
  /** The purchase day (UTC midnight): the fitter reads a Date without parsing text. */
  date: Date;
  /** The same day as YYYY-MM-DD, to compare with prediction dates. */
  day: string;
  amount: number;
}

/** Customer-day purchase totals, as one sorted temporary table (read back in batches of customers). */
const CUSTOMER_DAYS = "customer_value_predicted_days";
const OUTPUT_ROWS = "customer_value_predicted_rows";

async function readBatches(connection: DuckDBConnection, each: (rows: DayRow[]) => void): Promise<void> {
  const bounds = await connection.runAndReadAll(
    `select customer_id from (
       select customer_id, row_number() over (order by customer_id) as n from (select distinct customer_id from temp.main.${CUSTOMER_DAYS})
     ) where n % ${BATCH_CUSTOMERS} = 0 order by customer_id`,
  );
  const uppers: (string | null)[] = [...bounds.getRowsJS().map((row) => String(row[0])), null];
  let lower: string | null = null;
  for (const upper of uppers) {
    const conditions = [
      lower === null ? "" : `customer_id > '${lower.replaceAll("'", "''")}'`,
      upper === null ? "" : `customer_id <= '${upper.replaceAll("'", "''")}'`,
    ].filter(Boolean);
    const reader = await connection.runAndReadAll(
      `select customer_id, purchase_date, amount from temp.main.${CUSTOMER_DAYS}
       ${conditions.length ? `where ${conditions.join(" and ")}` : ""} order by customer_id, purchase_date`,
    );
    const rows = reader.getRowsJS().map((row) => ({
      customerId: String(row[0]),
      date: new Date(`${String(row[1])}T00:00:00Z`),
      day: String(row[1]),
      amount: Number(row[2]),
    }));
    if (rows.length) each(rows);
    lower = upper;
  }
}

async function fitModels(clv: Clv, connection: DuckDBConnection, asOf: string): Promise<Fit> {
  const started = Date.now();
  const counted = await connection.runAndReadAll(`select count(distinct customer_id) from temp.main.${CUSTOMER_DAYS}`);
  const customers = Number(counted.getRowsJS()[0]?.[0] ?? 0);
  const sampleShare = customers > FIT_SAMPLE_MAX ? FIT_SAMPLE_MAX / customers : 1;
  const summaries: ReturnType<Clv["summariseTransactions"]> = [];
  await readBatches(connection, (rows) => {
    const sampled = sampleShare < 1 ? rows.filter((row) => sampleFraction(row.customerId) < sampleShare) : rows;
    summaries.push(...clv.summariseTransactions(sampled, { observationEnd: asOf, periodDays: PERIOD_DAYS }));
  });
  const repeat = summaries.filter((s) => s.frequency > 0 && s.monetaryValue > 0);
  const base = { sampleShare, customers: summaries.length, repeatCustomers: repeat.length, converged: false };
  if (summaries.length < MIN_FIT_CUSTOMERS || repeat.length === 0) {
    return { ...base, status: "too_few_customers", bgnbd: null, gammaGamma: null, ms: Date.now() - started };
  }
  let bgnbdFit: Fit["bgnbdFit"];
  let gammaGammaFit: Fit["gammaGammaFit"];
  try {
    const bg = clv.fitBgNbd(summaries, fitOptions(summaries.length));
    const bgnbd = { r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b };
    if (![bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b].every(Number.isFinite)) throw new Error("non-finite BG/NBD fit");
    bgnbdFit = {
      params: bgnbd,
      logLikelihood: bg.logLikelihood,
      customersSeen: summaries.length,
      customersFitted: bg.subjects,
      iterations: bg.iterations,
      converged: bg.converged,
      diagnostics: clv.diagnoseBgNbd(bgnbd, summaries),
    };
    let gammaGamma: GammaGammaParams | null = null;
    let converged = bg.converged;
    if (repeat.length >= MIN_REPEAT_CUSTOMERS) {
      const gg = clv.fitGammaGamma(repeat, fitOptions(repeat.length));
      converged &&= gg.converged;
      const params = { p: gg.p, q: gg.q, v: gg.v };
      if ([gg.p, gg.q, gg.v].every(Number.isFinite)) {
        gammaGammaFit = {
          params,
          logLikelihood: gg.logLikelihood,
          customersSeen: repeat.length,
          customersFitted: gg.subjects,
          iterations: gg.iterations,
          converged: gg.converged,
          diagnostics: clv.diagnoseGammaGamma(params),
        };
        // E[M] = p v / (q - 1) is finite only for q > 1
        if (gg.q > 1) gammaGamma = params;
      }
    }
    const status = gammaGamma ? "fitted" : "spend_model_not_fitted";
    return { ...base, status, bgnbd, gammaGamma, converged, bgnbdFit, gammaGammaFit, ms: Date.now() - started };
  } catch {
    // A fit that cannot be made must not stop the warehouse: predictions stay null, tiers use current value.
    return { ...base, status: "fit_failed", bgnbd: null, gammaGamma: null, ms: Date.now() - started };
  }
}

/** What marts.customer_value_fit reads: the fit and its diagnostics as JSON, keys as the mart's columns. */
export function fitDiagnosticsJson(fit: Fit, asOf: string | undefined): string {
  const model = (made: Fit["bgnbdFit"] | Fit["gammaGammaFit"], seen: number) =>
    made
      ? {
          fit_status: "fitted",
          parameters: made.params,
          log_likelihood: made.logLikelihood,
          customers_seen: made.customersSeen,
          customers_fitted: made.customersFitted,
          iterations: made.iterations,
          is_converged: made.converged,
          is_at_boundary: made.diagnostics.atBoundary,
          boundary_reasons: made.diagnostics.boundaryReasons.join("; ") || null,
          verdict: made.diagnostics.verdict,
        }
      : { fit_status: fit.status === "fit_failed" ? "fit_failed" : "not_fitted", customers_seen: seen };
  const bg = fit.bgnbdFit?.diagnostics;
  return JSON.stringify({
    fitted_at: asOf ?? null,
    model_status: fit.status,
    sample_share: fit.sampleShare,
    fit_ms: fit.ms,
    bg_nbd: {
      ...model(fit.bgnbdFit, fit.customers),
      ...(bg && {
        mean_dropout_probability: bg.meanDropout,
        repeat_customers: bg.repeatCustomers,
        share_alive_certain: bg.shareAliveCertain,
        repeat_share_alive_certain: bg.repeatShareAliveCertain,
        repeat_alive_p10: bg.repeatAliveP10,
        repeat_alive_median: bg.repeatAliveMedian,
        repeat_alive_p90: bg.repeatAliveP90,
      }),
    },
    gamma_gamma: model(fit.gammaGammaFit, fit.repeatCustomers),
  });
}

export default {
  grain:
    "one row per customer with a purchase per prediction date (the reference date of the as-of month and of the 12 months before it)",
  reads: ["intermediate.int_customer_orders_numbered", "intermediate.int_calendar_months"],
  async build(connection: DuckDBConnection, target: string, project: ModelProject): Promise<void> {
    const months = await connection.runAndReadAll(
      `select strftime(month, '%Y-%m-%d'), strftime(reference_date, '%Y-%m-%d') from intermediate.int_calendar_months
       where months_before_as_of between 0 and ${PREDICTION_MONTHS - 1} order by month`,
    );
    const predictionDates = months.getRowsJS().map((row) => ({ month: String(row[0]), date: String(row[1]) }));
    const asOf = predictionDates[predictionDates.length - 1]?.date;

    await connection.run(`
      create or replace temp table ${CUSTOMER_DAYS} as
      select customer_id, strftime(order_date, '%Y-%m-%d') as purchase_date, cast(sum(order_amount) as double) as amount
      from intermediate.int_customer_orders_numbered
      where is_purchase
      group by all
      order by customer_id, purchase_date;
      create or replace temp table ${OUTPUT_ROWS} (
        customer_id varchar, month varchar, prediction_date varchar, repeat_purchase_weeks integer,
        recency_weeks double, customer_age_weeks double, average_repeat_spend double, probability_alive double,
        expected_purchases_12m double, expected_average_spend double, expected_spend_12m double,
        is_fit_sample boolean, model_status varchar
      );
    `);

    const clv = await project.importModule<Clv>(CLV_MODULE);
    const fit: Fit = asOf
      ? await fitModels(clv, connection, asOf)
      : {
          status: "too_few_customers",
          bgnbd: null,
          gammaGamma: null,
          sampleShare: 1,
          customers: 0,
          repeatCustomers: 0,
          converged: false,
          ms: 0,
        };

    // P(alive) and E[Y] depend only on (x, t_x, T): customers sharing a pattern share the evaluation. A pattern the
    // formulas cannot evaluate leaves its customers without a prediction (model_status prediction_failed).
    const patterns = new Map<number, [number, number] | null>();
    const appender = await connection.createAppender(OUTPUT_ROWS, "main", "temp");
    try {
      await readBatches(connection, (rows) => {
        for (const { month, date } of predictionDates) {
          const seen = rows.filter((row) => row.day <= date);
          for (const s of clv.summariseTransactions(seen, { observationEnd: date, periodDays: PERIOD_DAYS })) {
            let alive: number | null = null;
            let purchases: number | null = null;
            let averageSpend: number | null = null;
            let status: string = fit.status;
            if (fit.bgnbd) {
              const key = (s.frequency * 10_000 + s.recency) * 10_000 + s.T;
              let pattern = patterns.get(key);
              if (pattern === undefined) {
                try {
                  pattern = [
                    clv.probabilityAlive(fit.bgnbd, s.frequency, s.recency, s.T),
                    expectedPurchases(clv, fit.bgnbd, HORIZON_WEEKS, s.frequency, s.recency, s.T),
                  ];
                  if (!pattern.every(Number.isFinite)) pattern = null;
                } catch {
                  pattern = null;
                }
                patterns.set(key, pattern);
              }
              if (pattern) [alive, purchases] = pattern;
              else status = "prediction_failed";
              if (pattern && fit.gammaGamma)
                averageSpend = clv.conditionalExpectedAverageProfit(fit.gammaGamma, s.frequency, s.monetaryValue);
            }
            appender.appendVarchar(String(s.customerId));
            appender.appendVarchar(month);
            appender.appendVarchar(date);
            appender.appendInteger(s.frequency);
            appender.appendDouble(s.recency);
            appender.appendDouble(s.T);
            appender.appendDouble(s.monetaryValue);
            for (const value of [alive, purchases, averageSpend]) {
              if (value === null) appender.appendNull();
              else appender.appendDouble(value);
            }
            if (purchases === null || averageSpend === null) appender.appendNull();
            else appender.appendDouble(purchases * averageSpend);
            appender.appendBoolean(fit.sampleShare >= 1 || sampleFraction(String(s.customerId)) < fit.sampleShare);
            appender.appendVarchar(status);
            appender.endRow();
          }
        }
      });
      appender.flushSync();
    } finally {
      appender.closeSync();
    }

    const describe = (params: object | null) =>
      params
        ? Object.entries(params)
            .map(([name, value]) => `${name}=${(value as number).toPrecision(6)}`)
            .join(", ")
        : "not fitted";
    const comment =
      `BG/NBD (${describe(fit.bgnbd)}) and Gamma-Gamma (${describe(fit.gammaGamma)}) fitted at ${asOf ?? "-"} on ` +
      `${fit.customers} customers (${fit.repeatCustomers} repeat buyers, sample share ${fit.sampleShare.toFixed(4)}) ` +
      `in ${fit.ms} ms (${fit.converged ? "converged" : "not converged within the iteration bounds"}); ` +
      `weeks; horizon ${HORIZON_WEEKS.toFixed(2)} weeks; fit diagnostics: ${fitDiagnosticsJson(fit, asOf)}`;
    await connection.run(`
      create table ${target} as
      select
          customer_id,
          model_status,
          repeat_purchase_weeks,
          recency_weeks,
          customer_age_weeks,
          average_repeat_spend,
          probability_alive,
          expected_purchases_12m,
          expected_average_spend,
          expected_spend_12m,
          is_fit_sample,
          cast(month as date) as month,
          cast(prediction_date as date) as prediction_date
      from temp.main.${OUTPUT_ROWS}
      order by prediction_date, customer_id;
      comment on table ${target} is '${comment.replaceAll("'", "''")}';
      drop table temp.main.${OUTPUT_ROWS};
      drop table temp.main.${CUSTOMER_DAYS};
    `);
  },
} satisfies TypeScriptModel;
