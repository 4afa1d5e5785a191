// Reading and driving reports/index.md in a browser (as Evidence's core components render it).
import type { Page } from "puppeteer-core";
import { formatMoney, formatWhole } from "./overview-expected.js";
import type { OverviewFigures } from "./overview-expected.js";

export interface ShownTotals {
  revenue: string;
  gross_margin: string;
  orders: string;
}

/**
 * The three BigValues, as displayed (e.g. "¥9,848,911": a currency symbol, if any, is read with the number), or
 * undefined while they are not rendered.
 */
export async function shownTotals(page: Page): Promise<ShownTotals | undefined> {
  const whole = await page.evaluate(() => document.body.innerText);
  // The overview's totals, not the headline figures above them (销售额 Revenue, year to date): read from its heading on.
  const start = whole.indexOf("Channel overview");
  const text = start >= 0 ? whole.slice(start) : whole;
  const pick = (label: string): string | undefined =>
    new RegExp(`${label}\\s+(-?[^\\s\\d,-]*[\\d,]+)\\s`).exec(text.replace(/\u00a0/g, " "))?.[1];
  const revenue = pick("Revenue");
  const gross_margin = pick("Gross margin");
  const orders = pick("Orders");
  return revenue && gross_margin && orders ? { revenue, gross_margin, orders } : undefined;
}

/** The totals a selection should display, money with the warehouse's currency symbol. */
export function totalsAsShown(figures: OverviewFigures, symbol: string): ShownTotals {
  return {
    revenue: formatMoney(figures.totals.revenue, symbol),
    gross_margin: formatMoney(figures.totals.gross_margin, symbol),
    orders: formatWhole(figures.totals.orders),
  };
}

/** Body rows of the first DataTable whose first column header is `firstHeader` (cells as displayed). */
export async function shownTable(page: Page, firstHeader: string): Promise<string[][]> {
  return page.evaluate((header) => {
    for (const table of Array.from(document.querySelectorAll("table"))) {
      const headers = Array.from(table.querySelectorAll('th[role="columnheader"]')).map((th) =>
        (th as HTMLElement).innerText.trim(),
      );
      if (headers[0] !== header) continue;
      return Array.from(table.querySelectorAll("tr"))
        .map((tr) =>
          Array.from(tr.querySelectorAll('td[role="cell"]')).map((td) => (td as HTMLElement).innerText.trim()),
        )
        .filter((cells) => cells.length > 0);
    }
    return [];
  }, firstHeader);
}

/** Polls `read` until it returns a value equal (as JSON) to `expected`; returns the last value read either way. */
export async function waitUntilShown<T>(read: () => Promise<T>, expected: T, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    try {
      last = await read();
    } catch {
      // The page may be navigating (vite reloads the dev preview once it has optimised dependencies).
      last = undefined as T;
    }
    if (JSON.stringify(last) === JSON.stringify(expected) || Date.now() > deadline) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Picks an option of an Evidence Dropdown: opens it by its label, optionally types into its search box (which
 * makes the Dropdown query its options in the browser), and clicks the option shown as `optionLabel`.
 */
export async function chooseOption(
  page: Page,
  inputTitle: string,
  optionLabel: string,
  search?: string,
): Promise<void> {
  await openDropdown(page, inputTitle);
  if (search !== undefined) await page.type("[data-cmdk-input]", search);
  const option = `[data-cmdk-item][data-value="${optionLabel}"]`;
  await page.waitForSelector(option, { visible: true, timeout: 30_000 });
  await page.click(option);
}

/** Opens an Evidence Dropdown by its label (until the page has hydrated a click does nothing, so it retries). */
export async function openDropdown(page: Page, inputTitle: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.click(`button[role="combobox"][aria-label="${inputTitle}"]`);
    const opened = await page
      .waitForSelector("[data-cmdk-input]", { visible: true, timeout: 3_000 })
      .then(() => true)
      .catch(() => false);
    if (opened) return;
    if (attempt === 10) throw new Error(`Dropdown "${inputTitle}" does not open`);
  }
}
