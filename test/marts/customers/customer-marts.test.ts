// Given rows -> expected rows: the customer marts built by the real models over the hand-written customer company
// (helpers/customer-company.ts), compared with numbers worked out by hand in the comments.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, withDatabase } from "../../../pipelines/shared/warehouse/duckdb.js";
import { buildFixture, type BuiltFixture } from "../helpers/build-fixture.js";
import { customerCompany, PERSONAL_VALUES } from "./helpers/customer-company.js";

let built: BuiltFixture;
const query = <T = Record<string, unknown>>(sql: string) => built.query<T>(sql);

beforeAll(async () => {
  built = await buildFixture("customer-marts", customerCompany());
});

afterAll(() => built?.remove());

describe("RFM (marts.customer_rfm)", () => {
  it("scores recency, frequency and monetary in quintiles, ties sharing a score, and names the segment", async () => {
    const rows = await query(
      `select customer_id, recency_days, frequency, monetary::varchar as monetary, recency_score, frequency_score,
              monetary_score, rfm_cell, rfm_segment
       from marts.customer_rfm order by customer_id`,
    );
    // 6 customers; score = 1 + floor(5 x (rank - 1) / 6): rank 1 -> 1, 2 -> 1, 3 -> 2, 4 -> 3, 5 -> 4, 6 -> 5.
    // Recency (days to 2024-06-30), longest silence ranks 1: C-3 157 (1), C-2 117 (2), C-5 112 (3), C-6 29 (4),
    //   C-1 10 (5), C-4 0 (6).
    // Frequency ascending, ties share the lowest rank: C-3 and C-5 1 order (rank 1), C-2 and C-6 2 (rank 3),
    //   C-4 3 (rank 5), C-1 4 (rank 6).
    // Monetary ascending: C-3 100 (1), C-6 200 (2), C-4 300 (3), C-1 500 (4), C-2 600 (5), C-5 1000 (6).
    // Segments from the R x F grid: C-1 R4 F5 and C-4 R5 F4 champions; C-2 R1 F2 and C-3 R1 F1 lost;
    //   C-5 R2 F1 hibernating; C-6 R3 F2 about_to_sleep.
    expect(rows).toEqual([
      row("C-1", 10, 4, "500.00", 4, 5, 3, "champions"),
      row("C-2", 117, 2, "600.00", 1, 2, 4, "lost"),
      row("C-3", 157, 1, "100.00", 1, 1, 1, "lost"),
      row("C-4", 0, 3, "300.00", 5, 4, 2, "champions"),
      row("C-5", 112, 1, "1000.00", 2, 1, 5, "hibernating"),
      row("C-6", 29, 2, "200.00", 3, 2, 1, "about_to_sleep"),
    ]);

    function row(id: string, days: number, orders: number, money: string, r: number, f: number, m: number, s: string) {
      return {
        customer_id: id,
        recency_days: days,
        frequency: orders,
        monetary: money,
        recency_score: r,
        frequency_score: f,
        monetary_score: m,
        rfm_cell: `${r}${f}${m}`,
        rfm_segment: s,
      };
    }
  });
});

