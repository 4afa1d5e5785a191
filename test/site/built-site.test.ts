// The built site, from the one shared offline Evidence build of this run (helpers/shared-site.ts):
//  - its prerendered HTML shows the numbers the warehouse holds, and the data prerendered for the browser matches
//    the same queries;
//  - in headless Chromium, served from 127.0.0.1, the overview's inputs re-query in the browser and show what the
//    warehouse says; nothing is requested from any other host (page, DuckDB's web worker, anything), and nothing
//    is logged as an error.
// Both live in one file on purpose: vitest runs files in parallel, and a second file waiting for the same build
// would hold a worker idle that the broken-query build or the dev-server test can use meanwhile.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchWatchedBrowser } from "./helpers/browser.js";
import type { WatchedBrowser } from "./helpers/browser.js";
import { DEFAULT_SELECTION, expectedOverview, formatMoney, formatWhole } from "./helpers/overview-expected.js";
import type { OverviewFigures, OverviewSelection } from "./helpers/overview-expected.js";
import { chooseOption, shownTable, shownTotals, totalsAsShown, waitUntilShown } from "./helpers/overview-page.js";
import { REPO_ROOT, sharedSite } from "./helpers/shared-site.js";
import type { SharedSite } from "./helpers/shared-site.js";
import { readReportingCurrency } from "../../pipelines/site/number-formats.js";
import { DEMO_COMPANY_NAME } from "../../pipelines/shared/config.js";
import type { ReportingCurrency } from "../../pipelines/site/number-formats.js";
import { serveStatic } from "../../pipelines/site/static-server.js";
import type { StaticServer } from "../../pipelines/site/static-server.js";

let site: SharedSite;
/** The warehouse's reporting currency (ops.reporting_settings): what the pages' fmt=money shows. */
let currency: ReportingCurrency;
const money = (value: number): string => formatMoney(value, currency.symbol);
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

beforeAll(async () => {
  site = await sharedSite();
  currency = await readReportingCurrency(site.warehousePath);
  console.log(
    `[reports] shared site: built in ${(site.buildMs / 1000).toFixed(1)} s, ` +
      `network ${site.ranOffline ? "OFF (loopback only)" : "ON -- run under the offline wrapper to prove offline builds"}`,
  );
});

describe("a build that talks", () => {
  it("says how it is getting on while Evidence is silent, and how many pages it built", () => {
    const text = site.log.join("\n");
    // Evidence prints nothing for minutes while it bundles and prerenders: a line every 15 s says it is alive
    expect(text).toMatch(/\[reports\] evidence build: \d+\.\d s so far/);
    const done = /\[reports\] evidence build done in [\d.]+ s: (\d+) pages/.exec(text);
    expect(done, text.slice(-2000)).not.toBeNull();
    expect(Number(done![1])).toBeGreaterThan(40);
    expect(text).not.toContain("npm run preview");
  });
});

describe("the offline proof", () => {
  // CI sets REQUIRE_OFFLINE=1 and runs the suite with only loopback reachable, so a green run proves the reports build
  // and work with no network. Without the variable (a developer's machine) the network state is only reported.
  it.runIf(process.env["REQUIRE_OFFLINE"] === "1")("the site was built with no network interface but loopback", () => {
    expect(site.ranOffline, "REQUIRE_OFFLINE=1 but a network interface other than loopback is up").toBe(true);
  });
});

// The built site's prerendered query results are Arrow IPC files; read them with the project's apache-arrow.
const require = createRequire(import.meta.url);
const { tableFromIPC } = require("apache-arrow") as typeof import("apache-arrow");

let expected: OverviewFigures;
let text: string;

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

/** The channel overview in English (/en/channels): its exact figures, with thousands separators. */
const OVERVIEW_ROUTE = "/en/channels";

