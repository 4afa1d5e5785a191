// The customer pages (reports/customers/, plan section 三) in the one shared offline Evidence build of this run
// (helpers/shared-site.ts), built from the planted demo company:
//  - every page is in the build in both languages and shows the data's as-of date: the Chinese page (the root) with
//    its Chinese title and Chinese headings only, its English twin under /en with the English ones;
//  - the churn page finds the planted "high-value customers gone quiet": its key-customer table holds exactly the
//    manifest's customers (by their pseudonymous customer key), every one at risk and high-value loyal before it went
//    quiet (the plant's rule, on any seed), each with today's tier as marts.customer_value_tiers has it, both in the
//    data the page ships (prerendered query results) and in the table Chromium renders from it;
//  - a templated page exists for every RFM segment the warehouse holds, each linked from the segments index and
//    showing its own segment's totals and its top customers;
//  - what the customer pages ship stays bounded however many customers there are: every customer_* source table
//    in the site is either counts and sums (no customer key, few rows) or a list within its stated bound (the top
//    customers of each tier, status or segment; every key customer gone quiet), and the numbers the pages show from
//    those tables equal the same queries against the warehouse's marts.
// What the page renders is read (prerendered HTML, the page's data files, the browser), not re-queried from the
// warehouse; the warehouse is only asked for the expected values. Exact figures are read from the English twin (the
// Chinese page shows money in 万 and its own words; both pages run the same queries on the same data).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, quoteLiteral, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { demoWarehouse, readManifest } from "../support/demo-warehouse.js";
import { openSiteInBrowser } from "./helpers/browser.js";
import type { SiteInBrowser } from "./helpers/browser.js";
import { chooseOption, shownTable, waitUntilShown } from "./helpers/overview-page.js";
import { sharedSite } from "./helpers/shared-site.js";
import type { SharedSite } from "./helpers/shared-site.js";

/** The customer pages: route (Chinese, at the root) -> what its title says in each language. */
const PAGES: Record<string, { zh: string; en: string }> = {
  "/customers": { zh: "客户概览", en: "Customer overview" },
  "/customers/value-tiers": { zh: "客户价值分层", en: "Value tiers" },
  "/customers/retention": { zh: "同期群留存", en: "Cohort retention" },
  "/customers/churn": { zh: "流失与流失原因", en: "Churn and reasons" },
  "/customers/satisfaction": { zh: "满意度与净推荐值", en: "Satisfaction and NPS" },
  "/customers/segments": { zh: "RFM 客户细分", en: "RFM segments" },
  "/customers/goals": { zh: "客户关系管理目标", en: "CRM goals" },
  "/customers/glossary": { zh: "客户指标释义", en: "Customer metric glossary" },
};

/** The English twin of a page: the same route under /en. */
const en = (route: string): string => `/en${route}`;

const md5 = (text: string): string => createHash("md5").update(text).digest("hex");

/** The text of a page's headings (h1-h3), tags and entities removed. */
function headings(html: string): string[] {
  return [...html.matchAll(/<h([1-3])\b[^>]*>([\s\S]*?)<\/h\1>/g)]
    .map((match) => visibleText(match[2] ?? "").trim())
    .filter((text) => text.length > 0);
}

/**
 * A heading written in English: a run of two Latin words (abbreviations such as RFM or NPS inside a Chinese heading
 * are fine; a heading with no Chinese character at all is not).
 */