describe("cohort retention (marts.customer_cohort_retention)", () => {
  it("follows each first-purchase cohort month by month", async () => {
    const rows = await query(
      `select strftime(cohort_month, '%Y-%m') as cohort, months_since_first_purchase as m, cohort_customers,
              active_customers, round(retention_rate, 4) as retention_rate,
              cumulative_revenue_per_customer::varchar as cumulative_revenue_per_customer
       from marts.customer_cohort_retention order by cohort_month, m`,
    );
    // 2024-01: C-1, C-2, C-3. Feb C-1; Mar C-2 (C-3's March order is cancelled); Apr C-1; May nobody (C-3's
    //   partner resale is no order); Jun C-1. Revenue 500, +100, +300, +100, +0, +200 over 3 customers.
    // 2024-02: C-4 - back in June. 2024-03: C-5 once. 2024-05: C-6 in May and June.
    const third = 0.3333;
    expect(rows).toEqual([
      cohort("2024-01", 0, 3, 3, 1, "166.67"),
      cohort("2024-01", 1, 3, 1, third, "200.00"),
      cohort("2024-01", 2, 3, 1, third, "300.00"),
      cohort("2024-01", 3, 3, 1, third, "333.33"),
      cohort("2024-01", 4, 3, 0, 0, "333.33"),
      cohort("2024-01", 5, 3, 1, third, "400.00"),
      cohort("2024-02", 0, 1, 1, 1, "200.00"),
      cohort("2024-02", 1, 1, 0, 0, "200.00"),
      cohort("2024-02", 2, 1, 0, 0, "200.00"),
      cohort("2024-02", 3, 1, 0, 0, "200.00"),
      cohort("2024-02", 4, 1, 1, 1, "300.00"),
      cohort("2024-03", 0, 1, 1, 1, "1000.00"),
      cohort("2024-03", 1, 1, 0, 0, "1000.00"),
      cohort("2024-03", 2, 1, 0, 0, "1000.00"),
      cohort("2024-03", 3, 1, 0, 0, "1000.00"),
      cohort("2024-05", 0, 1, 1, 1, "100.00"),
      cohort("2024-05", 1, 1, 1, 1, "200.00"),
    ]);

    function cohort(month: string, m: number, size: number, active: number, rate: number, perCustomer: string) {
      return {
        cohort: month,
        m,
        cohort_customers: size,
        active_customers: active,
        retention_rate: rate,
        cumulative_revenue_per_customer: perCustomer,
      };
    }
  });
});

describe("monthly KPIs (marts.customer_kpis_monthly)", () => {
  it("computes the repeat-purchase rate, average order value and purchase frequency of each month", async () => {
    const rows = await query(
      `select strftime(month, '%Y-%m') as month, active_customers, new_customers, orders, revenue::varchar as revenue,
              round(average_order_value, 2) as aov, round(purchase_frequency, 4) as frequency,
              customers_last_12_months as buyers, repeat_customers_last_12_months as repeaters,
              round(repeat_purchase_rate, 4) as repeat_rate
       from marts.customer_kpis_monthly order by month`,
    );
    // Repeat rate = customers with 2+ orders in the 12 months to the month's end / customers with 1+:
    //   Jan C-1, C-2, C-3 once each: 0 / 3. Feb C-1 and C-4 twice: 2 / 4. Mar + C-2 twice, C-5 once: 3 / 5.
    //   Apr the same 3 / 5. May + C-6 once: 3 / 6. Jun C-6 twice: 4 / 6.
    // AOV: Jan (100 + 300 + 100) / 3; Feb 300 / 3; Mar (300 + 1000) / 2; Apr 100; May 100; Jun (200 + 100 + 100) / 3.
    // The sell-in order O-900 (January, 600) names no customer and is in none of these.
    expect(rows).toEqual([
      kpi("2024-01", 3, 3, 3, "500.00", 166.67, 1, 3, 0, 0),
      kpi("2024-02", 2, 1, 3, "300.00", 100, 1.5, 4, 2, 0.5),
      kpi("2024-03", 2, 1, 2, "1300.00", 650, 1, 5, 3, 0.6),
      kpi("2024-04", 1, 0, 1, "100.00", 100, 1, 5, 3, 0.6),
      kpi("2024-05", 1, 1, 1, "100.00", 100, 1, 6, 3, 0.5),
      kpi("2024-06", 3, 0, 3, "400.00", 133.33, 1, 6, 4, 0.6667),
    ]);

    function kpi(
      month: string,
      active: number,
      fresh: number,
      orders: number,
      revenue: string,
      aov: number,
      frequency: number,
      buyers: number,
      repeaters: number,
      rate: number,
    ) {
      return {
        month,
        active_customers: active,
        new_customers: fresh,
        orders,
        revenue,
        aov,
        frequency,
        buyers,
        repeaters,
        repeat_rate: rate,
      };
    }
  });

  it("measures churn on the reference and quiet windows", async () => {
    // June 2024: quiet window Mar-Jun, reference window Mar 2023 - Feb 2024. Its buyers: C-1, C-2, C-3, C-4; all but
    // C-3 ordered again in Mar-Jun -> churn rate 1 / 4. The top 10% by reference spend is ceil(0.4) = 1 customer,
    // C-2 (300), with 1 order there, not 4: no key customer, no key-customer churn rate.
    const [june] = await query(
      `select reference_customers, gone_quiet_customers, churn_rate, key_customers, key_customer_churn_rate
       from marts.customer_kpis_monthly where month = '2024-06-01'`,
    );
    expect(june).toEqual({
      reference_customers: 4,
      gone_quiet_customers: 1,
      churn_rate: 0.25,
      key_customers: 0,
      key_customer_churn_rate: null,
    });
    const churn = await query(
      `select customer_id, churn_status, has_gone_quiet, is_key_customer, days_since_last_order, signal_reasons
       from marts.customer_churn order by customer_id`,
    );
    // C-3 last bought on 25 January: nothing in the last 4 months, something in the last 12 -> at_risk; from 90 days
    // before that order on it had a quality ticket and a negative interaction. C-2's return and detractor survey
    // fall inside its own span (from 6 December).
    expect(churn).toEqual([
      status("C-1", "active", false, 10, null),
      status("C-2", "active", false, 117, "return_defective, survey_detractor, survey_dissatisfied"),
      status("C-3", "at_risk", true, 157, "interaction_negative, ticket_quality"),
      status("C-4", "active", false, 0, null),
      status("C-5", "active", false, 112, null),
      status("C-6", "active", false, 29, null),
    ]);

    function status(id: string, s: string, quiet: boolean, days: number, reasons: string | null) {
      return {
        customer_id: id,
        churn_status: s,
        has_gone_quiet: quiet,
        is_key_customer: false,
        days_since_last_order: days,
        signal_reasons: reasons,
      };
    }
  });
});

