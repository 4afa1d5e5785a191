/**
 * What a partner file may replace is stated by the file itself, in its name
 * (`<anything>_<PARTNER_ID>_<YYYY-MM>[_<anything>].csv|xlsx`), never guessed from its rows. Fixtures are
 * written by hand, shaped like partners' monthly exports.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { templateHead, templateStreams } from "../../pipelines/extract/template-files.js";
import { describeFileLoad, loadFileStream, type FileLoadResult } from "../../pipelines/load/file-loader.js";
import { acceptHeldReplacement, declaredScope } from "../../pipelines/load/file-scope.js";
import { dropFileName } from "../../pipelines/demo-company/index.js";
import { assertReconciles } from "../../pipelines/load/reconciliation.js";
import { partnerDropStream } from "../../pipelines/orchestrate/connect-sources.js";
import { sellThrough, sellThroughFileScope } from "../../pipelines/shared/contracts/partner-files.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { tempDir } from "../helpers/temp-dir.js";

const HEADER = "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id";
const SKUS = ["SKU-1001", "SKU-1002", "SKU-2040", "SKU-3300"];

/** One export line: a sale of `quantity` × `sku` on `date` (YYYY-MM-DD). */
function line(partner: string, saleId: string, date: string, quantity = 1, sku = "SKU-1001"): string {
  const price = "128.00";
  return `${partner},${saleId},${date},${sku},${quantity},${price},${(quantity * 128).toFixed(2)},CN-31,`;
}

/** A partner's month as its DMS exports it: `count` sales spread over the month, ids S<yyyymm>-000001... */
function monthLines(partner: string, month: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const day = String(1 + (i % 28)).padStart(2, "0");
    const id = `S${month.replace("-", "")}-${String(i + 1).padStart(6, "0")}`;
    return line(partner, id, `${month}-${day}`, 1 + (i % 3), SKUS[i % SKUS.length]);
  });
}

function csv(lines: readonly string[]): string {
  return `${HEADER}\r\n${lines.join("\r\n")}\r\n`;
}

describe("the file-name convention <anything>_<PARTNER_ID>_<YYYY-MM>[_<anything>].csv|xlsx", () => {
  it("reads the partner and month a name declares, and nothing from a name that does not follow it", () => {
    const scope = (name: string) => declaredScope(sellThroughFileScope, name);
    expect(scope("sell_through_PA0013_2026-10.csv")).toEqual(["PA0013", "2026-10"]);
    expect(scope("sell_through_PA0013_2026-10_resend.csv")).toEqual(["PA0013", "2026-10"]);
    expect(scope("DMS export_PA0013_2026-10_v2 (final).XLSX")).toEqual(["PA0013", "2026-10"]);
    expect(scope("PA0013_2026-10.xlsx")).toEqual(["PA0013", "2026-10"]);
    for (const undeclared of [
      "late-sales-upload.csv",
      "p1-2026-01.csv", // no underscores: no partner to read
      "sell_through_PA0013_2026-13.csv", // no month 13
      "sell_through_PA0013_2026-10-05.csv", // a day, not a month
      "sell_through_PA0013.csv",
      "sell_through.csv", // the canonical template
    ]) {
      expect(scope(undeclared), undeclared).toBeUndefined();
    }
    // The demo company's partners name their files this way, in every format.
    for (const format of ["csv", "csv_zh", "xlsx", "xlsx_zh"] as const) {
      expect(scope(dropFileName("PA0007", "2026-03", format))).toEqual(["PA0007", "2026-03"]);
    }
  });
});

