// What each audience's scoped warehouse keeps (pipelines/site/audiences.ts), on a hand-made warehouse: a regional
// manager keeps the rows of their regions and of the partners with a territory there, never a row naming another
// region's partner (a partner from elsewhere selling into the region) nor an id list holding another partner; a
// distributor keeps its own rows only; company-wide tables are emptied and reference tables kept whole; the pages
// that read an emptied table are left out, and links to them unlinked. Unknown ids are refused with the list of known.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { AudienceError, audiencePages, scopeWarehouse } from "../../pipelines/site/audiences.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("audience-scope-");

let made: Promise<{ warehouse: string; sources: string; pages: string; partials: string }> | undefined;

/** The hand-made warehouse, its sources and pages (made once per file). */
function fixture(): Promise<{ warehouse: string; sources: string; pages: string; partials: string }> {
  made ??= makeFixture();
  return made;
}

async function makeFixture(): Promise<{ warehouse: string; sources: string; pages: string; partials: string }> {
  const warehouse = path.join(dir, "warehouse.duckdb");
  await withDatabase(warehouse, async (c) => {
    await c.run(`
      create schema core; create schema marts; create schema ops;
      create table core.regions as select * from (values ('R-E', 'East'), ('R-W', 'West'), ('R-N', 'North')) r(region_id, region_name);
      create table core.partners as select * from (values ('P1'), ('P2'), ('P3')) p(partner_id);
      -- P1 covers East, P2 West, P3 East and North
      create table core.partner_territories as
        select * from (values ('P1', 'R-E'), ('P2', 'R-W'), ('P3', 'R-E'), ('P3', 'R-N')) t(partner_id, region_id);
      create table marts.revenue_by_region as
        select * from (values ('R-E', 100), ('R-W', 200), ('R-N', 300)) v(region_id, revenue);
      -- P2 (West) sold into East: a row about East that names another region's partner
      create table marts.cross_sales as
        select * from (values ('P2', 'R-E', 'R-W', 5), ('P1', 'R-W', 'R-E', 7)) v(partner_id, region_id, home_region_id, amount);
      create table marts.partner_scores as select * from (values ('P1', 1), ('P2', 2), ('P3', 3)) v(partner_id, score);
      create table marts.region_outlets as
        select * from (values ('R-E', 'P1, P3'), ('R-W', 'P2'), ('R-N', 'P3')) v(region_id, authorised_partner_ids);
      create table marts.channel_totals as select 'web' as channel, 600 as revenue;
      create table marts.warehouse_status as select date '2026-11-30' as as_of_date;
      create table ops.reporting_settings as select 'CNY' as currency_code, '¥' as currency_symbol, 'Acme' as site_title;`);
  });
  const sources = path.join(dir, "sources");
  await mkdir(sources, { recursive: true });
  for (const table of [
    "revenue_by_region",
    "cross_sales",
    "partner_scores",
    "region_outlets",
    "channel_totals",
    "warehouse_status",
  ]) {
    await writeFile(path.join(sources, `${table}.sql`), `select * from marts.${table}\n`);
  }
  const pages = path.join(dir, "pages");
  await mkdir(pages, { recursive: true });
  await writeFile(path.join(pages, "+layout.svelte"), "<slot/>");
  await writeFile(
    path.join(pages, "index.md"),
    '---\ntitle: "[[总览|Overview]]"\n---\n```sql t\nselect * from warehouse.channel_totals\n```\n',
  );
  await writeFile(
    path.join(pages, "regions.md"),
    '---\ntitle: "[[区域|Regions]]"\n---\n```sql r\nselect * from warehouse.revenue_by_region\n```\n' +
      "See [[[总览|the overview]]](/) and [[[伙伴|partners]]](/partners).\n",
  );
  await writeFile(
    path.join(pages, "partners.md"),
    '---\ntitle: "[[伙伴|Partners]]"\n---\n```sql p\nselect * from warehouse.partner_scores join warehouse.warehouse_status on true\n```\n',
  );
  const partials = path.join(dir, "partials");
  await mkdir(partials, { recursive: true });
  return { warehouse, sources, pages, partials };
}