describe("churn reasons (marts.churn_reasons)", () => {
  it("compares what the customers gone quiet signalled with what those who stayed did", async () => {
    const rows = await query(
      `select reason, gone_quiet_customers, share_of_gone_quiet, retained_customers, round(share_of_retained, 4) as r
       from marts.churn_reasons where gone_quiet_customers + retained_customers > 0 order by reason`,
    );
    // gone quiet: C-3 (quality ticket, negative interaction); stayed: C-1, C-2, C-4 - C-2 returned a defective unit
    // and answered a survey as a dissatisfied detractor; C-1 and C-4 signalled nothing.
    expect(rows).toEqual([
      { reason: "interaction_negative", gone_quiet_customers: 1, share_of_gone_quiet: 1, retained_customers: 0, r: 0 },
      { reason: "no_signal", gone_quiet_customers: 0, share_of_gone_quiet: 0, retained_customers: 2, r: 0.6667 },
      { reason: "return_defective", gone_quiet_customers: 0, share_of_gone_quiet: 0, retained_customers: 1, r: 0.3333 },
      { reason: "survey_detractor", gone_quiet_customers: 0, share_of_gone_quiet: 0, retained_customers: 1, r: 0.3333 },
      {
        reason: "survey_dissatisfied",
        gone_quiet_customers: 0,
        share_of_gone_quiet: 0,
        retained_customers: 1,
        r: 0.3333,
      },
      { reason: "ticket_quality", gone_quiet_customers: 1, share_of_gone_quiet: 1, retained_customers: 0, r: 0 },
    ]);
  });
});

