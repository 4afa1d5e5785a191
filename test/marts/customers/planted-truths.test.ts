// The customer marts against the demo company's manifest: the planted "high-value customers gone quiet" are found
// exactly - the manifest's customers, with the manifest's quiet window, flagged by the key-customer churn alert - and
// are what the plant makes them on any seed: top spenders of the reference window, in the high-value tier at its end,
// without a purchase since; today's tier and churn status follow the last 12 months, which hold only the last 8 months
// of the reference window, so they are asserted with that reason. The clean company raises no alert at all. Both demo
// warehouses are built once per test run by the real pipeline (test/support/demo-warehouse.ts); also checked here: no
// personal data in any mart, and the fit of the predicted-value model on the demo's ~3,000 customers.
import { beforeAll, describe, expect, it } from "vitest";
import type { DemoManifest } from "../../../pipelines/demo-company/index.js";
import { queryRows, withDatabase } from "../../../pipelines/shared/warehouse/duckdb.js";
import { type DemoWarehouse, demoWarehouse, readManifest } from "../../support/demo-warehouse.js";

interface Company {
  readonly warehouse: DemoWarehouse;
  readonly manifest: DemoManifest;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
}

async function company(variant: "planted" | "clean"): Promise<Company> {
  const warehouse = await demoWarehouse(variant);
  return {
    warehouse,
    manifest: readManifest(warehouse),
    query: (sql) => withDatabase(warehouse.warehousePath, (c) => queryRows(c, sql), { readOnly: true }),
  };
}

interface QuietTruth {
  customer_ids: string[];
  count: number;
  quiet_since: string;
  reference_start: string;
  min_orders: number;
  top_share: number;
}

interface Alert {
  customer_id: string;
  churn_status: string;
  value_tier: string;
  value_tier_before_quiet_window: string;
  is_key_customer: boolean;
  orders_reference_window: number;
  revenue_reference_window: number;
  reference_spend_rank: number;
  reference_customers: number;
  quiet_window_start: string;
  reference_window_start: string;
  last_order_date: string;
  /** The first month of the last 12 months (the as-of month and the 11 before it). */
  last_12_months_start: string;
  orders_last_12_months: number;
  revenue_last_12_months: number;
  current_value_score: number;
}

/**
 * How the plant picks its customers (pipelines/demo-company/generator/orders.ts, planQuietWindow): from the top half of
 * the rule's top 10% by reference-window spend, with 2 orders more than the rule's minimum there - well inside the rule,
 * so that any reasonable reading of it finds them. Where in the reference window their orders fall is left to chance.
 */
const PLANT_TOP_SHARE_OF_RULE = 0.5;
const PLANT_ORDERS_ABOVE_RULE = 2;

/** The key-customer churn alerts of marts.customer_churn, with what the manifest's rule checks and today's tier. */
function alerts(c: Company): Promise<Alert[]> {
  return c.query<Alert>(
    `select churn.customer_id, churn.churn_status, churn.value_tier, churn.value_tier_before_quiet_window,
            churn.is_key_customer, churn.orders_reference_window,
            cast(churn.revenue_reference_window as double) as revenue_reference_window,
            churn.reference_spend_rank, churn.reference_customers,
            strftime(churn.quiet_window_start, '%Y-%m-%d') as quiet_window_start,
            strftime(churn.reference_window_start, '%Y-%m-%d') as reference_window_start,
            strftime(churn.last_order_date, '%Y-%m-%d') as last_order_date,
            strftime(tiers.as_of_month - interval 11 month, '%Y-%m-%d') as last_12_months_start,
            tiers.orders_last_12_months,
            cast(tiers.revenue_last_12_months as double) as revenue_last_12_months,
            tiers.current_value_score
     from marts.customer_churn as churn
     left join marts.customer_value_tiers as tiers
         on churn.customer_id = tiers.customer_id
     where churn.is_key_customer_gone_quiet
     order by churn.customer_id`,
  );
}

let companies: Promise<[Company, Company]>;
beforeAll(() => {
  companies = Promise.all([company("planted"), company("clean")]);
  return companies.then(() => undefined);
});

