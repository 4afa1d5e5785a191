// Incremental models (pipelines/transform/incremental.ts): built against the published warehouse, a model declaring
// `incremental` rebuilds only the months whose input rows changed and carries the others over, and the result is the
// table a full build of the same data makes, row for row. Run on the hand-written web shop (real export shapes: guest
// checkouts, negative lines, cancellation documents, no costs), changed as a night's orders change it: a line
// corrected in February, a line deleted in March, a new order in April; then a dimension renamed.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWarehouse } from "../../pipelines/transform/build-warehouse.js";
import { discoverModels } from "../../pipelines/transform/model-files.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { createRawDatabase, type RawFixture } from "./helpers/raw-database.js";
import { projectRoot } from "../marts/helpers/build-fixture.js";
import { webShopCompany } from "../marts/helpers/web-shop-company.js";

const dir = mkdtempSync(join(tmpdir(), "incremental-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let builds = 0;
/** Builds `fixture` into a new warehouse file, on top of `previous` when given; returns the file and the run's notes. */
async function build(fixture: RawFixture, previous?: string): Promise<{ path: string; notes: Map<string, string> }> {
  const n = ++builds;
  const rawPath = join(dir, `raw-${n}.duckdb`);
  const path = join(dir, `warehouse-${n}.duckdb`);
  await createRawDatabase(rawPath, fixture);
  const notes = new Map<string, string>();
  await buildWarehouse({
    projectRoot,
    rawPath,
    buildPath: path,
    runId: `incremental-${n}`,
    ...(previous ? { previousWarehouse: previous } : {}),
    onModel: ({ model, note }) => {
      if (note) notes.set(model.model.id, note);
    },
  });
  return { path, notes };
}

/** The models that declare `incremental`: every one is compared, so a model made incremental later is checked too. */
const incrementalModels = async () =>
  (await discoverModels(projectRoot)).filter((m) => m.spec.incremental).map((m) => m.id);

/** Rows of `table` in one file and not the other, both ways (duplicates counted): none when equal. */
async function differences(left: string, right: string, table: string): Promise<{ rows: number; differing: number }> {
  return withDatabase(":memory:", async (c) => {
    await c.run(`attach '${left}' as l (read_only); attach '${right}' as r (read_only)`);
    const [row] = await queryRows<{ rows: number; differing: number }>(
      c,
      `select (select count(*) from l.${table})::integer as rows,
              ((select count(*) from (select * from l.${table} except all select * from r.${table}))
             + (select count(*) from (select * from r.${table} except all select * from l.${table})))::integer as differing`,
    );
    return row!;
  });
}

/** How the build in `path` made `model` (ops.model_builds). */
async function modelBuild(path: string, model: string) {
  const [row] = await withDatabase(
    path,
    (c) =>
      queryRows<{ built: string; partitions_rebuilt: number | null; partitions: number | null }>(
        c,
        "select built, partitions_rebuilt, partitions from ops.model_builds where model = $1",
        [model],
      ),
    { readOnly: true },
  );
  return row;
}

/** The web shop the next night: a February line corrected, a March line deleted, an April order added. */
function nextNight(): RawFixture {
  const fixture = webShopCompany();
  const lines = fixture["order_system.order_lines"]!;
  const corrected = lines.find((l) => l["order_line_id"] === "L-07")!;
  corrected["quantity"] = 200;
  corrected["line_amount"] = "25.76";
  fixture["order_system.order_lines"] = lines.filter((l) => l["order_line_id"] !== "L-19");
  fixture["order_system.orders"]!.push({
    order_id: "W-1006",
    ordered_at: "2024-04-02 09:30:00",
    channel_id: "CH-WX",
    partner_id: null,
    customer_id: "C-3",
    ship_to_region_id: "R-BJ",
    status: "completed",
    currency: "CNY",
  });
  fixture["order_system.order_lines"].push({
    order_line_id: "L-20",
    order_id: "W-1006",
    product_id: "P-1",
    quantity: 2,
    unit_price: 38.5,
    discount_amount: "0.00",
    line_amount: "77.00",
  });
  return fixture;
}

describe("an incremental model", () => {
  /** The web shop as published last night: built in full (there was nothing before it). */
  let published: { path: string; notes: Map<string, string> };
  beforeAll(async () => {
    published = await build(webShopCompany());
  });

  it("is declared by at least one mart, so the comparisons below are not empty", async () => {
    expect(await incrementalModels()).toContain("marts.channel_revenue_monthly");
  });

  it("rebuilds only the months whose order lines changed, and equals a full build of the same data row for row", async () => {
    const models = await incrementalModels();
    for (const model of models) expect(published.notes.get(model)).toMatch(/^built in full: no published warehouse/);

    const incremental = await build(nextNight(), published.path);
    const full = await build(nextNight());
    // February (a line corrected), March (a line deleted) and April (a new order) of January to April.
    for (const model of ["marts.channel_revenue_monthly", "marts.guest_revenue_monthly"]) {
      expect(incremental.notes.get(model), model).toBe("3 of 4 months rebuilt");
    }
    expect(await modelBuild(incremental.path, "marts.channel_revenue_monthly")).toEqual({
      built: "incremental",
      partitions_rebuilt: 3,
      partitions: 4,
    });
    for (const model of models) {
      const diff = await differences(incremental.path, full.path, model);
      expect(diff.rows, `${model} has rows`).toBeGreaterThan(0);
      expect(diff.differing, `${model}: incremental and full builds differ`).toBe(0);
    }
    // The months the change touched did change: the comparison would have seen a stale carried-over month.
    expect((await differences(published.path, full.path, "marts.channel_revenue_monthly")).differing).toBeGreaterThan(
      0,
    );

    // Nothing changed the night after: every month is carried over, and the table is still the full build's.
    const unchanged = await build(nextNight(), incremental.path);
    expect(unchanged.notes.get("marts.channel_revenue_monthly")).toBe("0 of 4 months rebuilt");
    for (const model of models) expect((await differences(unchanged.path, full.path, model)).differing).toBe(0);
  });

  it("finds the same months when the published warehouse kept no month hashes (a build from before they were kept)", async () => {
    const older = join(dir, "published-without-hashes.duckdb");
    copyFileSync(published.path, older);
    await withDatabase(older, (c) => c.run("drop table ops.partition_fingerprints"));
    const incremental = await build(nextNight(), older);
    expect(incremental.notes.get("marts.channel_revenue_monthly")).toBe("3 of 4 months rebuilt");
    const full = await build(nextNight());
    for (const model of await incrementalModels()) {
      expect((await differences(incremental.path, full.path, model)).differing).toBe(0);
    }
  });

  it("is built in full, and the build goes on, when the published warehouse cannot be read", async () => {
    const unreadable = join(dir, "not-a-warehouse.duckdb");
    writeFileSync(unreadable, "this is not a DuckDB file\n".repeat(1000));
    const built = await build(webShopCompany(), unreadable);
    expect(built.notes.get("marts.channel_revenue_monthly")).toMatch(
      /^built in full: the published warehouse could not be read \(.+\)$/,
    );
    expect((await differences(built.path, published.path, "marts.channel_revenue_monthly")).differing).toBe(0);
  });

  it("is built in full when something it reads whole changed (a channel renamed), saying so, and still equals a full build", async () => {
    const renamed = (): RawFixture => {
      const fixture = webShopCompany();
      fixture["order_system.channels"]!.find((c) => c["channel_id"] === "CH-WX")!["channel_name"] =
        "Lanting WeChat shop";
      return fixture;
    };
    const incremental = await build(renamed(), published.path);
    const full = await build(renamed());
    expect(incremental.notes.get("marts.channel_revenue_monthly")).toBe(
      "built in full: core.channels, which it reads whole, changed",
    );
    for (const model of await incrementalModels()) {
      expect((await differences(incremental.path, full.path, model)).differing).toBe(0);
    }
  });
});