describe("value tiers (marts.customer_value_tiers)", () => {
  it("ranks current value and, without enough customers to fit the model, tiers on it alone", async () => {
    const rows = await query(
      `select customer_id, value_tier, round(current_value_score, 4) as current_value_score, potential_value_score,
              orders_last_12_months, referred_customers
       from marts.customer_value_tiers order by customer_id`,
    );
    // Last-12-month revenue 500 / 600 / 100 / 300 / 1000 / 200 and margin (revenue - 40 per order) 340 / 520 / 60 /
    // 180 / 960 / 120 rank alike: cume_dist C-3 1/6, C-6 2/6, C-4 3/6, C-1 4/6, C-2 5/6, C-5 6/6.
    // C-5 is top but bought once (not loyal), C-2 is high-value loyal; C-1 referred one customer (not 2);
    // 0.4 <= score: general value; below: long tail, as is C-7 who never bought.
    expect(rows).toEqual([
      tier("C-1", "general_value", 0.6667, 4, 1),
      tier("C-2", "high_value_loyal", 0.8333, 2, 0),
      tier("C-3", "low_value_long_tail", 0.1667, 1, 0),
      tier("C-4", "general_value", 0.5, 3, 0),
      tier("C-5", "general_value", 1, 1, 0),
      tier("C-6", "low_value_long_tail", 0.3333, 2, 0),
      tier("C-7", "low_value_long_tail", 0, 0, 0),
    ]);
    const [predicted] = await query<{ statuses: string }>(
      `select string_agg(distinct model_status) as statuses from intermediate.int_customer_value_predicted`,
    );
    expect(predicted?.statuses).toBe("too_few_customers");

    function tier(id: string, t: string, score: number, orders: number, referred: number) {
      return {
        customer_id: id,
        value_tier: t,
        current_value_score: score,
        potential_value_score: null,
        orders_last_12_months: orders,
        referred_customers: referred,
      };
    }
  });
});

describe("the 360-degree profile (marts.customer_360)", () => {
  it("joins orders, partner resales, returns, service and the completeness of the profile", async () => {
    const rows = await query(
      `select customer_id, orders, lifetime_revenue::varchar as lifetime_revenue, partner_purchases, channels_used,
              channel_ids, strftime(first_purchase_date, '%Y-%m-%d') as first_purchase,
              strftime(last_purchase_date, '%Y-%m-%d') as last_purchase, returns, refund_rate, tickets,
              negative_interactions, referred_customers, profile_fields_filled,
              round(data_completeness_score, 4) as completeness, contact_fields_malformed, is_contactable
       from marts.customer_360 where customer_id in ('C-1', 'C-2', 'C-3', 'C-7') order by customer_id`,
    );
    expect(rows).toEqual([
      // every field filled; referred C-5
      profile("C-1", 4, "500.00", 0, 2, "CH-ECOM, CH-KA", "2024-01-05", "2024-06-20", 0, 0, 0, 0, 1, 7, 1, 0, true),
      // no phone, address or industry: 4 / 7; refund 150 / 600
      profile("C-2", 2, "600.00", 0, 1, "CH-KA", "2024-01-20", "2024-03-05", 1, 0.25, 0, 0, 0, 4, 0.5714, 0, true),
      // its last purchase is the partner resale of 5 May, through the distributor channel; no address: 6 / 7
      profile(
        "C-3",
        1,
        "100.00",
        1,
        2,
        "CH-DIST, CH-ECOM",
        "2024-01-25",
        "2024-05-05",
        0,
        0,
        1,
        1,
        0,
        6,
        0.8571,
        0,
        true,
      ),
      // never bought; no address or age band: 5 / 7; neither contact field is well formed
      profile("C-7", 0, "0.00", 0, 0, null, null, null, 0, null, 0, 0, 0, 5, 0.7143, 2, false),
    ]);

    function profile(
      id: string,
      orders: number,
      revenue: string,
      partnerPurchases: number,
      channelsUsed: number,
      channelIds: string | null,
      first: string | null,
      last: string | null,
      returns: number,
      refundRate: number | null,
      tickets: number,
      negative: number,
      referred: number,
      filled: number,
      completeness: number,
      malformed: number,
      contactable: boolean,
    ) {
      return {
        customer_id: id,
        orders,
        lifetime_revenue: revenue,
        partner_purchases: partnerPurchases,
        channels_used: channelsUsed,
        channel_ids: channelIds,
        first_purchase: first,
        last_purchase: last,
        returns,
        refund_rate: refundRate,
        tickets,
        negative_interactions: negative,
        referred_customers: referred,
        profile_fields_filled: filled,
        completeness,
        contact_fields_malformed: malformed,
        is_contactable: contactable,
      };
    }
  });
});