describe("the planted company: high-value customers gone quiet", () => {
  let planted: Company;
  let truth: QuietTruth;
  let found: Alert[];
  beforeAll(async () => {
    [planted] = await companies;
    truth = planted.manifest.planted_truths.truths.high_value_customers_gone_quiet.expected as unknown as QuietTruth;
    found = await alerts(planted);
  });

  it("raises the key-customer churn alert on exactly the manifest's customers", () => {
    expect(truth.count).toBeGreaterThan(0);
    expect(found.map((a) => a.customer_id)).toEqual([...truth.customer_ids].sort());
  });

  it("uses the manifest's windows and thresholds", () => {
    // the rule of the manifest: top 10% by spend in the 12 months before quiet_since, 4+ orders there, none since
    expect(truth.top_share).toBe(0.1);
    for (const alert of found) {
      expect(alert.quiet_window_start).toBe(truth.quiet_since);
      expect(alert.reference_window_start).toBe(truth.reference_start);
      expect(alert.orders_reference_window).toBeGreaterThanOrEqual(truth.min_orders);
      expect(alert.reference_spend_rank).toBeLessThanOrEqual(Math.ceil(truth.top_share * alert.reference_customers));
    }
  });

  it("were the plant's top spenders of the reference window, in the high-value tier at its end", () => {
    // The manifest's rule and our tiers measure the same 12 months here: at the end of the reference window the tiers'
    // last 12 months are the reference window. The plant put every customer in the top 5% of its buyers by spend
    // (spend rank >= 0.95) with 6+ orders there, so current value (the mean of the spend and margin ranks) clears 0.8
    // unless the margin ranks below 0.65 - which a top-5% spender's does not where margins follow spend, as here - and
    // the tier is high-value loyal, on any seed.
    for (const alert of found) {
      expect(alert.reference_spend_rank, alert.customer_id).toBeLessThanOrEqual(
        Math.ceil(truth.top_share * PLANT_TOP_SHARE_OF_RULE * alert.reference_customers),
      );
      expect(alert.orders_reference_window, alert.customer_id).toBeGreaterThanOrEqual(
        truth.min_orders + PLANT_ORDERS_ABOVE_RULE,
      );
      expect(alert, alert.customer_id).toMatchObject({
        is_key_customer: true,
        value_tier_before_quiet_window: "high_value_loyal",
      });
    }
  });

  it("have not bought since they went quiet: at risk, or churned once their last order is over 12 months old", () => {
    // The plant stops them at quiet_since; it does not say when in the reference window they last bought. Churn status
    // counts the last 12 months, which keep only the reference window's last 8 months: a customer whose orders all
    // fell in its first 4 months has none left there and is churned (seed 9173 at scale 2 has one).
    for (const alert of found) {
      expect(alert.last_order_date < truth.quiet_since, alert.customer_id).toBe(true);
      expect(alert.churn_status, alert.customer_id).toBe(
        alert.last_order_date >= alert.last_12_months_start ? "at_risk" : "churned",
      );
    }
  });

  it("stay in the high-value tier today, all but those whose reference-window buying is partly older than 12 months", () => {
    // Today's tier rests on the last 12 months (current value >= 0.8 with 2+ orders there for high-value loyal), which
    // no longer hold the reference window's first 4 months. Every planted customer who leaves the tier has spent less in
    // the last 12 months than in the reference window - bought early in it - and has then fewer than 2 orders or a
    // current value below 0.8 left (seed 7: 1 of 15, with 1 order in the last 12 months; seed 9173 at scale 2: 2 of 30,
    // with 0 and 1).
    const left = found.filter((alert) => alert.value_tier !== "high_value_loyal");
    for (const alert of left) {
      expect(alert.revenue_last_12_months, alert.customer_id).toBeLessThan(alert.revenue_reference_window);
      expect(alert.orders_last_12_months < 2 || alert.current_value_score < 0.8, alert.customer_id).toBe(true);
    }
    if (left.length) {
      console.log(
        `[planted truths] in another tier today, for want of recent orders: ${left
          .map((a) => `${a.customer_id} ${a.value_tier} (${a.orders_last_12_months} orders in 12 months)`)
          .join(", ")}`,
      );
    }
  });

  it("shows them in the 360 profile, and counts them in the key-customer churn rate and the CRM goal", async () => {
    const profiles = await planted.query<{ customer_id: string }>(
      `select customer_id from marts.customer_360 where is_key_customer_gone_quiet order by customer_id`,
    );
    expect(profiles.map((p) => p.customer_id)).toEqual([...truth.customer_ids].sort());
    const [company] = await planted.query<{ key_customers_gone_quiet: number; key_customers: number; rate: number }>(
      `select key_customers_gone_quiet, key_customers, key_customer_churn_rate as rate
       from marts.customer_churn_rates where scope_type = 'company'`,
    );
    expect(company?.key_customers_gone_quiet).toBe(truth.count);
    expect(company?.rate).toBeCloseTo(truth.count / company!.key_customers, 12);
    const [kpis] = await planted.query<{ key_customers_gone_quiet: number }>(
      `select key_customers_gone_quiet from marts.customer_kpis_monthly
       where month = (select max(month) from marts.customer_kpis_monthly)`,
    );
    expect(kpis?.key_customers_gone_quiet).toBe(truth.count);
  });
});