describe("a partner file replaces only what its name declares", () => {
  const dir = tempDir();
  let dbIndex = 0;

  /** A fresh drop folder and raw database; `load` loads the folder as a refresh does. */
  function setup() {
    const drops = join(dir, `drops-${++dbIndex}`);
    mkdirSync(drops);
    const rawPath = join(dir, `raw-${dbIndex}.duckdb`);
    const drop = (name: string, text: string) => writeFileSync(join(drops, name), text);
    const load = (runId: string, options: { fullRefresh?: boolean } = {}): Promise<FileLoadResult> =>
      withDatabase(rawPath, async (c) => {
        await ensureMetaSchema(c);
        return loadFileStream(c, runId, partnerDropStream(drops), options);
      });
    const accept = (file: string) => withDatabase(rawPath, (c) => acceptHeldReplacement(c, file));
    const query = <T>(sql: string) => withDatabase(rawPath, (c) => queryRows<T>(c, sql));
    const countOf = async (partner: string, month: string) =>
      (
        await query<{ n: number }>(
          `select count(*) as n from partner_files.sell_through
           where partner_id = '${partner}' and strftime(sale_date, '%Y-%m') = '${month}'`,
        )
      )[0]!.n;
    const rawCount = async () =>
      (await query<{ n: number }>("select count(*) as n from partner_files.sell_through"))[0]!.n;
    return { drop, load, accept, query, countOf, rawCount };
  }

  it("a resent one-line file does not silently wipe the partner's month: it is held, reported, and nothing is deleted", async () => {
    const { drop, load, query, countOf } = setup();
    drop("sell_through_PA0013_2026-10.csv", csv(monthLines("PA0013", "2026-10", 41)));
    drop("sell_through_PA0014_2026-10.csv", csv(monthLines("PA0014", "2026-10", 12)));
    expect(await load("run-1")).toMatchObject({ read: 53, loaded: 53, rejected: 0 });
    expect(await countOf("PA0013", "2026-10")).toBe(41);

    // The partner resends one corrected line under a new name.
    drop("sell_through_PA0013_2026-10_resend.csv", csv([line("PA0013", "S202610-000007", "2026-10-07", 2)]));
    await load("run-2");
    expect(await countOf("PA0013", "2026-10")).toBe(41);
    const quarantine = await query<{ location: string; reason: string }>(
      "select location, reason from meta.quarantine where run_id = 'run-2'",
    );
    expect(quarantine).toEqual([
      {
        location: "sell_through_PA0013_2026-10_resend.csv",
        reason: expect.stringMatching(
          /held.*41 rows.*npm run accept-replacement -- sell_through_PA0013_2026-10_resend\.csv/,
        ),
      },
    ]);
    const loads = await query<{ file_name: string; held_reason: string | null }>(
      "select file_name, held_reason from meta.file_loads where run_id = 'run-2'",
    );
    expect(loads).toEqual([
      { file_name: "sell_through_PA0013_2026-10_resend.csv", held_reason: quarantine[0]!.reason },
    ]);
  });

  it("a held replacement is reported, waits, and is applied by the next refresh once accepted; the run says what it replaced", async () => {
    const { drop, load, accept, query, countOf, rawCount } = setup();
    drop("sell_through_PA0013_2026-10.csv", csv(monthLines("PA0013", "2026-10", 41)));
    await load("run-1");
    const resend = "sell_through_PA0013_2026-10_resend.csv";
    drop(resend, csv([line("PA0013", "S202610-000007", "2026-10-07", 2)]));

    // Held: one record read and rejected, nothing applied, and the run output says how to accept it.
    const held = await load("run-2");
    expect(held).toMatchObject({ read: 1, loaded: 0, rejected: 1, superseded: 0, replacements: [] });
    expect(held.loadedFiles).toEqual([
      {
        file: resend,
        encoding: "utf-8",
        read: 1,
        rejected: 1,
        superseded: 0,
        declaredScope: "partner PA0013, month 2026-10",
        heldReason:
          "held, not applied: the file would replace the 41 rows of partner PA0013, month 2026-10 with 1 row, " +
          `under half of them. If that is right, run \`npm run accept-replacement -- ${resend}\` and refresh again; ` +
          "if not, ask the partner for the complete file",
      },
    ]);
    expect(describeFileLoad(held)).toEqual([`  ⏸ ${resend}: ${held.loadedFiles[0]!.heldReason}`]);

    // Not accepted: the next run skips it (it is not reported again every run).
    expect(await load("run-3")).toMatchObject({ read: 0, skippedFiles: ["sell_through_PA0013_2026-10.csv", resend] });
    expect(await countOf("PA0013", "2026-10")).toBe(41);

    await expect(accept("sell_through_PA0099_2026-10.csv")).rejects.toThrow(
      `No held replacement is named sell_through_PA0099_2026-10.csv: the held files are ${resend}.`,
    );
    expect(await accept(resend)).toMatchObject({
      declaredScope: "partner PA0013, month 2026-10",
      alreadyAccepted: false,
    });
    expect(await accept(resend)).toMatchObject({ alreadyAccepted: true });

    const before = await rawCount();
    const applied = await load("run-4");
    expect(applied).toMatchObject({
      read: 1,
      loaded: 1,
      rejected: 0,
      superseded: 41,
      replacements: [{ file: resend, scope: "partner PA0013, month 2026-10", removed: 41, added: 1 }],
    });
    expect(describeFileLoad(applied)).toEqual([
      `  ↻ ${resend} replaced partner PA0013, month 2026-10: 41 rows -> 1 row`,
    ]);
    // Counted from raw: it changed by loaded - superseded.
    expect((await rawCount()) - before).toBe(1 - 41);
    expect(await countOf("PA0013", "2026-10")).toBe(1);
    const loads = await query<{
      run_id: string;
      rows_loaded: number;
      rows_superseded: number;
      held_reason: string | null;
    }>(
      `select run_id, rows_loaded, rows_superseded, held_reason from meta.file_loads
       where file_name = '${resend}' order by run_id`,
    );
    expect(loads).toEqual([
      { run_id: "run-2", rows_loaded: 0, rows_superseded: 0, held_reason: expect.stringMatching(/^held/) },
      { run_id: "run-4", rows_loaded: 1, rows_superseded: 41, held_reason: null },
    ]);
    // Applied once: the run after skips it.
    expect(await load("run-5")).toMatchObject({ read: 0 });

    // A full refresh rebuilds raw from the files in name order, and the acceptance still holds.
    expect(await load("run-6", { fullRefresh: true })).toMatchObject({ read: 42, loaded: 42, superseded: 41 });
    expect(await countOf("PA0013", "2026-10")).toBe(1);
  });

  it("a corrected complete file replaces the month and is counted: file, partner, month, rows out -> rows in", async () => {
    const { drop, load, query, countOf, rawCount } = setup();
    drop("sell_through_PA0013_2026-10.csv", csv(monthLines("PA0013", "2026-10", 41)));
    drop("sell_through_PA0013_2026-09.csv", csv(monthLines("PA0013", "2026-09", 30)));
    await load("run-1");
    // One sale was cancelled, one sale's quantity was wrong: the partner resends the whole month.
    const corrected = monthLines("PA0013", "2026-10", 41).filter((l) => !l.includes("S202610-000040"));
    corrected[6] = line("PA0013", "S202610-000007", "2026-10-07", 9);
    drop("sell_through_PA0013_2026-10_v2.csv", csv(corrected));
    const before = await rawCount();
    const result = await load("run-2");
    expect(result).toMatchObject({
      read: 40,
      loaded: 40,
      superseded: 41,
      replacements: [{ file: "sell_through_PA0013_2026-10_v2.csv", removed: 41, added: 40 }],
    });
    expect((await rawCount()) - before).toBe(40 - 41);
    expect(await countOf("PA0013", "2026-10")).toBe(40);
    expect(await countOf("PA0013", "2026-09")).toBe(30);
    const [row] = await query<{ rows_superseded: number; declared_scope: string }>(
      "select rows_superseded, declared_scope from meta.file_loads where run_id = 'run-2'",
    );
    expect(row).toEqual({ rows_superseded: 41, declared_scope: "partner PA0013, month 2026-10" });
  });

  it("files for the same month in one run apply in name order: each replaces the one before, a partial one is held", async () => {
    const { drop, load, countOf, rawCount } = setup();
    drop("sell_through_PA0013_2026-10.csv", csv(monthLines("PA0013", "2026-10", 20)));
    drop("sell_through_PA0013_2026-10_v2.csv", csv(monthLines("PA0013", "2026-10", 22)));
    drop("sell_through_PA0013_2026-10_v3.csv", csv([line("PA0013", "S202610-000001", "2026-10-01", 7)]));
    const result = await load("run-1");
    // v2's 22 rows replace the first file's 20 (loaded, then superseded); v3 would leave 1 of 22: held.
    expect(result).toMatchObject({ read: 20 + 22 + 1, loaded: 42, rejected: 1, superseded: 20 });
    expect(result.replacements).toEqual([
      { file: "sell_through_PA0013_2026-10_v2.csv", scope: "partner PA0013, month 2026-10", removed: 20, added: 22 },
    ]);
    expect(result.loadedFiles.map((f) => [f.file, f.heldReason !== undefined])).toEqual([
      ["sell_through_PA0013_2026-10.csv", false],
      ["sell_through_PA0013_2026-10_v2.csv", false],
      ["sell_through_PA0013_2026-10_v3.csv", true],
    ]);
    expect(await rawCount()).toBe(22);
    expect(await countOf("PA0013", "2026-10")).toBe(22);
  });

  it("a file none of whose rows can be loaded does not empty a month, however small", async () => {
    const { drop, load, query, countOf } = setup();
    drop("sell_through_PA0013_2026-10.csv", csv(monthLines("PA0013", "2026-10", 3)));
    await load("run-1");
    // A re-export that lost its amount column: every row breaks the contract.
    drop(
      "sell_through_PA0013_2026-10_v2.csv",
      "partner_id,sale_id,sale_date,sku,quantity,unit_price,ship_to_region_id,customer_id\r\n" +
        "PA0013,S202610-000001,2026-10-01,SKU-1001,1,128.00,CN-31,\r\n",
    );
    const result = await load("run-2");
    expect(result).toMatchObject({ read: 1, rejected: 1, superseded: 0 });
    expect(result.loadedFiles[0]?.heldReason).toMatch(
      /^held, not applied: the file would replace the 3 rows of partner PA0013, month 2026-10 with 0 rows \(and 1 row breaking the contract\), leaving it empty/,
    );
    expect(await countOf("PA0013", "2026-10")).toBe(3);
    // Held files are not quarantined row by row until accepted: one record says why.
    const reasons = await query<{ location: string }>("select location from meta.quarantine where run_id = 'run-2'");
    expect(reasons).toEqual([{ location: "sell_through_PA0013_2026-10_v2.csv" }]);
  });

  it("keeps a raw database from before these columns working (meta.file_loads gains them)", async () => {
    const rawPath = join(dir, "raw-old.duckdb");
    await withDatabase(rawPath, async (c) => {
      await c.run(`create schema meta;
        create table meta.file_loads (
          source varchar not null, stream varchar not null, file_name varchar not null, content_sha256 varchar not null,
          encoding varchar not null, run_id varchar not null, rows_read bigint not null, rows_loaded bigint not null,
          rows_rejected bigint not null, loaded_at timestamp not null, schema_drift varchar, rejected_reason varchar);
        insert into meta.file_loads values ('partner_files', 'sell_through', 'old.csv', 'abc', 'utf-8', 'run-0', 1, 1, 0,
          now(), null, null);`);
      await ensureMetaSchema(c);
      const [old] = await queryRows<{ rows_superseded: number; held_reason: string | null }>(
        c,
        "select rows_superseded, held_reason from meta.file_loads",
      );
      expect(old).toEqual({ rows_superseded: 0, held_reason: null });
    });
  });
  it("a stray line for another partner (or another month) is quarantined with the reason, never used to delete", async () => {
    const { drop, load, query, countOf } = setup();
    drop("sell_through_PA0013_2026-10.csv", csv(monthLines("PA0013", "2026-10", 41)));
    await load("run-1");

    drop(
      "sell_through_PA0014_2026-10.csv",
      csv([
        ...monthLines("PA0014", "2026-10", 12),
        line("PA0013", "S202610-000099", "2026-10-15"), // line 14: another partner's sale
        line("PA0014", "S202611-000001", "2026-11-01"), // line 15: next month's sale
      ]),
    );
    expect(await load("run-2")).toMatchObject({ read: 14, loaded: 12, rejected: 2, superseded: 0 });
    expect(await countOf("PA0013", "2026-10")).toBe(41);
    expect(await countOf("PA0014", "2026-10")).toBe(12);
    const quarantine = await query<{ location: string; reason: string; payload: string }>(
      "select location, reason, payload from meta.quarantine where run_id = 'run-2' order by location",
    );
    expect(quarantine.map(({ location, reason }) => ({ location, reason }))).toEqual([
      {
        location: "sell_through_PA0014_2026-10.csv line 14",
        reason:
          "row is for partner PA0013 but the file declares PA0014 (from its name): send it in that partner's file",
      },
      {
        location: "sell_through_PA0014_2026-10.csv line 15",
        reason: "row is for month 2026-11 but the file declares 2026-10 (from its name): send it in that month's file",
      },
    ]);
    expect(JSON.parse(quarantine[0]!.payload)).toMatchObject({ partner_id: "PA0013", sale_id: "S202610-000099" });
  });

  it("a file whose name declares no partner and month replaces nothing: its rows are merged by key", async () => {
    const { drop, load, query, countOf } = setup();
    drop("sell_through_PA0013_2026-10.csv", csv(monthLines("PA0013", "2026-10", 41)));
    await load("run-1");

    // A hand-made upload: one corrected sale and one late sale, no partner or month in the name.
    drop(
      "late-sales-upload.csv",
      csv([line("PA0013", "S202610-000007", "2026-10-07", 5), line("PA0013", "S202610-000042", "2026-10-30")]),
    );
    const result = await load("run-2");
    expect(result).toMatchObject({ read: 2, loaded: 2, rejected: 0, superseded: 1 });
    expect(describeFileLoad(result)).toEqual([
      "  ↻ late-sales-upload.csv: 1 earlier row replaced by rows with the same key",
      "  ! late-sales-upload.csv: its name does not declare what it covers " +
        "(<anything>_<PARTNER_ID>_<YYYY-MM>[_<anything>].csv|xlsx), so it replaced nothing; its rows were merged by key",
    ]);
    expect(await countOf("PA0013", "2026-10")).toBe(42);
    const [corrected] = await query<{ quantity: number }>(
      "select quantity from partner_files.sell_through where sale_id = 'S202610-000007'",
    );
    expect(corrected?.quantity).toBe(5);
  });
});