const isEnglishHeading = (text: string): boolean =>
  !/[\u4e00-\u9fff]/.test(text) || /[A-Za-z]{2,}\s+[A-Za-z]{2,}/.test(text);

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
  it("are all built in both languages, each with its title and the data's as-of date", async () => {
    const [status] = await warehouseRows<{ as_of_date: string }>(
      "select strftime(as_of_date, '%Y-%m-%d') as as_of_date from marts.warehouse_status",
    );
    expect(status?.as_of_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const [route, title] of Object.entries(PAGES)) {
      for (const built of [route, en(route)]) {
        const file = path.join(site.siteDir, built.replace(/^\//, ""), "index.html");
        expect(existsSync(file), `${built} is built`).toBe(true);
      }
      const english = visibleText(await pageHtml(en(route)));
      expect(english, en(route)).toContain(title.en);
      expect(english, en(route)).toContain(`Data as of ${status?.as_of_date}`);
      const chinese = visibleText(await pageHtml(route));
      expect(chinese, route).toContain(title.zh);
      expect(chinese, route).toContain(`数据截至 ${status?.as_of_date}`);
    }
  });

  it("shows each Chinese page its Chinese title and no English heading", async () => {
    const pages = [...Object.keys(PAGES), "/customers/segments/champions"];
    for (const route of pages) {
      const html = await pageHtml(route);
      const title = /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "";
      const wanted = PAGES[route];
      if (wanted) expect(title, route).toContain(wanted.zh);
      const english = headings(html).filter(isEnglishHeading);
      expect(english, route).toEqual([]);
      // and its English twin has English headings
      expect(headings(await pageHtml(en(route))).some(isEnglishHeading), en(route)).toBe(true);
    }
  });
});

