import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildWarehouse, ModelRunError, ModelTestFailedError } from "../../pipelines/transform/build-warehouse.js";
import { publishWarehouse } from "../../pipelines/publish/publish-warehouse.js";
import { openDatabase, queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { tempDir } from "../helpers/temp-dir.js";

/** A two-model project over one raw table, with a uniqueness test on the mart. */
function writeProject(root: string): string {
  const models = join(root, "models");
  mkdirSync(join(models, "staging", "shop"), { recursive: true });
  mkdirSync(join(models, "marts"), { recursive: true });
  writeFileSync(
    join(models, "staging", "shop", "stg_shop__items.sql"),
    "-- grain: one row per item\nselect item_id, amount from raw.shop.items\n",
  );
  writeFileSync(
    join(models, "marts", "item_totals.sql"),
    "-- grain: one row per item\nselect item_id, sum(amount) as total, count(*) as lines from staging.stg_shop__items group by all\n",
  );
  writeFileSync(
    join(models, "marts", "item_totals.yml"),
    [
      "description: Total per item.",
      "columns:",
      "  item_id:",
      "    tests: [not_null]",
      "tests:",
      "  - expect_no_rows:",
      "      name: an item appears on one line only",
      "      sql: select * from marts.item_totals where lines > 1",
      "  - reconcile:",
      "      name: totals equal staging",
      "      left: select sum(total) from marts.item_totals",
      "      right: select sum(amount) from staging.stg_shop__items",
    ].join("\n"),
  );
  return models;
}

async function writeRaw(path: string, rows: Array<[string, number]>): Promise<void> {
  await withDatabase(path, async (c) => {
    await c.run(
      "create schema if not exists shop; create or replace table shop.items (item_id varchar, amount decimal(18,2))",
    );
    for (const [id, amount] of rows) await c.run("insert into shop.items values ($1, $2)", [id, amount]);
  });
}

describe("build and atomic publish", () => {
  const root = tempDir();
  const modelsDir = writeProject(root);
  const raw = join(root, "raw.duckdb");
  const published = join(root, "warehouse.duckdb");
  const building = join(root, "warehouse.building.duckdb");

  it("publishes a tested build; a failing test blocks publishing and the previous warehouse stays readable", async () => {
    await writeRaw(raw, [
      ["a", 1.5],
      ["b", 2.25],
    ]);
    await buildWarehouse({ projectRoot: root, modelsDir, rawPath: raw, buildPath: building, runId: "run-1" });
    publishWarehouse(building, published);

    // A reader (say an analyst's preview) holds the published warehouse open during the next refresh.
    const reader = await openDatabase(published, { readOnly: true });
    try {
      await writeRaw(raw, [
        ["a", 1.5],
        ["a", 9],
        ["b", 2.25],
      ]);
      const failure = await buildWarehouse({
        projectRoot: root,
        modelsDir,
        rawPath: raw,
        buildPath: building,
        runId: "run-2",
      }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ModelTestFailedError);
      const message = (failure as Error).message;
      expect(message).toContain("marts.item_totals");
      expect(message).toContain("an item appears on one line only");
      expect(message).toContain('"item_id":"a"');

      const rows = await queryRows<{ item_id: string; total: number }>(
        reader.connection,
        "select item_id, total::double as total from marts.item_totals order by 1",
      );
      expect(rows).toEqual([
        { item_id: "a", total: 1.5 },
        { item_id: "b", total: 2.25 },
      ]);
    } finally {
      reader.close();
    }
    // A new reader still sees the last good build.
    await withDatabase(
      published,
      async (c) => {
        const [status] = await queryRows<{ run_id: string }>(c, "select run_id from ops.build_context");
        expect(status?.run_id).toBe("run-1");
      },
      { readOnly: true },
    );
  });

  it("a reader holding the old file keeps reading it while publish swaps in the new one", async () => {
    await writeRaw(raw, [
      ["a", 1.5],
      ["b", 2.25],
    ]);
    await buildWarehouse({ projectRoot: root, modelsDir, rawPath: raw, buildPath: building, runId: "run-3" });
    publishWarehouse(building, published);
    const reader = await openDatabase(published, { readOnly: true });
    try {
      await writeRaw(raw, [
        ["a", 1.5],
        ["b", 2.25],
        ["c", 4],
      ]);
      await buildWarehouse({ projectRoot: root, modelsDir, rawPath: raw, buildPath: building, runId: "run-4" });
      publishWarehouse(building, published);
      const [old] = await queryRows<{ n: number }>(reader.connection, "select count(*) as n from marts.item_totals");
      expect(old?.n).toBe(2);
    } finally {
      reader.close();
    }
    await withDatabase(
      published,
      async (c) => {
        const [fresh] = await queryRows<{ n: number }>(c, "select count(*) as n from marts.item_totals");
        expect(fresh?.n).toBe(3);
      },
      { readOnly: true },
    );
  });

  it("broken model SQL names the model and its file", async () => {
    writeFileSync(
      join(modelsDir, "marts", "broken.sql"),
      "-- grain: one row per item\nselect item_id, amount / nothing_here from staging.stg_shop__items\n",
    );
    try {
      const failure = await buildWarehouse({
        projectRoot: root,
        modelsDir,
        rawPath: raw,
        buildPath: building,
        runId: "run-5",
      }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ModelRunError);
      expect((failure as Error).message).toMatch(/marts\.broken \(models\/marts\/broken\.sql\) failed: .*nothing_here/);
    } finally {
      const { rmSync } = await import("node:fs");
      rmSync(join(modelsDir, "marts", "broken.sql"));
    }
  });
});
