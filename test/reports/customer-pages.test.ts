// The customer pages (reports/customers/, plan section 三) in the one shared offline Evidence build of this run
// (helpers/shared-site.ts), built from the planted demo company:
//  - every page is in the build and shows the data's as-of date;
//  - the churn page finds the planted "high-value customers gone quiet": its key-customer table holds exactly the
//    manifest's customers (by their pseudonymous customer key), every one at risk and in the high-value loyal tier,
//    both in the data the page ships (prerendered query results) and in the table Chromium renders from it;
//  - a templated page exists for every RFM segment the warehouse holds, each linked from the segments index and
//    showing its own segment's customers.
// What the page renders is read (prerendered HTML, the page's data files, the browser), not re-queried from the
// warehouse; the warehouse is only asked for the expected values.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, quoteLiteral, withDatabase } from "../../pipelines/warehouse/duckdb.js";
import { demoWarehouse, readManifest } from "../support/demo-warehouse.js";
import { openSiteInBrowser } from "./helpers/browser.js";
import type { SiteInBrowser } from "./helpers/browser.js";
import { shownTable, waitUntilShown } from "./helpers/overview-page.js";
import { sharedSite } from "./helpers/shared-site.js";
import type { SharedSite } from "./helpers/shared-site.js";

/** The customer pages: route -> what its title says. */
const PAGES: Record<string, string> = {
  "/customers": "Customer overview",
  "/customers/value-tiers": "Value tiers",
  "/customers/retention": "Cohort retention",
  "/customers/churn": "Churn and reasons",
  "/customers/satisfaction": "Satisfaction and NPS",
  "/customers/segments": "RFM segments",
  "/customers/goals": "CRM goals",
  "/customers/glossary": "Customer metric glossary",
};

const md5 = (text: string): string => createHash("md5").update(text).digest("hex");

/** The visible text of an HTML page, roughly as a reader sees it. */
function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

let site: SharedSite;

