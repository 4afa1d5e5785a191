// One site per audience (pipelines/site/audiences.ts): a regional manager's site and a distributor's site, built
// from the shared demo warehouse, hold nothing of any other region or partner. Every file the site ships is
// scanned — each data file's every value (parquet, read with DuckDB), each prerendered query result (Arrow), each
// page and JSON file — for the id and name of every region and partner the audience may not see. The scan is shown
// not to be blind: the whole site holds those ids, and each audience's site holds its own.
import { readdir, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { buildAudienceSites } from "../../pipelines/site/audiences.js";
import type { AudienceSite } from "../../pipelines/site/audiences.js";
import { REPO_ROOT, sharedSite, TEST_SCRATCH } from "./helpers/shared-site.js";
import type { SharedSite } from "./helpers/shared-site.js";

const require = createRequire(import.meta.url);
const { tableFromIPC } = require("apache-arrow") as typeof import("apache-arrow");

const dir = path.join(TEST_SCRATCH, "audiences");
let site: SharedSite;
let built: AudienceSite[];
let regions: Array<{ id: string; name: string; name_zh: string }>;
let partners: Array<{ id: string; name: string }>;
/** The partner that sells outside its territory, and its home region: neither audience is trivially empty. */
let seller: { partner_id: string; home_region_id: string };
const log: string[] = [];

/** Every text a site ships, file by file: data values, prerendered results, pages and JSON. */
async function shippedTexts(siteDir: string): Promise<Array<{ file: string; text: string }>> {
  const files = (await readdir(siteDir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
  const texts: Array<{ file: string; text: string }> = [];
  await withDatabase(":memory:", async (c) => {
    for (const file of files) {
      if (file.endsWith(".parquet")) {
        const rows = await queryRows<Record<string, unknown>>(
          c,
          `select * from read_parquet('${file.replace(/'/g, "''")}')`,
        );
        texts.push({ file, text: JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)) });
      } else if (file.endsWith(".arrow")) {
        const table = tableFromIPC(await readFile(file));
        texts.push({
          file,
          text: JSON.stringify(table.toArray(), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)),
        });
      } else if (/\.(html|json|js|csv|txt)$/.test(file)) {
        texts.push({ file, text: await readFile(file, "utf8") });
      }
    }
  });
  return texts;
}

/** Where `needles` occur in `texts` (an id as a whole token, a name anywhere). */
function found(texts: Array<{ file: string; text: string }>, needles: string[], siteDir: string): string[] {
  const hits: string[] = [];
  for (const needle of needles) {
    const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = new RegExp(`(?<![A-Za-z0-9-])${escaped}(?![A-Za-z0-9-])`);
    const file = texts.find((t) => pattern.test(t.text))?.file;
    if (file) hits.push(`${needle} in ${path.relative(siteDir, file)}`);
  }
  return hits;
}

beforeAll(async () => {
  site = await sharedSite();
  await rm(dir, { recursive: true, force: true });
  await withDatabase(
    site.warehousePath,
    async (c) => {
      regions = await queryRows(
        c,
        "select region_id as id, region_name as name, region_name_zh as name_zh from core.regions order by 1",
      );
      partners = await queryRows(c, "select partner_id as id, partner_name as name from core.partners order by 1");
      const [top] = await queryRows<{ partner_id: string; home_region_id: string }>(
        c,
        "select partner_id, home_region_id from marts.cross_territory_sales order by amount desc limit 1",
      );
      if (!top) throw new Error("the demo company has no cross-territory seller to build audiences around");
      seller = top;
    },
    { readOnly: true },
  );
  built = await buildAudienceSites({
    repoRoot: REPO_ROOT,
    warehousePath: site.warehousePath,
    audiences: [
      { name: "home-region", title: "区域经理", regions: [seller.home_region_id] },
      { name: "one-partner", title: "经销商", partners: [seller.partner_id] },
    ],
    audiencesDir: path.join(dir, "sites"),
    scopedDir: path.join(dir, "scoped"),
    log: (line) => log.push(line),
  });
}, 1_800_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a regional manager's site", () => {
  it("holds nothing of any other region or of a partner without a territory there, in any file it ships", async () => {
    const region = built.find((b) => b.audience.name === "home-region")!;
    const allowedPartners = new Set(region.scoped.allowedPartners);
    expect(allowedPartners.has(seller.partner_id)).toBe(true);
    const otherRegions = regions.filter((r) => r.id !== seller.home_region_id);
    const otherPartners = partners.filter((p) => !allowedPartners.has(p.id));
    expect(otherRegions.length).toBeGreaterThan(5);
    expect(otherPartners.length).toBeGreaterThan(5);
    const texts = await shippedTexts(region.outDir);
    const forbidden = [
      ...otherRegions.flatMap((r) => [r.id, r.name_zh]),
      ...otherPartners.flatMap((p) => [p.id, p.name]),
    ].filter(Boolean);
    expect(found(texts, forbidden, region.outDir)).toEqual([]);
    // not blind: its own region and partner are there, and the whole site holds the others
    expect(found(texts, [seller.home_region_id, seller.partner_id], region.outDir)).toHaveLength(2);
    const whole = await shippedTexts(site.siteDir);
    expect(found(whole, forbidden, site.siteDir).length).toBeGreaterThan(forbidden.length / 4);
  });

  it("keeps the pages about its regions and leaves out the company-wide ones, with no dead link", async () => {
    const region = built.find((b) => b.audience.name === "home-region")!;
    const routes = region.kept.map((p) => p.route);
    expect(routes).toEqual(expect.arrayContaining(["/channels", "/channels/coverage", "/channels/partners"]));
    expect(region.left.map((p) => p.route)).toEqual(
      expect.arrayContaining(["/channels/profitability", "/channels/risks", "/customers/value-tiers"]),
    );
    const front = await readFile(path.join(region.outDir, "index.html"), "utf8");
    expect(front).toContain(seller.home_region_id);
    const overview = await readFile(path.join(region.outDir, "channels", "index.html"), "utf8");
    expect(overview).not.toContain('href="/channels/profitability"');
    expect(log.join("\n")).toMatch(/\[audience home-region\] \d+ pages \(\d+ left out/);
  });
});

describe("a distributor's site", () => {
  it("holds no other partner's id or name, in any file it ships", async () => {
    const partner = built.find((b) => b.audience.name === "one-partner")!;
    expect(partner.scoped.allowedPartners).toEqual([seller.partner_id]);
    const texts = await shippedTexts(partner.outDir);
    const others = partners.filter((p) => p.id !== seller.partner_id).flatMap((p) => [p.id, p.name]);
    expect(found(texts, others, partner.outDir)).toEqual([]);
    expect(found(texts, [seller.partner_id], partner.outDir)).toHaveLength(1);
  });

  it("has its own scorecard page and no other partner's, in both languages", async () => {
    const partner = built.find((b) => b.audience.name === "one-partner")!;
    const pages = (await readdir(path.join(partner.outDir, "channels", "partners"))).sort();
    expect(pages).toEqual(expect.arrayContaining([seller.partner_id]));
    expect(pages.filter((name) => /^[A-Z]{2}\d+$/.test(name) && name !== seller.partner_id)).toEqual([]);
    expect(
      (await readdir(path.join(partner.outDir, "en", "channels", "partners"))).filter((n) => n === seller.partner_id),
    ).toHaveLength(1);
  });
});
