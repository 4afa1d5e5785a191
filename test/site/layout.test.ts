// Every table of every page, in both languages, fits a 1440 px wide window: a reader never has to scroll a table
// sideways to find its last columns (where the key figure often is: a waterfall's contribution, a scorecard's conflict
// incidents, an evidence line's file and line). Measured in headless Chromium on the shared demo site: each table's
// scroll width against the width of the box that would scroll it. And what a reader sees is words, not the
// warehouse's codes: no snake_case code, no true/false, no markdown left unrendered, and each language's page in its
// own language (the Chinese page's title in Chinese, the English one's with no Chinese). Evidence's own words (a
// table's pager and search box, a dropdown's "Select all", the header's menu) and the charts' axis dates follow the
// page's language too.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openSiteInBrowser, type SiteInBrowser } from "./helpers/browser.js";
import { REPO_ROOT, sharedSite } from "./helpers/shared-site.js";

/** Every page's route, from the reports folder; a parameterised page through one of its prerendered instances. */
function routes(dir = path.join(REPO_ROOT, "reports"), prefix = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...routes(full, `${prefix}/${name}`));
    else if (name === "index.md") out.push(prefix || "/");
    else if (/^\[.+\]\.md$/.test(name)) out.push(`${prefix}/${PARAMETER_EXAMPLES[`${prefix}/${name}`] ?? ""}`);
    else if (name.endsWith(".md")) out.push(`${prefix}/${name.slice(0, -3)}`);
  }
  return out;
}

/** An instance of each parameterised page the demo company has. */
const PARAMETER_EXAMPLES: Record<string, string> = {
  "/channels/partners/[partner_id].md": "PA0011",
  "/customers/segments/[segment].md": "at_risk",
};

/**
 * Words Evidence's own components print in English: none may show on a Chinese page (its text, a search box's
 * placeholder, a button's label for screen readers).
 */
const EVIDENCE_ENGLISH =
  /\b(?:Page|Search|No Results|records|Fullscreen|Download|See more|Select all|Clear selection|Selected|No Records|Loading|Open sidebar|Close sidebar|Menu|Print PDF|Show Queries|Hide Queries|Appearance)\b/;

/** What Evidence's interface shows on a page, beside the page's own text: placeholders and labels. */
interface InterfaceWords {
  /** placeholders and aria-labels of the page's inputs and buttons */
  labels: string[];
  /** the pager's visible words, where a table has one */
  pagers: string[];
  /** the month names each chart's ECharts instance would print on a date axis */
  chartMonths: string[];
  /** the names of the charts' series, which their tooltips and legends print */
  seriesNames: string[];
}

interface TableWidth {
  index: number;
  tableWidth: number;
  boxWidth: number;
  lastColumn: string;
}