describe("the built overview page (prerendered HTML)", () => {
  beforeAll(async () => {
    expected = await expectedOverview(site.warehousePath, DEFAULT_SELECTION);
    text = visibleText(await readFile(path.join(site.siteDir, OVERVIEW_ROUTE, "index.html"), "utf8"));
  });

  it("shows the data's as-of date from marts.warehouse_status", () => {
    expect(text).toContain(`Data as of ${expected.asOfDate}`);
  });

  it("shows revenue, gross margin and orders for the default selection as the warehouse sums them", () => {
    expect(text).toMatch(new RegExp(`Revenue ${escapeRegExp(money(expected.totals.revenue))}\\b`));
    expect(text).toMatch(new RegExp(`Gross margin ${escapeRegExp(money(expected.totals.gross_margin))}\\b`));
    expect(text).toMatch(new RegExp(`Orders ${formatWhole(expected.totals.orders)}\\b`));
  });

  it("carries the company's name in its header (the demo company's), not the tool's brand", () => {
    expect(text).toContain(DEMO_COMPANY_NAME);
    expect(text).not.toMatch(/Built with Evidence/i);
  });

  it("shows money with the symbol of the warehouse's reporting currency: ¥ for the demo company's CNY", () => {
    // The demo company keeps the default currency; the build wrote fmt=money with its symbol (number-formats.ts).
    expect(currency).toEqual({ code: "CNY", symbol: "¥" });
    expect(text).toMatch(/Revenue ¥[\d,]+ /);
    expect(text).not.toContain("CNY");
  });

  it("in Chinese (/channels) shows the same revenue in 万 / 亿, with Chinese labels", async () => {
    const zh = visibleText(await readFile(path.join(site.siteDir, "channels", "index.html"), "utf8"));
    expect(zh).toContain(`数据截至 ${expected.asOfDate}`);
    const wan =
      expected.totals.revenue >= 1e8
        ? `${(expected.totals.revenue / 1e8).toFixed(2)}亿`
        : `${(expected.totals.revenue / 1e4).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })}万`;
    expect(zh).toContain(`销售额 ${currency.symbol}${wan}`);
    expect(zh).toContain("渠道类型 全部渠道类型");
    expect(zh).not.toContain("Revenue");
  });

  it("renders both inputs with their defaults", () => {
    expect(text).toContain("Channel type All channel types");
    expect(text).toContain("Period Last 12 months");
  });

  it("carries the prerendered tables (by month, channel type, region) equal to the warehouse's", async () => {
    // Evidence writes each page query's result to api/prerendered_queries/<hash>.arrow and the page's
    // query-name -> hash map to api/<md5(route)>/<md5(params)>/all-queries.json (no params: md5('')).
    const md5 = (text: string) => createHash("md5").update(text).digest("hex");
    const index = JSON.parse(
      await readFile(path.join(site.siteDir, "api", md5(OVERVIEW_ROUTE), md5(""), "all-queries.json"), "utf8"),
    ) as Record<string, string>;
    const rows = async (query: string): Promise<Record<string, unknown>[]> => {
      const file = path.join(site.siteDir, "api/prerendered_queries", `${index[`${query}_data`]}.arrow`);
      return tableFromIPC(await readFile(file))
        .toArray()
        .map((row: { toJSON(): Record<string, unknown> }) => row.toJSON());
    };
    const money = (r: Record<string, unknown>) => ({
      revenue: Number(Number(r.revenue).toFixed(2)),
      gross_margin: Number(Number(r.gross_margin).toFixed(2)),
      orders: Number(r.orders),
    });
    expect((await rows("revenue_by_channel_type")).map((r) => ({ channel_type: r.channel_type, ...money(r) }))).toEqual(
      expected.byChannelType.map((r) => ({ channel_type: r.channel_type, ...money(r) })),
    );
    expect((await rows("revenue_by_region")).map((r) => ({ region_name: r.region_name, ...money(r) }))).toEqual(
      expected.byRegion.map((r) => ({ region_name: r.region_name, ...money(r) })),
    );
    const months = (await rows("revenue_by_month")).map((r) => ({
      month: new Date(Number(r.month)).toISOString().slice(0, 7),
      ...money(r),
    }));
    expect(months).toEqual(expected.byMonth.map((r) => ({ month: r.month, ...money(r) })));
  });

  it("is a complete static site: source data as parquet, DuckDB and parquet-wasm served from the site itself", async () => {
    const manifest = JSON.parse(await readFile(path.join(site.siteDir, "data/manifest.json"), "utf8")) as {
      renderedFiles: Record<string, string[]>;
    };
    expect(Object.keys(manifest.renderedFiles)).toEqual(["warehouse"]);
    const tables = manifest.renderedFiles.warehouse?.map((url) => path.basename(url, ".parquet")).sort();
    // One parquet file per source query in sources/warehouse/.
    const sourceQueries = (await readdir(path.join(REPO_ROOT, "sources", "warehouse")))
      .filter((file) => file.endsWith(".sql"))
      .map((file) => path.basename(file, ".sql"))
      .sort();
    expect(tables).toEqual(sourceQueries);
    for (const url of manifest.renderedFiles.warehouse ?? []) {
      expect(existsSync(path.join(site.siteDir, url.replace(/^\/?(static\/)?/, "")))).toBe(true);
    }
    const assets = await readdir(path.join(site.siteDir, "_app/immutable/assets"));
    expect(assets.some((file) => /^duckdb-(eh|mvp)\..*\.wasm$/.test(file))).toBe(true);
    // parquet-wasm decodes the source tables in the browser (the offline patch of universal-sql's browser client).
    expect(assets.some((file) => /^arrow1_bg\..*\.wasm$/.test(file))).toBe(true);
  });
});

