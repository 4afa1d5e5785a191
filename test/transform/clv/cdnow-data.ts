/**
 * Loads the CDNOW data set shipped with the lifetimes package (MIT licence, LICENSE_lifetimes.txt), kept in the shared
 * data folder that sits beside the repository: <repo>/../shared/datasets/cdnow_lifetimes/. The folder is located from
 * this file's own location, so the tests work wherever the repository is checked out.
 *
 * Files used:
 * - cdnow_customers_summary.csv: ID, frequency, recency, T (weeks) for the 2,357-customer CDNOW cohort, calibration
 *   period 1997-01-01 .. 1997-09-30 (the data of Fader, Hardie & Lee 2005);
 * - cdnow_customers_summary_with_transactions.csv: ID, x, t_x, T, zbar (mean repeat-transaction value, 2 dp);
 * - CDNOW_sample.txt: the transactions behind both: master id, cohort id, date YYYYMMDD, number of CDs, dollar value.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Transaction } from "../../../pipelines/transform/clv/index.js";

const DATASET_DIR = fileURLToPath(new URL("../../../../shared/datasets/cdnow_lifetimes/", import.meta.url));

function readDatasetFile(name: string): string {
  const path = DATASET_DIR + name;
  if (!existsSync(path)) {
    throw new Error(
      `CDNOW data set not found: expected ${name} in ${DATASET_DIR} ` +
        "(the shared folder ../shared/datasets/cdnow_lifetimes/ beside the repository root).",
    );
  }
  return readFileSync(path, "utf8");
}

function csvRows(name: string): Record<string, string>[] {
  const [header, ...lines] = readDatasetFile(name)
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "");
  const columns = header!.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    if (cells.length !== columns.length) throw new Error(`${name}: malformed line "${line}"`);
    return Object.fromEntries(columns.map((c, i) => [c, cells[i]!]));
  });
}

export interface CdnowSummaryRow {
  id: number;
  frequency: number;
  recency: number;
  T: number;
}

export function loadCdnowSummary(): CdnowSummaryRow[] {
  return csvRows("cdnow_customers_summary.csv").map((r) => ({
    id: Number(r.ID),
    frequency: Number(r.frequency),
    recency: Number(r.recency),
    T: Number(r.T),
  }));
}

export interface CdnowSpendRow extends CdnowSummaryRow {
  monetaryValue: number;
}

export function loadCdnowSummaryWithMonetaryValue(): CdnowSpendRow[] {
  return csvRows("cdnow_customers_summary_with_transactions.csv").map((r) => ({
    id: Number(r.ID),
    frequency: Number(r.x),
    recency: Number(r.t_x),
    T: Number(r.T),
    monetaryValue: Number(r.zbar),
  }));
}

export function loadCdnowTransactions(): Transaction[] {
  return readDatasetFile("CDNOW_sample.txt")
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [, cohortId, date, , amount] = line.trim().split(/\s+/);
      return { customerId: Number(cohortId), date: date!, amount: Number(amount) };
    });
}