describe("page layout at 1440 px", () => {
  let site: SiteInBrowser;
  beforeAll(async () => {
    site = await openSiteInBrowser((await sharedSite()).siteDir, 1440);
    return () => site.close();
  }, 120_000);

  it("fits every table of every page in the page's width, and shows words, not codes, in each language", async () => {
    const pages = routes().flatMap((route) => [route, route === "/" ? "/en" : `/en${route}`]);
    expect(pages).toContain("/channels/profitability");
    expect(pages).toContain("/channels/partners/PA0011");
    const offenders: string[] = [];
    const wordings: string[] = [];
    let tables = 0;
    // proof the interface check is not blind: English pages show Evidence's English pager and search box
    const englishInterface = { pagers: 0, searches: 0, charts: 0 };
    let chineseCharts = 0;
    for (const route of pages) {
      await site.browser.page.goto(`${site.url}${route}`, { waitUntil: "networkidle0", timeout: 120_000 });
      // the tables are drawn once the page's data has loaded in the browser
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const widths = await site.browser.page.evaluate((): TableWidth[] =>
        // tables a reader sees (Evidence keeps hidden copies of some, zero wide)
        [...document.querySelectorAll("table")]
          .filter((table) => table.getBoundingClientRect().width > 0)
          .map((table, index) => {
            // the nearest box that scrolls or clips the table
            let box = table.parentElement;
            while (box && box !== document.body && !/(auto|scroll|hidden)/.test(getComputedStyle(box).overflowX)) {
              box = box.parentElement;
            }
            const heads = [...table.querySelectorAll("th")].map((th) => th.innerText.trim().replace(/\s+/g, " "));
            return {
              index,
              tableWidth: table.scrollWidth,
              boxWidth: (box ?? document.body).clientWidth,
              lastColumn: heads[heads.length - 1] ?? "",
            };
          }),
      );
      tables += widths.length;
      const shown = await site.browser.page.evaluate(() => ({
        title: document.querySelector("h1")?.innerText ?? "",
        text: document.querySelector("article")?.innerText ?? document.body.innerText,
      }));
      const english = route === "/en" || route.startsWith("/en/");
      const ui = await site.browser.page.evaluate((): InterfaceWords => {
        const charts = (window as unknown as Record<symbol, Record<string, unknown>>)[
          Symbol.for("__evidence-chart-window-debug__")
        ];
        return {
          labels: [...document.querySelectorAll("input[placeholder], button[aria-label], a[aria-label]")].map(
            (el) => el.getAttribute("placeholder") ?? el.getAttribute("aria-label") ?? "",
          ),
          pagers: [...document.querySelectorAll(".page-count, .noresults")].map((el) => (el as HTMLElement).innerText),
          chartMonths: Object.values(charts ?? {}).map(
            (chart) => (chart as { _locale?: { time?: { month?: string[] } } })._locale?.time?.month?.[0] ?? "?",
          ),
          seriesNames: Object.values(charts ?? {}).flatMap((chart) =>
            ((chart as { getOption(): { series?: { name?: string }[] } }).getOption().series ?? []).map(
              (series) => series.name ?? "",
            ),
          ),
        };
      });
      if (english) {
        englishInterface.pagers += ui.pagers.filter((p) => /Page/.test(p)).length;
        englishInterface.searches += ui.labels.filter((l) => l === "Search").length;
        englishInterface.charts += ui.chartMonths.filter((m) => m === "January").length;
        for (const month of ui.chartMonths.filter((m) => m !== "January")) {
          wordings.push(`${route}: a chart's dates in another language ("${month}")`);
        }
      } else {
        const header = await site.browser.page.evaluate(() => document.querySelector("header")?.innerText ?? "");
        for (const word of [...ui.labels, ...ui.pagers, header]) {
          const found = word.match(EVIDENCE_ENGLISH);
          if (found) wordings.push(`${route}: Evidence's English "${found[0]}" (in "${word.trim()}")`);
        }
        // a tooltip names a series by the column it plots unless the page names it in the reader's words
        for (const name of ui.seriesNames.filter((n) => /^[\x20-\x7e]*[a-z]{3}[\x20-\x7e]*$/.test(n))) {
          wordings.push(`${route}: a chart's series named "${name}"`);
        }
        chineseCharts += ui.chartMonths.filter((m) => m === "一月").length;
        for (const month of ui.chartMonths.filter((m) => m !== "一月")) {
          wordings.push(`${route}: a chart's dates in another language ("${month}")`);
        }
      }
      if (english && /\p{Script=Han}/u.test(shown.title))
        wordings.push(`${route}: Chinese in the title "${shown.title}"`);
      if (!english && !/\p{Script=Han}/u.test(shown.title))
        wordings.push(`${route}: no Chinese title ("${shown.title}")`);
      // The data-quality page names tables and streams (order_lines), and the glossaries the mart and column where
      // each metric lives, on purpose: they are what an operator or an analyst looks for.
      const codes = /(data-quality|glossary)$/.test(route)
        ? []
        : (shown.text.match(/(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./-])/g) ?? []);
      const booleans = shown.text.match(/\b(?:true|false)\b/g) ?? [];
      const markdown = shown.text.match(/\[[^\]\n]+\]\(\/[^)]*\)|\[\[|\]\]|\*\*\S/g) ?? [];
      for (const found of [...new Set([...codes, ...booleans, ...markdown])]) wordings.push(`${route}: "${found}"`);
      for (const width of widths.filter((w) => w.tableWidth > w.boxWidth + 1)) {
        offenders.push(
          `${route} table ${width.index} (last column "${width.lastColumn}"): ${width.tableWidth} px in ${width.boxWidth} px`,
        );
      }
    }
    // every page drew its tables before it was measured (the channel and customer pages hold about 70)
    expect(tables).toBeGreaterThan(100);
    // the English pages show Evidence's own English words and dates: the Chinese pages' check above can see them
    expect(englishInterface.pagers).toBeGreaterThan(5);
    expect(englishInterface.searches).toBeGreaterThan(5);
    expect(englishInterface.charts).toBeGreaterThan(10);
    expect(chineseCharts).toBe(englishInterface.charts);
    expect(offenders).toEqual([]);
    expect(wordings).toEqual([]);
  }, 1_800_000);
});