let server: StaticServer;
let browser: WatchedBrowser;

const expectedFor = (selection: OverviewSelection): Promise<OverviewFigures> =>
  expectedOverview(site.warehousePath, selection);
const monthRows = (figures: OverviewFigures): string[][] =>
  figures.byMonth.map((r) => [r.month, money(r.revenue), money(r.gross_margin), formatWhole(r.orders)]);
const channelTypeRows = (figures: OverviewFigures): string[][] =>
  figures.byChannelType.map((r) => [
    r.channel_type_label,
    money(r.revenue),
    money(r.gross_margin),
    formatWhole(r.orders),
  ]);

describe("the built overview page in Chromium", () => {
  beforeAll(async () => {
    server = await serveStatic(site.siteDir);
    browser = await launchWatchedBrowser();
    await browser.page.setViewport({ width: 1280, height: 1000 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("loads with the warehouse's figures, and its inputs re-query them in the browser", async () => {
    const { page } = browser;
    const started = Date.now();
    await page.goto(`${server.url}${OVERVIEW_ROUTE}`, { waitUntil: "networkidle0", timeout: 60_000 });

    const initial = await expectedFor(DEFAULT_SELECTION);
    expect(await waitUntilShown(() => shownTotals(page), totalsAsShown(initial, currency.symbol), 30_000)).toEqual(
      totalsAsShown(initial, currency.symbol),
    );
    expect(await waitUntilShown(() => shownTable(page, "Channel type"), channelTypeRows(initial), 30_000)).toEqual(
      channelTypeRows(initial),
    );
    console.log(`[reports] built page showed its data ${Date.now() - started} ms after navigation`);

    // Channel type: search (the Dropdown queries its options in the browser), then pick.
    const liveStreaming = { ...DEFAULT_SELECTION, channelType: "live_streaming" };
    const expectedLive = await expectedFor(liveStreaming);
    expect(expectedLive.totals.revenue).not.toBe(initial.totals.revenue);
    await chooseOption(page, "Channel type", "Live-streaming", "live");
    expect(await waitUntilShown(() => shownTotals(page), totalsAsShown(expectedLive, currency.symbol), 30_000)).toEqual(
      totalsAsShown(expectedLive, currency.symbol),
    );
    expect(await waitUntilShown(() => shownTable(page, "Month"), monthRows(expectedLive), 30_000)).toEqual(
      monthRows(expectedLive),
    );

    // Period: the last 3 months of the same channel type.
    const lastQuarter = { ...liveStreaming, months: 3 };
    const expectedQuarter = await expectedFor(lastQuarter);
    await chooseOption(page, "Period", "Last 3 months");
    expect(
      await waitUntilShown(() => shownTotals(page), totalsAsShown(expectedQuarter, currency.symbol), 30_000),
    ).toEqual(totalsAsShown(expectedQuarter, currency.symbol));
    expect(await waitUntilShown(() => shownTable(page, "Month"), monthRows(expectedQuarter), 30_000)).toEqual(
      monthRows(expectedQuarter),
    );
  });

  it("requested nothing from any other host, DuckDB's web worker included, and logged no error", () => {
    // The worker watch must have been in place for this to mean anything.
    expect(browser.watchedTargets.some((url) => /duckdb-browser-.*worker/.test(url))).toBe(true);
    expect(browser.outsideRequests).toEqual([]);
    expect(browser.consoleErrors).toEqual([]);
    expect(browser.failedResponses).toEqual([]);
    if (browser.browserInternalRequests.length > 0) {
      console.log(`[reports] Chromium's own requests (not the site's): ${browser.browserInternalRequests.join(", ")}`);
    }
  });

  it("would notice a worker's request to another host (the watch is not blind)", async () => {
    const probe = await launchWatchedBrowser();
    try {
      await probe.page.goto(`${server.url}/`, { waitUntil: "domcontentloaded" });
      await probe.page.evaluate(() => {
        const source = "fetch('http://outside.invalid/probe.wasm').catch(() => postMessage('done'))";
        const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
        return new Promise((resolve) => (worker.onmessage = resolve));
      });
      expect(probe.outsideRequests.some((url) => url.includes("outside.invalid"))).toBe(true);
    } finally {
      await probe.close();
    }
  });
});
