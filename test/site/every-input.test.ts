// Every page of the built site, every dropdown on it, a few of its options: in the reader's browser. The build only
// runs each page's queries with the inputs' default values; a query that breaks for another choice (a region with no
// rows, a typo in a filter that only one option reaches) would surface only when leadership picks that option. Each
// choice must leave no error box (Evidence's red query-error panel) and log no error.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSiteInBrowser } from "./helpers/browser.js";
import type { SiteInBrowser } from "./helpers/browser.js";
import { chooseOption, openDropdown } from "./helpers/overview-page.js";
import { sharedSite } from "./helpers/shared-site.js";

/** Options tried per dropdown besides the one it opens with: enough to leave the default path, few enough to be quick. */
const OPTIONS_PER_DROPDOWN = 2;

/** The site's page routes (one per prerendered index.html); of a templated page family, only its first page. */
function pageRoutes(siteDir: string): string[] {
  const routes: string[] = [];
  const walk = (dir: string, route: string): void => {
    const entries = readdirSync(dir).sort();
    if (entries.includes("index.html")) routes.push(route || "/");
    for (const entry of entries) {
      const full = path.join(dir, entry);
      if (entry.startsWith("_") || entry === "data" || !statSync(full).isDirectory()) continue;
      walk(full, `${route}/${entry}`);
    }
  };
  walk(siteDir, "");
  const families = new Set<string>();
  return routes.filter((route) => {
    // Templated pages (one per partner, one per segment) share one file: one of each family is enough.
    const family = route.match(/^((?:\/en)?\/channels\/partners|(?:\/en)?\/customers\/segments)\/[^/]+$/)?.[1];
    if (family === undefined) return true;
    if (families.has(family)) return false;
    families.add(family);
    return true;
  });
}

let served: SiteInBrowser;
let routes: string[];

beforeAll(async () => {
  const site = await sharedSite();
  routes = pageRoutes(site.siteDir);
  served = await openSiteInBrowser(site.siteDir, 1400);
}, 900_000);

afterAll(async () => {
  await served?.close();
});

describe("every input on every page", () => {
  it("finds the pages, templated ones included", () => {
    expect(routes).toContain("/");
    expect(routes).toContain("/customers/churn");
    expect(routes.filter((r) => r.startsWith("/channels/partners/"))).toHaveLength(1);
    expect(routes.length).toBeGreaterThanOrEqual(18);
  });

  it("re-queries in the browser without an error for other choices than the default", async () => {
    const { page, consoleErrors } = served.browser;
    const problems: string[] = [];
    let choicesMade = 0;
    for (const route of routes) {
      await page.goto(`${served.url}${route}`, { waitUntil: "networkidle0", timeout: 120_000 });
      const titles = await page.$$eval('button[role="combobox"][aria-label]', (buttons) =>
        buttons.map((b) => b.getAttribute("aria-label") ?? ""),
      );
      for (const title of titles) {
        const options = await listOptions(page, title);
        for (const option of options.slice(0, OPTIONS_PER_DROPDOWN + 1).slice(1)) {
          const errorsBefore = consoleErrors.length;
          await chooseOption(page, title, option);
          // A single-select dropdown closes on its own; make sure it is closed before the next one opens.
          await page.keyboard.press("Escape");
          choicesMade++;
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          const panels = await errorPanels(page);
          const logged = consoleErrors.slice(errorsBefore);
          if (panels.length || logged.length) {
            problems.push(`${route} — "${title}" = "${option}": ${[...panels, ...logged].join(" | ").slice(0, 400)}`);
          }
        }
      }
    }
    console.log(`[reports] ${routes.length} pages, ${choicesMade} dropdown choices tried in the browser`);
    expect(choicesMade).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  }, 900_000);
});

/** The options a dropdown offers (their data-value), read by opening and closing it. */
async function listOptions(page: SiteInBrowser["browser"]["page"], title: string): Promise<string[]> {
  await openDropdown(page, title);
  const options = await page.$$eval("[data-cmdk-item]", (items) =>
    items.map((i) => i.getAttribute("data-value") ?? ""),
  );
  await page.keyboard.press("Escape");
  return options.filter((o) => o !== "");
}

/** Texts of Evidence's query-error panels on the page (the red boxes a failed query renders instead of its chart). */
async function errorPanels(page: SiteInBrowser["browser"]["page"]): Promise<string[]> {
  return page.$$eval('[class*="bg-negative/10"]', (panels) =>
    panels.map((p) => (p as HTMLElement).innerText.replace(/\s+/g, " ").trim()),
  );
}