describe("an audience's scoped warehouse", () => {
  it("keeps a regional manager's rows and nothing naming another region or its partners", async () => {
    const { warehouse, sources, pages, partials } = await fixture();
    const audience = { name: "east", title: "华东", regions: ["R-E"] };
    const scoped = await scopeWarehouse({
      warehousePath: warehouse,
      sourcesDir: sources,
      audience,
      outFile: path.join(dir, "east.duckdb"),
    });
    expect(scoped.allowedPartners).toEqual(["P1", "P3"]);
    const rows = await withDatabase(
      scoped.file,
      async (c) => ({
        regions: await queryRows(c, "select region_id, revenue from marts.revenue_by_region"),
        cross: await queryRows(c, "select * from marts.cross_sales"),
        scores: await queryRows(c, "select partner_id from marts.partner_scores order by 1"),
        outlets: await queryRows(c, "select region_id from marts.region_outlets"),
        totals: await queryRows(c, "select * from marts.channel_totals"),
        status: await queryRows(c, "select count(*)::integer as n from marts.warehouse_status"),
        title: await queryRows(c, "select site_title from ops.reporting_settings"),
      }),
      { readOnly: true },
    );
    expect(rows.regions).toEqual([{ region_id: "R-E", revenue: 100 }]);
    // P2 sold into East, but P2 is West's: that row names another region's partner and stays out
    expect(rows.cross).toEqual([]);
    expect(rows.scores.map((r) => (r as { partner_id: string }).partner_id)).toEqual(["P1", "P3"]);
    // East's outlet list holds only its partners; North's (P3 is also East's) is another region's row
    expect(rows.outlets).toEqual([{ region_id: "R-E" }]);
    expect(rows.totals).toEqual([]);
    expect(rows.status).toEqual([{ n: 1 }]);
    expect(rows.title).toEqual([{ site_title: "Acme · 华东" }]);
    expect(scoped.tables.find((t) => t.table === "marts.channel_totals")).toMatchObject({ emptied: true });

    const out = path.join(dir, "east-pages");
    const { kept, left } = await audiencePages({
      pagesDir: pages,
      sourcesDir: sources,
      partialsDir: partials,
      scoped,
      audience,
      outDir: out,
    });
    expect(kept.map((p) => p.route).sort()).toEqual(["/partners", "/regions"]);
    expect(left.map((p) => p.route)).toEqual(["/"]);
    // the link to the left-out overview is unlinked; the one to a kept page stays; a front page of its own
    const regions = await readFile(path.join(out, "regions.md"), "utf8");
    expect(regions).toContain("See [[总览|the overview]] and [[[伙伴|partners]]](/partners).");
    expect(await readFile(path.join(out, "index.md"), "utf8")).toContain("R-E");
  });

  it("keeps a distributor's own rows only", async () => {
    const { warehouse, sources } = await fixture();
    const scoped = await scopeWarehouse({
      warehousePath: warehouse,
      sourcesDir: sources,
      audience: { name: "p2", partners: ["P2"] },
      outFile: path.join(dir, "p2.duckdb"),
    });
    const rows = await withDatabase(
      scoped.file,
      async (c) => ({
        cross: await queryRows(c, "select partner_id, region_id from marts.cross_sales"),
        scores: await queryRows(c, "select partner_id from marts.partner_scores"),
        regions: await queryRows(c, "select * from marts.revenue_by_region"),
      }),
      { readOnly: true },
    );
    expect(rows.cross).toEqual([{ partner_id: "P2", region_id: "R-E" }]);
    expect(rows.scores).toEqual([{ partner_id: "P2" }]);
    expect(rows.regions).toEqual([]);
  });

  it("refuses an unknown region or partner, naming the ones there are", async () => {
    const { warehouse, sources } = await fixture();
    const scope = (audience: { name: string; regions?: string[]; partners?: string[] }) =>
      scopeWarehouse({ warehousePath: warehouse, sourcesDir: sources, audience, outFile: path.join(dir, "x.duckdb") });
    await expect(scope({ name: "x", regions: ["R-S"] })).rejects.toThrow(AudienceError);
    await expect(scope({ name: "x", regions: ["R-S"] })).rejects.toThrow(/names region R-S.*region ids: R-E, R-N, R-W/);
    await expect(scope({ name: "x", partners: ["P9"] })).rejects.toThrow(/names partner P9/);
    await expect(scope({ name: "x" })).rejects.toThrow(/names no regions and no partners/);
  });
});