describe("the clean company", () => {
  it("raises no key-customer churn alert", async () => {
    const [, clean] = await companies;
    expect(clean.manifest.planted_truths.truths.high_value_customers_gone_quiet.expected).toBeNull();
    expect(await alerts(clean)).toEqual([]);
    const [company] = await clean.query<{ key_customers: number; key_customers_gone_quiet: number }>(
      `select key_customers, key_customers_gone_quiet from marts.customer_churn_rates where scope_type = 'company'`,
    );
    // there are key customers, and every one of them bought in the quiet window
    expect(company?.key_customers).toBeGreaterThan(0);
    expect(company?.key_customers_gone_quiet).toBe(0);
  });
});

describe("personal data in the demo warehouse", () => {
  // a person's name, email, phone or address; names of channels, partners, regions and tiers are fine
  const PERSONAL_COLUMN =
    /^name$|(^|_)(customer_name|contact_name|full_name|email|e_mail|phone|mobile|telephone|address)$/;

  it("no mart column is a name, email, phone or address, and no mart value is a customer's", async () => {
    const [planted] = await companies;
    await withDatabase(
      planted.warehouse.warehousePath,
      async (connection) => {
        // marts and the page-shaped reporting tables: everything the site's sources can read
        const columns = await queryRows<{ table_name: string; column_name: string; data_type: string }>(
          connection,
          `select table_schema || '"."' || table_name as table_name, column_name, data_type
           from information_schema.columns where table_schema in ('marts', 'reporting')`,
        );
        const personal = columns.filter((c) => PERSONAL_COLUMN.test(c.column_name));
        expect(personal).toEqual([]);

        // every text value of every mart against every customer's email, phone, name and address (trimmed, any case)
        await connection.run(`
          create temp table personal_values as
          select distinct lower(trim(value)) as value
          from core.customers
          cross join unnest([email, phone, customer_name, address]) as t(value)
          where coalesce(trim(value), '') <> ''
        `);
        const [{ n } = { n: 0 }] = await queryRows<{ n: number }>(
          connection,
          `select count(*) as n from personal_values`,
        );
        expect(n).toBeGreaterThan(3_000);
        const text = columns.filter((c) => c.data_type === "VARCHAR");
        const leaks: string[] = [];
        for (const { table_name, column_name } of text) {
          const [found] = await queryRows<{ hits: number }>(
            connection,
            `select count(*) as hits from "${table_name}" as mart
             inner join personal_values on lower(trim(mart."${column_name}")) = personal_values.value`,
          );
          if (found && found.hits > 0) leaks.push(`${table_name}.${column_name}: ${found.hits}`);
        }
        expect(leaks).toEqual([]);
      },
      { readOnly: true },
    );
  });
});

describe("the predicted-value model on the demo company", () => {
  it("is fitted on every customer, quickly", async () => {
    const [planted] = await companies;
    const [table] = await planted.query<{ comment: string }>(
      `select comment from duckdb_tables() where schema_name = 'intermediate' and table_name = 'int_customer_value_predicted'`,
    );
    const fit = /fitted at (\S+) on (\d+) customers .* in (\d+) ms/.exec(table?.comment ?? "");
    expect(fit, table?.comment).not.toBeNull();
    expect(fit![1]).toBe(planted.manifest.history.end);
    expect(Number(fit![2])).toBeGreaterThan(2_000);
    // about 1 s on a laptop; generous for a busy CI machine
    expect(Number(fit![3])).toBeLessThan(30_000);
    const [status] = await planted.query<{ statuses: string; alive: number }>(
      `select string_agg(distinct model_status) as statuses, avg(probability_alive) as alive
       from intermediate.int_customer_value_predicted`,
    );
    expect(status?.statuses).toBe("fitted");
    expect(status?.alive).toBeGreaterThan(0.5);
  });
});
