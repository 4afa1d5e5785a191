import { describe, expect, it } from "vitest";
import { summariseTransactions, type Transaction } from "../../../pipelines/transform/clv/summaries.js";
import { loadCdnowSummaryWithMonetaryValue, loadCdnowTransactions } from "./cdnow-data.js";

// Observation end Sunday 2024-03-31. Calendar weeks run Monday–Sunday (lifetimes / pandas freq "W").
// Mondays: Jan 1, Jan 15, Jan 29, Feb 26, Mar 4, Mar 25 (2024 is a leap year: Feb has 29 days).
const fixture: Transaction[] = [
  { customerId: "A", date: "2024-01-01", amount: 10 }, // Mon, week of Jan 1
  { customerId: "A", date: "2024-01-03", amount: 5 }, //  Wed, same week (not the same day)
  { customerId: "A", date: "20240115", amount: 20 }, //   Mon, week of Jan 15
  { customerId: "A", date: new Date(Date.UTC(2024, 0, 15, 18, 30)), amount: 4 }, // same day, later in the day
  { customerId: "A", date: "2024-02-01", amount: 6 }, // Thu, week of Jan 29
  { customerId: "B", date: "2024-03-10", amount: 50 }, // Sun, week of Mar 4
  { customerId: "B", date: "2024-04-02", amount: 99 }, // after the observation end: dropped
  { customerId: "C", date: "2024-02-26", amount: 8 }, // Mon
  { customerId: "C", date: "2024-03-31", amount: 12 }, // Sun = observation end day: included
  { customerId: "D", date: "2024-04-05", amount: 1 }, // only after the end: no summary at all
];

describe("summariseTransactions (lifetimes' summary_data_from_transaction_data)", () => {
  it("weekly periods: same-week purchases collapse, counts and times in whole calendar weeks", () => {
    expect(summariseTransactions(fixture, { observationEnd: "2024-03-31" })).toEqual([
      // periods Jan 1 (10+5), Jan 15 (20+4), Jan 29 (6); end period Mar 25 (84 days after Jan 1)
      { customerId: "A", frequency: 2, recency: 4, T: 12, monetaryValue: (24 + 6) / 2 },
      // one period Mar 4; Mar 25 − Mar 4 = 21 days
      { customerId: "B", frequency: 0, recency: 0, T: 3, monetaryValue: 0 },
      // periods Feb 26 and Mar 25 (28 days apart); the end period is Mar 25 too
      { customerId: "C", frequency: 1, recency: 4, T: 4, monetaryValue: 12 },
    ]);
  });

  it("daily periods: only same-day purchases collapse", () => {
    expect(summariseTransactions(fixture, { observationEnd: "2024-03-31", periodDays: 1 })).toEqual([
      // days Jan 1 (10), Jan 3 (5), Jan 15 (24), Feb 1 (6): last − first = 31 days, end − first = 90 days
      { customerId: "A", frequency: 3, recency: 31, T: 90, monetaryValue: (5 + 24 + 6) / 3 },
      { customerId: "B", frequency: 0, recency: 0, T: 21, monetaryValue: 0 },
      // Feb 26 → Mar 31 = 34 days
      { customerId: "C", frequency: 1, recency: 34, T: 34, monetaryValue: 12 },
    ]);
  });

  it("freqMultiplier rescales recency and T (days / 7 = the paper's fractional weeks)", () => {
    const [a] = summariseTransactions(fixture, { observationEnd: "2024-03-31", periodDays: 1, freqMultiplier: 7 });
    expect(a).toEqual({ customerId: "A", frequency: 3, recency: 31 / 7, T: 90 / 7, monetaryValue: 35 / 3 });
  });

  it("includeFirstTransaction counts the first period as well", () => {
    const [a] = summariseTransactions(fixture, { observationEnd: "2024-03-31", includeFirstTransaction: true });
    expect(a).toEqual({ customerId: "A", frequency: 3, recency: 4, T: 12, monetaryValue: (15 + 24 + 6) / 3 });
  });

  it("keeps a purchase later in the observation end's own period, as lifetimes does", () => {
    // End Wednesday 2024-03-27 (week of Mar 25): C's Sunday Mar 31 purchase is in that week and still counts.
    const c = summariseTransactions(fixture, { observationEnd: "2024-03-27" }).find((s) => s.customerId === "C");
    expect(c).toEqual({ customerId: "C", frequency: 1, recency: 4, T: 4, monetaryValue: 12 });
  });

  it("rejects bad dates", () => {
    expect(() =>
      summariseTransactions([{ customerId: 1, date: "2024-02-30", amount: 1 }], { observationEnd: "2024-03-01" }),
    ).toThrow(/transaction #0: invalid calendar date/);
  });

  it("rebuilds the CDNOW summaries (frequency, recency, T, zbar) from the raw CDNOW transactions", () => {
    // The paper's cohort: calibration period ends 1997-09-30, time in days / 7, same-day purchases merged.
    const summaries = summariseTransactions(loadCdnowTransactions(), {
      observationEnd: "1997-09-30",
      periodDays: 1,
      freqMultiplier: 7,
    });
    const published = loadCdnowSummaryWithMonetaryValue();
    expect(summaries).toHaveLength(published.length);
    // The CSV holds values rounded to 2 dp: allow 0.005 plus float slack for ties (22.345 was written as 22.35).
    const near = (a: number, b: number) => Math.abs(a - b) <= 0.005 + 1e-9;
    const mismatches = summaries.filter((s, i) => {
      const p = published[i]!;
      return !(
        s.customerId === p.id &&
        s.frequency === p.frequency &&
        near(s.recency, p.recency) &&
        near(s.T, p.T) &&
        near(s.monetaryValue, p.monetaryValue)
      );
    });
    expect(mismatches).toEqual([]);
  });
});