describe("the churn page finds the planted high-value customers gone quiet", () => {
  interface Shown {
    customer_id: string;
    churn_status: string;
    value_tier: string;
    tier_name_zh: string;
    tier_before_quiet_window: string;
  }
  let expectedKeys: string[];
  let shown: Shown[];
  /** Today's tier of each expected customer, from the marts: its code and English name, by customer key. */
  let todaysTier: Map<string, { value_tier: string; name_en: string; name_zh: string }>;

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
    // Today's tier rests on the last 12 months, so a planted customer whose reference-window buying is partly older
    // may be tiered otherwise on some seeds (defensibly): the page must show the marts' tier, whatever it is.
    const tiers = await warehouseRows<{ customer_id: string; value_tier: string; name_en: string; name_zh: string }>(
      `select tiers.customer_id, tiers.value_tier, service.name_en, service.name_zh
       from marts.customer_value_tiers as tiers
       join marts.customer_tier_service as service on service.value_tier = tiers.value_tier
       where tiers.customer_id in (${expectedKeys.map(quoteLiteral).join(", ")})`,
    );
    todaysTier = new Map(tiers.map(({ customer_id, ...tier }) => [customer_id, tier]));
    expect([...todaysTier.keys()].sort()).toEqual(expectedKeys);
    shown = (await pageQuery(en("/customers/churn"), "key_customers_gone_quiet")) as unknown as Shown[];
  });

  it("ships exactly the manifest's customers in its key-customers-gone-quiet table", () => {
    expect(shown.map((row) => row.customer_id).sort()).toEqual(expectedKeys);
  });

  it("shows every one of them at risk, high-value loyal before it went quiet, in its tier of today", () => {
    for (const row of shown) {
      const tier = todaysTier.get(row.customer_id);
      expect(row, row.customer_id).toMatchObject({
        churn_status: "at_risk",
        tier_before_quiet_window: "High-value loyal",
        value_tier: tier?.value_tier,
        tier_name_zh: tier?.name_zh,
      });
    }
  });

  it("names them by the pseudonymous key only: no personal column in what the page ships", () => {
    const columns = Object.keys(shown[0] ?? {});
    expect(columns).toContain("customer_id");
    // a tier's, channel's or region's name is fine; a person's or a contact's is not
    for (const column of columns) {
      expect(column).not.toMatch(
        /^(customer_|contact_|person_)?name(_zh|_en)?$|customer_name|contact|email|phone|mobile|address/,
      );
    }
  });

  it("states the count in its prerendered warning, in each language", async () => {
    const text = visibleText(await pageHtml(en("/customers/churn")));
    expect(text).toContain(`${expectedKeys.length} high-value customers have gone quiet`);
    const chinese = visibleText(await pageHtml("/customers/churn"));
    expect(chinese).toContain(`已有 ${expectedKeys.length} 位高价值客户陷入沉默`);
  });

  describe("in Chromium", () => {
    let served: SiteInBrowser;
    beforeAll(async () => {
      served = await openSiteInBrowser(site.siteDir, 1400);
    });
    afterAll(async () => {
      await served?.close();
    });

    it("renders the table with exactly those customers, at risk, each in its tier of today", async () => {
      const { page } = served.browser;
      await page.goto(`${served.url}${en("/customers/churn")}`, { waitUntil: "networkidle0", timeout: 60_000 });
      // The first table headed "Customer key" is the key-customers-gone-quiet table; rows sorted here by key.
      const keysShown = async (): Promise<string[][]> =>
        (await shownTable(page, "Customer key"))
          .map((cells) => [cells[0] ?? "", cells[1] ?? "", cells[2] ?? ""])
          .sort((a, b) => a[0]!.localeCompare(b[0]!));
      const expected = expectedKeys.map((key) => [key, "At risk", todaysTier.get(key)?.name_en ?? "?"]);
      expect(await waitUntilShown(keysShown, expected, 60_000)).toEqual(expected);
      expect(served.browser.outsideRequests).toEqual([]);
      expect(served.browser.consoleErrors).toEqual([]);
    });

    it("narrows the at-risk list to a chosen region in the browser, with how many of how many", async () => {
      const { page } = served.browser;
      // on the English page the previous test left open
      // The region with the most at-risk customers.
      const [region] = await warehouseRows<{ region_name: string; customers: number }>(
        `select regions.region_name, count(*) as customers
         from marts.customer_churn as churn
         join marts.customer_360 as profile on profile.customer_id = churn.customer_id
         join marts.region_coverage as regions on regions.region_id = profile.region_id
         where churn.churn_status = 'at_risk'
         group by all order by customers desc, regions.region_name limit 1`,
      );
      const matching = Number(region!.customers);
      await chooseOption(page, "Region (customer lists)", region!.region_name, region!.region_name);
      const expected = `Showing the top ${whole(Math.min(matching, CELL_LIMIT))} of ${whole(matching)} customers matching these filters`;
      const said = async (): Promise<string | undefined> => {
        const text = (await page.evaluate(() => document.body.innerText)).replace(/[\s\u00a0]+/g, " ");
        return text.includes(expected)
          ? expected
          : /Showing the top [\d,]+ of [\d,]+ customers matching/.exec(text)?.[0];
      };
      expect(await waitUntilShown(said, expected, 60_000)).toBe(expected);
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

  it("exists for every segment in the warehouse in both languages, linked from the segments index", async () => {
    expect(segments.length).toBeGreaterThanOrEqual(8);
    for (const root of ["", "/en"]) {
      const index = await pageHtml(`${root}/customers/segments`);
      for (const { rfm_segment } of segments) {
        expect(index, `${root} ${rfm_segment}`).toContain(`href="${root}/customers/segments/${rfm_segment}"`);
        const file = path.join(site.siteDir, root, "customers/segments", rfm_segment, "index.html");
        expect(existsSync(file), `${root} ${rfm_segment}`).toBe(true);
      }
    }
  });

  it("names each segment in the reader's language, never by its code", async () => {
    const labels = await warehouseRows<{ rfm_segment: string; label_zh: string; label_en: string }>(
      `select distinct rfm_segment, rfm_segment_label_zh as label_zh, rfm_segment_label_en as label_en
       from marts.customer_rfm`,
    );
    for (const { rfm_segment, label_zh, label_en } of labels) {
      const route = `/customers/segments/${rfm_segment}`;
      expect(visibleText(await pageHtml(route)), route).toContain(`细分： ${label_zh}`);
      expect(visibleText(await pageHtml(en(route))), en(route)).toContain(`Segment: ${label_en}`);
    }
  });

  it("shows its own segment's totals on each page, as the warehouse sums them", async () => {
    const expected = await warehouseRows<Record<string, unknown>>(
      `select rfm_segment, count(*) as customers, count(*) filter (where is_key_customer) as key_customers,
              count(*) filter (where churn_status = 'at_risk') as at_risk_customers, sum(orders) as orders,
              round(sum(lifetime_revenue), 2) as lifetime_revenue, round(sum(expected_spend_12m), 2) as expected_spend_12m
       from marts.customer_360 where rfm_segment is not null group by rfm_segment`,
    );
    for (const { rfm_segment, customers } of segments) {
      const [totals] = await pageQuery(en("/customers/segments/[segment]"), "segment_totals", { segment: rfm_segment });
      expect(totals, rfm_segment).toMatchObject({ rfm_segment });
      expect(Number(totals?.customers), rfm_segment).toBe(customers);
      const want = expected.find((row) => row.rfm_segment === rfm_segment);
      expect(figures(totals!, TOTALS), rfm_segment).toEqual(figures(want!, TOTALS));
    }
  });

  it("lists the segment's top customers by lifetime revenue and says how many of how many", async () => {
    for (const { rfm_segment, customers } of segments) {
      const list = await pageQuery(en("/customers/segments/[segment]"), "customer_list", { segment: rfm_segment });
      const top = await warehouseRows<{ customer_id: string }>(
        `select customer_id from marts.customer_360 where rfm_segment = ${quoteLiteral(rfm_segment)}
         order by lifetime_revenue desc, customer_id limit ${LIST_LIMIT}`,
      );
      expect(
        list.map((row) => row.customer_id),
        rfm_segment,
      ).toEqual(top.map((row) => row.customer_id));
      const text = visibleText(await pageHtml(en(`/customers/segments/${rfm_segment}`)));
      expect(text, rfm_segment).toContain(
        `Showing the top ${whole(Math.min(customers, LIST_LIMIT))} of ${whole(customers)} customers in the segment`,
      );
    }
  });
});

/** The deepest list a customer page shows (no channel type or region chosen), and the list once one is chosen. */
const LIST_LIMIT = 200;
const CELL_LIMIT = 20;
/** Most rows any customer_* table of counts and sums may have: tens of thousands even for a large company. */
const AGGREGATE_ROW_LIMIT = 20_000;

const whole = (value: number): string => Math.round(value).toLocaleString("en-US");

const TOTALS = ["customers", "key_customers", "at_risk_customers", "orders", "lifetime_revenue", "expected_spend_12m"];

/** The named columns of a row as numbers rounded to the cent (counts and CNY sums compare as they display). */
function figures(row: Record<string, unknown>, columns: string[]): Record<string, number> {
  return Object.fromEntries(columns.map((column) => [column, Math.round(Number(row[column] ?? 0) * 100) / 100]));
}

/** The site's source tables (one parquet file per sources/warehouse/*.sql), by name. */
async function sourceTables(): Promise<Map<string, string>> {
  const manifest = JSON.parse(await readFile(path.join(site.siteDir, "data/manifest.json"), "utf8")) as {
    renderedFiles: Record<string, string[]>;
  };
  return new Map(
    (manifest.renderedFiles.warehouse ?? []).map((url) => [
      path.basename(url, ".parquet"),
      path.join(site.siteDir, url.replace(/^\/?(static\/)?/, "")),
    ]),
  );
}

describe("what the customer pages ship is bounded, however many customers there are", () => {
  interface Shipped {
    rows: number;
    customerIds: string[] | undefined;
  }
  const shipped = new Map<string, Shipped>();
  interface Dims {
    customers: number;
    tiers: number;
    regions: number;
    channel_types: number;
    segments: number;
    profiles: number;
    reference_customers: number;
    key_customers: number;
    key_customers_gone_quiet: number;
  }
  let dims: Dims;

  beforeAll(async () => {
    const tables = [...(await sourceTables())].filter(([name]) => name.startsWith("customer_"));
    expect(tables.length).toBeGreaterThan(10);
    await withDatabase(":memory:", async (c) => {
      for (const [name, file] of tables) {
        const reader = `read_parquet(${quoteLiteral(file)})`;
        const columns = (await queryRows<{ column_name: string }>(c, `describe select * from ${reader}`)).map(
          (col) => col.column_name,
        );
        const [{ rows } = { rows: 0 }] = await queryRows<{ rows: number }>(c, `select count(*) as rows from ${reader}`);
        const customerIds = columns.includes("customer_id")
          ? (await queryRows<{ customer_id: string }>(c, `select customer_id from ${reader}`)).map((r) => r.customer_id)
          : undefined;
        shipped.set(name, { rows: Number(rows), customerIds });
      }
    });
    const [row] = await warehouseRows<Dims>(
      `select
         (select count(*) from marts.customer_360) as customers,
         (select count(*) from marts.customer_tier_service) as tiers,
         (select count(*) from marts.region_coverage) as regions,
         (select count(distinct channel_type) from marts.channel_directory) as channel_types,
         (select count(distinct rfm_segment) from marts.customer_rfm) as segments,
         (select count(distinct (customer_type, coalesce(industry, age_band, '')))
            from marts.customer_360) as profiles,
         rates.reference_customers, rates.key_customers, rates.key_customers_gone_quiet
       from marts.customer_churn_rates as rates
       where rates.scope_type = 'company'`,
    );
    dims = row!;
    expect(dims.customers).toBeGreaterThan(1000);
  });

  /**
   * The lists of individual customers, each with its bound in the company's dimensions (never its number of
   * customers) and the customers it must hold, exactly, by the rule the pages state.
   */
  const LISTS: Record<string, { bound: () => number; expected: string }> = {
    customer_key_gone_quiet: {
      // Every key customer gone quiet: a key customer is in the top 10% of the reference window's buyers.
      bound: () => Math.ceil(0.1 * dims.reference_customers),
      expected: "select customer_id from marts.customer_churn where is_key_customer_gone_quiet",
    },
    customer_at_risk_top: {
      bound: () => 2 * (dims.tiers + 1) * (LIST_LIMIT + CELL_LIMIT * (dims.channel_types + 1) * (dims.regions + 1)),
      expected: `select churn.customer_id
        from marts.customer_churn as churn
        left join marts.customer_360 as profile on profile.customer_id = churn.customer_id
        where churn.churn_status in ('at_risk', 'churned')
        qualify row_number() over (partition by churn.churn_status, churn.value_tier
                                   order by profile.lifetime_revenue desc, churn.customer_id) <= ${LIST_LIMIT}
             or row_number() over (partition by churn.churn_status, churn.value_tier,
                                                churn.reference_window_channel_type, profile.region_id
                                   order by profile.lifetime_revenue desc, churn.customer_id) <= ${CELL_LIMIT}`,
    },
    customer_tier_top: {
      bound: () => dims.tiers * (LIST_LIMIT + CELL_LIMIT * (dims.channel_types + 1) * (dims.regions + 1)),
      expected: `select tiers.customer_id
        from marts.customer_value_tiers as tiers
        left join marts.customer_360 as profile on profile.customer_id = tiers.customer_id
        left join marts.channel_directory as channels on channels.channel_id = profile.preferred_channel_id
        where tiers.value_tier is not null
        qualify row_number() over (partition by tiers.value_tier
                                   order by tiers.expected_spend_12m desc nulls last, tiers.customer_id) <= ${LIST_LIMIT}
             or row_number() over (partition by tiers.value_tier, channels.channel_type, profile.region_id
                                   order by tiers.expected_spend_12m desc nulls last, tiers.customer_id) <= ${CELL_LIMIT}`,
    },
    customer_segment_top: {
      bound: () => dims.segments * LIST_LIMIT,
      expected: `select customer_id from marts.customer_360 where rfm_segment is not null
        qualify row_number() over (partition by rfm_segment order by lifetime_revenue desc, customer_id) <= ${LIST_LIMIT}`,
    },
  };

  /** The tables of counts and sums the pages filter, each bounded by the dimensions it is grouped by. */
  const AGGREGATES: Record<string, () => number> = {
    customer_region_counts: () => dims.regions + 1,
    customer_churn_status: () => 4 * (dims.tiers + 1) * (dims.channel_types + 1) * (dims.regions + 1),
    customer_tier_summary: () => (dims.tiers + 1) * (dims.channel_types + 1) * (dims.regions + 1),
    customer_segments: () => dims.segments * (1 + dims.profiles + 4 * (dims.tiers + 1) + dims.regions + 1),
  };

  it("ships customer keys only in the bounded lists, and no table of counts with many rows", () => {
    for (const [name, { rows, customerIds }] of shipped) {
      if (customerIds) expect(Object.keys(LISTS), `${name} ships customer keys: give it a bound`).toContain(name);
      else expect(rows, name).toBeLessThanOrEqual(AGGREGATE_ROW_LIMIT);
    }
    for (const name of [...Object.keys(LISTS), ...Object.keys(AGGREGATES)]) {
      expect(shipped.has(name), `${name} is in the site`).toBe(true);
    }
  });

  it("keeps every list within its bound, holding exactly the customers its rule picks", async () => {
    for (const [name, { bound, expected }] of Object.entries(LISTS)) {
      const { rows, customerIds } = shipped.get(name)!;
      expect(rows, `${name}: ${rows} rows, bound ${bound()}`).toBeLessThanOrEqual(bound());
      const want = (await warehouseRows<{ customer_id: string }>(expected)).map((row) => row.customer_id).sort();
      expect([...customerIds!].sort(), name).toEqual(want);
    }
    // Bounded by the key-customer rule, and the alert lists every one of them.
    expect(shipped.get("customer_key_gone_quiet")?.rows).toBe(dims.key_customers_gone_quiet);
    expect(dims.key_customers).toBeLessThanOrEqual(Math.ceil(0.1 * dims.reference_customers));
    // At the demo's size every list already leaves customers out: the bounds bite.
    const [all] = await warehouseRows<Record<string, number>>(
      `select
         (select count(*) from marts.customer_churn where churn_status in ('at_risk', 'churned')) as customer_at_risk_top,
         (select count(*) from marts.customer_value_tiers where value_tier is not null) as customer_tier_top,
         (select count(*) from marts.customer_360 where rfm_segment is not null) as customer_segment_top`,
    );
    for (const [name, customers] of Object.entries(all!)) {
      expect(shipped.get(name)!.rows, name).toBeLessThan(Number(customers));
    }
  });

  it("keeps every table of counts and sums within the product of the dimensions it is grouped by", () => {
    for (const [name, bound] of Object.entries(AGGREGATES)) {
      const { rows } = shipped.get(name)!;
      expect(rows, `${name}: ${rows} rows, bound ${bound()}`).toBeLessThanOrEqual(bound());
    }
  });
});

describe("the customer pages' numbers equal the same queries against the marts", () => {
  it("churn page: customers by value tier and churn status", async () => {
    const shown = await pageQuery(en("/customers/churn"), "status_by_tier");
    const expected = await warehouseRows<Record<string, unknown>>(
      `select coalesce(tier.name_en, '(no tier)') as tier_name, coalesce(tier.tier_order, 9) as tier_order,
              churn.churn_status, count(*) as customers
       from marts.customer_churn as churn
       left join marts.customer_tier_service as tier on tier.value_tier = churn.value_tier
       group by all order by tier_order, churn.churn_status`,
    );
    const key = (row: Record<string, unknown>): string => `${String(row.tier_name)} ${String(row.churn_status)}`;
    const columns = ["tier_order", "customers"];
    const sorted = (rows: Record<string, unknown>[]) =>
      rows.map((row) => [key(row), figures(row, columns)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(sorted(shown)).toEqual(sorted(expected));
    expect(new Set(expected.map((row) => row.tier_name)).size).toBeGreaterThanOrEqual(4);
  });

  it("churn page: the at-risk list is the top by lifetime revenue, and says how many of how many", async () => {
    const shown = await pageQuery(en("/customers/churn"), "customers_at_risk");
    const where = "churn.churn_status = 'at_risk'";
    const from = `from marts.customer_churn as churn
      left join marts.customer_360 as profile on profile.customer_id = churn.customer_id`;
    const top = await warehouseRows<{ customer_id: string }>(
      `select churn.customer_id ${from} where ${where}
       order by profile.lifetime_revenue desc, churn.customer_id limit ${LIST_LIMIT}`,
    );
    expect(shown.map((row) => row.customer_id)).toEqual(top.map((row) => row.customer_id));
    const [{ n } = { n: 0 }] = await warehouseRows<{ n: number }>(`select count(*) as n ${from} where ${where}`);
    expect(Number(n)).toBeGreaterThan(LIST_LIMIT); // the demo has more at-risk customers than the list shows
    const [matching] = await pageQuery(en("/customers/churn"), "customers_matching");
    expect(Number(matching?.customers)).toBe(Number(n));
    expect(visibleText(await pageHtml(en("/customers/churn")))).toContain(
      `Showing the top ${whole(LIST_LIMIT)} of ${whole(Number(n))} customers matching these filters, by lifetime revenue`,
    );
  });

  it("segments index: customers, key and at-risk customers, lifetime and predicted spend per segment", async () => {
    const shown = await pageQuery(en("/customers/segments"), "segments");
    const expected = await warehouseRows<Record<string, unknown>>(
      `select rfm_segment, count(*) as customers, count(*) filter (where is_key_customer) as key_customers,
              count(*) filter (where churn_status = 'at_risk') as at_risk_customers,
              round(sum(lifetime_revenue), 2) as lifetime_revenue, round(sum(expected_spend_12m), 2) as expected_spend_12m
       from marts.customer_360 where rfm_segment is not null group by all order by lifetime_revenue desc`,
    );
    const columns = TOTALS.filter((column) => column !== "orders");
    expect(shown.map((row) => [row.rfm_segment, figures(row, columns)])).toEqual(
      expected.map((row) => [row.rfm_segment, figures(row, columns)]),
    );
  });

  it("value tiers: the per-tier summary, and the tier's top customers by predicted spend", async () => {
    const shown = await pageQuery(en("/customers/value-tiers"), "tier_summary");
    const expected = await warehouseRows<Record<string, unknown>>(
      `select tier_order, value_tier, count(*) as customers, count(*) filter (where is_key_customer) as key_customers,
              round(sum(revenue_last_12_months), 2) as revenue_last_12_months,
              round(sum(gross_margin_last_12_months), 2) as gross_margin_last_12_months,
              round(sum(expected_spend_12m), 2) as expected_spend_12m,
              count(*) filter (where churn_status = 'at_risk') as at_risk_customers
       from marts.customer_value_tiers group by all order by tier_order`,
    );
    const columns = [
      "customers",
      "key_customers",
      "revenue_last_12_months",
      "gross_margin_last_12_months",
      "expected_spend_12m",
      "at_risk_customers",
    ];
    expect(shown.map((row) => [row.value_tier, figures(row, columns)])).toEqual(
      expected.map((row) => [row.value_tier, figures(row, columns)]),
    );
    // The tier dropdown's default is the high-value loyal tier.
    const list = await pageQuery(en("/customers/value-tiers"), "customers_in_tier");
    const top = await warehouseRows<{ customer_id: string }>(
      `select customer_id from marts.customer_value_tiers where value_tier = 'high_value_loyal'
       order by expected_spend_12m desc nulls last, customer_id limit ${LIST_LIMIT}`,
    );
    expect(list.map((row) => row.customer_id)).toEqual(top.map((row) => row.customer_id));
    const inTier = Number(expected.find((row) => row.value_tier === "high_value_loyal")?.customers);
    expect(visibleText(await pageHtml(en("/customers/value-tiers")))).toContain(
      `Showing the top ${whole(Math.min(inTier, LIST_LIMIT))} of ${whole(inTier)} customers in the tier`,
    );
  });

  it("customer overview: customer counts", async () => {
    const [shown] = await pageQuery(en("/customers"), "customer_counts");
    const [expected] = await warehouseRows<Record<string, unknown>>(
      `select count(*) as customers, count(*) filter (where orders > 0) as buying_customers,
              count(*) filter (where customer_type = 'consumer') as consumers,
              count(*) filter (where customer_type = 'business') as businesses,
              count(*) filter (where is_key_customer) as key_customers
       from marts.customer_360`,
    );
    const columns = ["customers", "buying_customers", "consumers", "businesses", "key_customers"];
    expect(figures(shown!, columns)).toEqual(figures(expected!, columns));
  });
});