describe("CRM goals (marts.crm_goal_attainment)", () => {
  it("measures each goal the way its metric is defined, lower-is-better for churn", async () => {
    const rows = await query(
      `select target_id, period_status, round(actual_value, 6) as actual, round(attainment, 6) as attainment,
              is_on_track, is_met
       from marts.crm_goal_attainment order by target_id`,
    );
    expect(rows).toEqual([
      {
        target_id: "TG-1",
        period_status: "in_progress",
        actual: 0.666667,
        attainment: 1.333333,
        is_on_track: true,
        is_met: null,
      },
      { target_id: "TG-2", period_status: "complete", actual: 300, attainment: 1, is_on_track: true, is_met: true },
      {
        target_id: "TG-3",
        period_status: "in_progress",
        actual: 0.333333,
        attainment: 1.666667,
        is_on_track: true,
        is_met: null,
      },
      {
        target_id: "TG-4",
        period_status: "in_progress",
        actual: null,
        attainment: null,
        is_on_track: null,
        is_met: null,
      },
      {
        target_id: "TG-5",
        period_status: "complete",
        actual: 3.5,
        attainment: 0.875,
        is_on_track: false,
        is_met: false,
      },
    ]);
  });
});

describe("voice of the customer (marts.customer_satisfaction_monthly)", () => {
  it("gives satisfaction, NPS and the referral rate per month", async () => {
    const rows = await query(
      `select strftime(month, '%Y-%m') as month, surveys, average_satisfaction_score as satisfaction,
              net_promoter_score as nps, new_customers, referred_new_customers, referral_rate
       from marts.customer_satisfaction_monthly where scope_type = 'company' order by month`,
    );
    // February: a promoter (5, NPS 9); March: a detractor (2, NPS 3) and C-5 created, referred by C-1;
    // May: C-6 created; June: a passive (4, NPS 8) and C-7 created.
    expect(rows).toEqual([
      month("2024-01", 0, null, null, 0, 0, null),
      month("2024-02", 1, 5, 1, 0, 0, null),
      month("2024-03", 1, 2, -1, 1, 1, 1),
      month("2024-04", 0, null, null, 0, 0, null),
      month("2024-05", 0, null, null, 1, 0, 0),
      month("2024-06", 1, 4, 0, 1, 0, 0),
    ]);

    function month(
      m: string,
      surveys: number,
      s: number | null,
      nps: number | null,
      n: number,
      r: number,
      rate: number | null,
    ) {
      return {
        month: m,
        surveys,
        satisfaction: s,
        nps,
        new_customers: n,
        referred_new_customers: r,
        referral_rate: rate,
      };
    }
  });
});

describe("personal data", () => {
  it("no mart carries a customer's name, email, phone or address", async () => {
    await withDatabase(
      built.warehousePath,
      async (connection) => {
        const columns = await queryRows<{ table_name: string; columns: string[] }>(
          connection,
          // marts and the page-shaped reporting tables: everything the site's sources can read
          `select table_schema || '"."' || table_name as table_name, list(column_name order by column_name) as columns
           from information_schema.columns
           where table_schema in ('marts', 'reporting') and data_type = 'VARCHAR' group by all`,
        );
        for (const { table_name, columns: names } of columns) {
          const [row] = await queryRows<{ text: string | null }>(
            connection,
            `select string_agg(concat_ws(' | ', ${names.map((n) => `"${n}"`).join(", ")}), ' | ') as text
             from "${table_name}"`,
          );
          for (const value of PERSONAL_VALUES) expect(row?.text ?? "", table_name).not.toContain(value);
        }
      },
      { readOnly: true },
    );
  });
});
