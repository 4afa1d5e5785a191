import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildWarehouse } from "../../pipelines/transform/build-warehouse.js";
import { ModelDefinitionError } from "../../pipelines/transform/model-files.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { tempDir } from "../helpers/temp-dir.js";

describe("TypeScript models", () => {
  const root = tempDir();
  const models = join(root, "models");
  mkdirSync(join(models, "staging"), { recursive: true });
  mkdirSync(join(models, "marts"), { recursive: true });
  writeFileSync(
    join(models, "staging", "stg_numbers.sql"),
    "-- grain: one row per number\nselect range as n from range(1, 6)\n",
  );
  // Reads a SQL model, computes in TypeScript, and a SQL model reads it back: the DAG orders all three.
  writeFileSync(
    join(models, "staging", "stg_squares.ts"),
    `export default {
      grain: "one row per number",
      reads: ["staging.stg_numbers"],
      async build(connection, target) {
        const reader = await connection.runAndReadAll("select n from staging.stg_numbers order by n");
        const values = reader.getRowObjectsJS().map((r) => "(" + r.n + ", " + Number(r.n) ** 2 + ")").join(", ");
        await connection.run("create table " + target + " as select * from (values " + values + ") as t(n, square)");
      },
    };`,
  );
  writeFileSync(
    join(models, "marts", "square_total.sql"),
    "-- grain: one row\nselect sum(square) as total from staging.stg_squares\n",
  );
  writeFileSync(
    join(models, "marts", "square_total.yml"),
    "tests:\n  - reconcile: {name: sum of squares 1..5, left: select total from marts.square_total, right: select 55}\n",
  );

  it("runs in dependency order between SQL models and is tested like any other", async () => {
    const warehouse = join(root, "w.duckdb");
    const raw = join(root, "raw.duckdb");
    await withDatabase(raw, async () => undefined);
    const result = await buildWarehouse({
      projectRoot: root,
      modelsDir: models,
      rawPath: raw,
      buildPath: warehouse,
      runId: "r",
    });
    expect(result.models.map((m) => m.model.id)).toEqual([
      "staging.stg_numbers",
      "staging.stg_squares",
      "marts.square_total",
    ]);
    const [row] = await withDatabase(warehouse, (c) =>
      queryRows<{ total: number }>(c, "select total from marts.square_total"),
    );
    expect(row?.total).toBe(55);
  });

  it("a TypeScript model without a default export of { grain, reads, build } is an error naming the file", async () => {
    writeFileSync(join(models, "marts", "broken.ts"), "export const nothing = 1;\n");
    const failure = await buildWarehouse({
      projectRoot: root,
      modelsDir: models,
      rawPath: join(root, "raw.duckdb"),
      buildPath: join(root, "x.duckdb"),
      runId: "r",
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ModelDefinitionError);
    expect((failure as Error).message).toMatch(/models\/marts\/broken\.ts: a TypeScript model must/);
  });
});