describe("the canonical templates' sell_through.csv", () => {
  const dir = tempDir();

  it("holds many partners and months in one file, declares no scope, and loads (a changed file merges by key)", async () => {
    const templates = join(dir, "templates");
    mkdirSync(templates);
    const path = join(templates, "sell_through.csv");
    const rows = [
      ...monthLines("PA0001", "2026-01", 5),
      ...monthLines("PA0002", "2026-02", 4),
      ...monthLines("PA0001", "2026-02", 3),
    ];
    writeFileSync(path, templateHead(sellThrough) + rows.join("\n") + "\n");
    const rawPath = join(dir, "raw.duckdb");
    const load = (runId: string) =>
      withDatabase(rawPath, async (c) => {
        await ensureMetaSchema(c);
        const [stream] = templateStreams(templates);
        return loadFileStream(c, runId, stream!);
      });
    expect(await load("run-1")).toMatchObject({ read: 12, loaded: 12, rejected: 0, undeclaredFiles: [] });
    // The company fixes one sale and adds one: the file is loaded again, its rows merged by key.
    rows[0] = line("PA0001", "S202601-000001", "2026-01-01", 9);
    rows.push(line("PA0002", "S202602-000099", "2026-02-27"));
    writeFileSync(path, templateHead(sellThrough) + rows.join("\n") + "\n");
    expect(await load("run-2")).toMatchObject({ read: 13, loaded: 13, rejected: 0, superseded: 12, replacements: [] });
    const [count] = await withDatabase(rawPath, (c) =>
      queryRows<{ n: number; q: number }>(
        c,
        "select count(*) as n, max(quantity) filter (where sale_id = 'S202601-000001') as q from partner_files.sell_through",
      ),
    );
    expect(count).toEqual({ n: 13, q: 9 });
  });
});

describe("reconciliation counts raw itself", () => {
  it("fails a load whose raw row count did not change by rows loaded minus rows superseded, saying so", () => {
    expect(() =>
      assertReconciles("partner_files", "sell_through", {
        read: 42,
        loaded: 42,
        rejected: 0,
        superseded: 0,
        raw: { before: 41, after: 42 },
      }),
    ).toThrow(
      "Load of partner_files.sell_through does not reconcile: raw went from 41 to 42 rows (+1) but the load counts " +
        "42 loaded - 0 superseded = +42. Nothing from this load was kept; run again, and if it persists report it " +
        "with this run's files: the loader miscounted.",
    );
    expect(() =>
      assertReconciles("partner_files", "sell_through", {
        read: 42,
        loaded: 42,
        rejected: 0,
        superseded: 41,
        raw: { before: 41, after: 42 },
      }),
    ).not.toThrow();
  });
});