/** The prerendered HTML of a route. */
const pageHtml = (route: string): Promise<string> =>
  readFile(path.join(site.siteDir, route.replace(/^\//, ""), "index.html"), "utf8");

/**
 * The rows a page's query returned at build time, as the page ships them: Evidence writes each query's result to
 * api/prerendered_queries/<hash>.arrow and the page's query -> hash map to api/<md5(route id)>/<md5(params)>/
 * all-queries.json, params joined as key\x1Fvalue pairs separated by \x1E (see Evidence's +layout.js).
 */
async function pageQuery(
  routeId: string,
  query: string,
  params: Record<string, string> = {},
): Promise<Record<string, unknown>[]> {
  const paramsKey = Object.entries(params)
    .sort()
    .map(([key, value]) => `${key}\x1F${value}`)
    .join("\x1E");
  const index = JSON.parse(
    await readFile(path.join(site.siteDir, "api", md5(routeId), md5(paramsKey), "all-queries.json"), "utf8"),
  ) as Record<string, string>;
  const hash = index[`${query}_data`];
  if (!hash) throw new Error(`${routeId} has no prerendered query ${query}`);
  return tableFromIPC(await readFile(path.join(site.siteDir, "api/prerendered_queries", `${hash}.arrow`)))
    .toArray()
    .map((row: { toJSON(): Record<string, unknown> }) => row.toJSON());
}

function warehouseRows<T>(sql: string): Promise<T[]> {
  return withDatabase(site.warehousePath, (c) => queryRows<T>(c, sql), { readOnly: true });
}

beforeAll(async () => {
  site = await sharedSite();
});

describe("the customer pages in the built site", () => {
  it("are all built, each with its title and the data's as-of date", async () => {
    const [status] = await warehouseRows<{ as_of_date: string }>(
      "select strftime(as_of_date, '%Y-%m-%d') as as_of_date from marts.warehouse_status",
    );
    expect(status?.as_of_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const [route, title] of Object.entries(PAGES)) {
      const file = path.join(site.siteDir, route.replace(/^\//, ""), "index.html");
      expect(existsSync(file), `${route} is built`).toBe(true);
      const text = visibleText(await pageHtml(route));
      expect(text, route).toContain(title);
      expect(text, route).toContain(`Data as of ${status?.as_of_date}`);
    }
  });
});

describe("the churn page finds the planted high-value customers gone quiet", () => {
  interface Shown {
    customer_id: string;
    churn_status: string;
    value_tier: string;
    tier_name_zh: string;
  }
  let expectedKeys: string[];
  let shown: Shown[];

  beforeAll(async () => {
    const manifest = readManifest(await demoWarehouse("planted"));
    const truth = manifest.planted_truths.truths.high_value_customers_gone_quiet.expected as unknown as {
      customer_ids: string[];
    };
    expect(truth.customer_ids).toHaveLength(15);
    // The manifest names customers by their order-system id; the pages know them only by the pseudonymous key the
    // marts carry. Map each through the warehouse: the customer in core and its row in marts.customer_360.
    const mapped = await warehouseRows<{ source_id: string; customer_key: string }>(
      `select customers.customer_id as source_id, profile.customer_id as customer_key
       from core.customers as customers
       join marts.customer_360 as profile on profile.customer_id = customers.customer_id
       where customers.customer_id in (${truth.customer_ids.map(quoteLiteral).join(", ")})`,
    );
    expect(mapped.map((m) => m.source_id).sort()).toEqual([...truth.customer_ids].sort());
    expectedKeys = mapped.map((m) => m.customer_key).sort();
    shown = (await pageQuery("/customers/churn", "key_customers_gone_quiet")) as unknown as Shown[];
  });

  it("ships exactly the manifest's customers in its key-customers-gone-quiet table", () => {
    expect(shown.map((row) => row.customer_id).sort()).toEqual(expectedKeys);
  });

  it("shows every one of them at risk, in the high-value loyal tier", () => {
    for (const row of shown) {
      expect(row, row.customer_id).toMatchObject({
        churn_status: "at_risk",
        value_tier: "high_value_loyal",
        tier_name_zh: "高价值忠诚客户",
      });
    }
  });

  it("names them by the pseudonymous key only: no personal column in what the page ships", () => {
    const columns = Object.keys(shown[0] ?? {});
    expect(columns).toContain("customer_id");
    for (const column of columns) expect(column).not.toMatch(/name_?$|^customer_name|email|phone|address/);
  });

  it("states the count in its prerendered warning", async () => {
    const text = visibleText(await pageHtml("/customers/churn"));
    expect(text).toContain(`${expectedKeys.length} high-value customers have gone quiet`);
  });

  describe("in Chromium", () => {
    let served: SiteInBrowser;
    beforeAll(async () => {
      served = await openSiteInBrowser(site.siteDir, 1400);
    });
    afterAll(async () => {
      await served?.close();
    });

    it("renders the table with exactly those customers, at risk, in the high-value loyal tier", async () => {
      const { page } = served.browser;
      await page.goto(`${served.url}/customers/churn`, { waitUntil: "networkidle0", timeout: 60_000 });
      // The first table headed "Customer key" is the key-customers-gone-quiet table; rows sorted here by key.
      const keysShown = async (): Promise<string[][]> =>
        (await shownTable(page, "Customer key"))
          .map((cells) => [cells[0] ?? "", cells[1] ?? "", cells[2] ?? ""])
          .sort((a, b) => a[0]!.localeCompare(b[0]!));
      const expected = expectedKeys.map((key) => [key, "At risk 流失风险", "High-value loyal"]);
      expect(await waitUntilShown(keysShown, expected, 60_000)).toEqual(expected);
      expect(served.browser.outsideRequests).toEqual([]);
      expect(served.browser.consoleErrors).toEqual([]);
    });
  });
});

describe("a templated page per RFM segment", () => {
  let segments: { rfm_segment: string; customers: number }[];
  beforeAll(async () => {
    segments = (
      await warehouseRows<{ rfm_segment: string; customers: bigint }>(
        "select rfm_segment, count(*) as customers from marts.customer_rfm group by rfm_segment order by rfm_segment",
      )
    ).map((s) => ({ rfm_segment: s.rfm_segment, customers: Number(s.customers) }));
  });

  it("exists for every segment in the warehouse, linked from the segments index", async () => {
    expect(segments.length).toBeGreaterThanOrEqual(8);
    const index = await pageHtml("/customers/segments");
    for (const { rfm_segment } of segments) {
      expect(index, rfm_segment).toContain(`href="/customers/segments/${rfm_segment}"`);
      expect(existsSync(path.join(site.siteDir, "customers/segments", rfm_segment, "index.html")), rfm_segment).toBe(
        true,
      );
    }
  });

  it("shows its own segment's customers on each page", async () => {
    for (const { rfm_segment, customers } of segments) {
      const [totals] = await pageQuery("/customers/segments/[segment]", "segment_totals", { segment: rfm_segment });
      expect(totals, rfm_segment).toMatchObject({ rfm_segment });
      expect(Number(totals?.customers), rfm_segment).toBe(customers);
      const list = await pageQuery("/customers/segments/[segment]", "customer_list", { segment: rfm_segment });
      expect(list, rfm_segment).toHaveLength(customers);
    }
  });
});
