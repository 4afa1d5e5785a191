// The executive brief (the front page of the published site, or any other page) as a PDF to send in a chat or an
// e-mail: the built site is served on 127.0.0.1 by our own static server, opened in the system's headless Chromium
// (puppeteer-core: no browser is ever downloaded) and printed to A4.
//
// Offline by construction: every request the page and its web workers (DuckDB's) make to anything but loopback is
// refused (request interception), and Chromium itself is pointed at a "proxy" on 127.0.0.1 that refuses everything,
// so what the interception cannot see (a service worker, Chromium's own background calls) cannot leave either.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import puppeteer from "puppeteer-core";
import type { Browser, Page } from "puppeteer-core";
import { openDatabase, queryRows, quoteLiteral } from "../shared/warehouse/duckdb.js";
import { isLoopbackUrl, offlineChromiumArgs, startRefusingProxy } from "./offline-chromium.js";
import { serveStatic } from "./static-server.js";

/** Where Chromium is looked for when neither `--chromium` nor CHROMIUM_PATH names it. */
export const CHROMIUM_CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/snap/bin/chromium",
];

/** What to install when the machine lacks the browser or a Chinese font (Debian/Ubuntu). */
const INSTALL_HINT = "sudo apt-get install -y chromium fonts-noto-cjk";

/** A failure the user can act on; the message says what to do. */
export class BriefPdfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BriefPdfError";
  }
}

/**
 * The Chromium to print with: `explicit` (the `--chromium` option), else $CHROMIUM_PATH, else the first of the
 * common install paths that exists. A path that was asked for but does not exist is an error, never skipped.
 */
export function findChromium(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  candidates: readonly string[] = CHROMIUM_CANDIDATES,
): string {
  for (const [given, source] of [
    [explicit, "--chromium"],
    [env["CHROMIUM_PATH"], "CHROMIUM_PATH"],
  ] as const) {
    if (!given) continue;
    if (!existsSync(given)) throw new BriefPdfError(`${source} names ${given}, which does not exist.`);
    return given;
  }
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found) return found;
  throw new BriefPdfError(
    `No Chromium found (looked at ${candidates.join(", ")}). Install the system's: \`${INSTALL_HINT}\`, ` +
      "or set CHROMIUM_PATH (or --chromium) to a Chromium or Chrome executable. No browser is downloaded for you.",
  );
}

export interface BriefPdfOptions {
  /** The built site (what build/ holds). */
  siteDir: string;
  /** The page's route; the front page (the executive brief) unless given. */
  route?: string;
  /** The PDF to write; `<outDir>/<name>-<as-of date>.pdf` unless given. */
  outFile?: string;
  /** Where the default file name goes. */
  outDir: string;
  /** Chromium executable; found by findChromium() unless given. */
  chromiumPath?: string;
  /** How long the page may take to show its data. */
  timeoutMs?: number;
  /** A4 across, for pages with wide tables (the risk register); portrait unless given. */
  landscape?: boolean;
  log?: (line: string) => void;
  /** The fonts fontconfig has for Chinese (for tests); `fc-list :lang=zh family` unless given. */
  listChineseFonts?: () => Promise<string[] | undefined>;
}

export interface BriefPdfResult {
  file: string;
  route: string;
  /** The data's as-of date, read from the site's own data files. */
  asOfDate?: string;
  bytes: number;
  /** Requests the page made to other hosts, all refused. */
  blockedRequests: string[];
  /** What reached the refusing proxy instead (service workers, Chromium's own background calls), all refused. */
  refusedAtProxy: string[];
  /** Whether the page's text holds Chinese (and so needed a Chinese font). */
  hasChinese: boolean;
}

/** The front page's brief lines that need action, from the site's copy of reporting.executive_brief. */
export interface BriefLine {
  title_zh: string;
  title_en: string;
  items: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** A4 with room for the footer; Evidence's own print styles (print:hidden) already drop the header and sidebar. */
const PDF_MARGIN = { top: "14mm", bottom: "16mm", left: "12mm", right: "12mm" };
/** The printable width of A4 at those margins, in CSS pixels: the page is laid out (and its charts drawn) at it. */
const contentWidthPx = (landscape: boolean): number => Math.floor((((landscape ? 297 : 210) - 24) / 25.4) * 96);

/**
 * Added for print, on top of Evidence's own print styles (print:hidden already drops the header, sidebar, breadcrumbs
 * and inputs): the content takes the paper's whole width (Evidence fixes it at 650 or 841 px, for US Letter), no
 * table footers (download buttons) or toasts, a table's rows all shown (fitTablesToPaper makes wide ones fit), and
 * no row or heading torn from what follows across a page break.
 */
const PRINT_CSS = `
@media print {
  header, aside, nav, .print\\:hidden, .table-footer, #svelte-announcer { display: none !important; }
  html, body { background: #fff !important; }
  [class*="print:w-"], main, article { width: auto !important; max-width: none !important; }
  [class*="print:w-"] { margin: 0 !important; padding: 0 !important; }
  main { margin-top: 0 !important; padding: 0 !important; }
  .scrollbox { overflow: visible !important; max-height: none !important; }
  table { width: 100% !important; table-layout: auto !important; }
  tr, .alert, .chart-container, .big-value { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
}
`;

/** A script putting `css` in every document before its own scripts run (a string: tsx would rewrite a function). */
const injectStyleScript = (css: string): string => `(() => {
  const add = () => {
    const style = document.createElement("style");
    style.setAttribute("data-brief-pdf", "");
    style.textContent = ${JSON.stringify(css)};
    document.head.appendChild(style);
  };
  if (document.head) add();
  else document.addEventListener("DOMContentLoaded", add, { once: true });
})()`;

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** "/" -> "brief", "/channels/risks" -> "channels-risks". */
export function pdfBaseName(route: string): string {
  const slug = route
    .split("/")
    .filter(Boolean)
    .join("-")
    .replace(/[^\p{L}\p{N}_-]+/gu, "_");
  return slug === "" ? "brief" : slug;
}

/** "/channels/risks/" and "channels/risks" -> "/channels/risks". */
export function normaliseRoute(route: string): string {
  const trimmed = route.trim().replace(/^\/+|\/+$/g, "");
  if (/^[a-z]+:/i.test(trimmed) || trimmed.includes("..")) {
    throw new BriefPdfError(`--page takes a route of the site such as /channels/risks, not ${route}.`);
  }
  return `/${trimmed}`;
}

/** The file of a source table the build published (data/manifest.json lists them), or undefined. */
async function siteTableFile(siteDir: string, table: string): Promise<string | undefined> {
  let manifest: { renderedFiles?: Record<string, string[]> };
  try {
    manifest = JSON.parse(await readFile(path.join(siteDir, "data", "manifest.json"), "utf8")) as typeof manifest;
  } catch {
    return undefined;
  }
  const suffix = `/${table}/`;
  for (const files of Object.values(manifest.renderedFiles ?? {})) {
    const file = files.find((f) => f.includes(suffix) && f.endsWith(`/${table}.parquet`));
    if (file) return path.join(siteDir, file.replace(/^static\//, ""));
  }
  return undefined;
}

/** Rows of a table the site publishes (its parquet copy, read with DuckDB), or undefined when the site has none. */
async function readSiteTable(
  siteDir: string,
  table: string,
  sql: string,
): Promise<Record<string, unknown>[] | undefined> {
  const file = await siteTableFile(siteDir, table);
  if (!file || !existsSync(file)) return undefined;
  const db = await openDatabase(":memory:");
  try {
    return await queryRows(db.connection, sql.replaceAll("$table", `read_parquet(${quoteLiteral(file)})`));
  } finally {
    db.close();
  }
}

/** The as-of date the site shows (yyyy-mm-dd), from its copy of marts.warehouse_status. */
export async function siteAsOfDate(siteDir: string): Promise<string | undefined> {
  const rows = await readSiteTable(
    siteDir,
    "warehouse_status",
    "select strftime(cast(as_of_date as date), '%Y-%m-%d') as as_of_date from $table",
  ).catch(() => undefined);
  const value = rows?.[0]?.["as_of_date"];
  return typeof value === "string" ? value : undefined;
}

/** The brief's lines that need action, as the site ships them (undefined when the site has no brief). */
export async function siteBriefActions(siteDir: string): Promise<BriefLine[] | undefined> {
  const rows = await readSiteTable(
    siteDir,
    "executive_brief",
    "select title_zh, title_en, items::bigint as items from $table where needs_action order by finding_order",
  ).catch(() => undefined);
  return rows?.map((row) => ({
    title_zh: String(row["title_zh"]),
    title_en: String(row["title_en"]),
    items: Number(row["items"]),
  }));
}

/** The font families fontconfig offers for Chinese, or undefined when fc-list cannot be run. */
async function chineseFonts(): Promise<string[] | undefined> {
  try {
    const { stdout } = await promisify(execFile)("fc-list", [":lang=zh", "family"], { timeout: 10_000 });
    return stdout.split("\n").filter((line) => line.trim() !== "");
  } catch {
    return undefined;
  }
}

async function launchOfflineChromium(executablePath: string, proxyPort: number): Promise<Browser> {
  try {
    return await puppeteer.launch({
      executablePath,
      headless: true,
      args: [...offlineChromiumArgs(proxyPort), "--font-render-hinting=none"],
    });
  } catch (error) {
    throw new BriefPdfError(
      `Chromium (${executablePath}) did not start: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * Evidence keeps every table cell on one line, so a wide table runs off the paper. In a table wider than its box,
 * the cells of more than a few words wrap (a finding's title, a count or an amount stays whole); a table still too
 * wide (a dozen columns) is scaled down, to no less than 60 %, and if even that does not fit, every cell may wrap.
 * Returns the scales applied. (Runs in the page; no named inner functions, which tsx would rewrite into a helper the page lacks.)
 */
function fitTablesToPaper(): number[] {
  const scaled: number[] = [];
  for (const table of Array.from(document.querySelectorAll("table"))) {
    const box = table.parentElement;
    if (!box || box.clientWidth === 0) continue;
    const cells = Array.from(table.querySelectorAll<HTMLElement>("th, td"));
    if (table.getBoundingClientRect().width <= box.clientWidth + 1) continue;
    for (const cell of cells)
      if (cell.tagName === "TH" || cell.innerText.trim().length > 16) cell.style.whiteSpace = "normal";
    const width = table.getBoundingClientRect().width;
    if (width <= box.clientWidth + 1) continue;
    const scale = Math.max(0.6, box.clientWidth / width);
    table.style.setProperty("zoom", String(scale));
    scaled.push(scale);
    if (table.getBoundingClientRect().width <= box.clientWidth + 1) continue;
    for (const cell of cells) cell.style.whiteSpace = "normal";
  }
  return scaled;
}

/**
 * Request interception at the Chrome DevTools Protocol level (Fetch domain) on the page's session: every request of
 * the page and of its dedicated workers (DuckDB's) is paused, loopback goes on, anything else fails as blocked by the
 * client. Not puppeteer's setRequestInterception, which leaves a web worker's requests hanging now and then
 * (puppeteer/puppeteer#4208, #14515): a brief waiting on DuckDB's worker would never finish.
 */
async function refuseOffMachineRequests(page: Page, record: (url: string) => void): Promise<void> {
  const session = await page.createCDPSession();
  session.on("Fetch.requestPaused", ({ requestId, request }) => {
    let answer: Promise<unknown>;
    if (isLoopbackUrl(request.url)) {
      answer = session.send("Fetch.continueRequest", { requestId });
    } else {
      record(request.url);
      answer = session.send("Fetch.failRequest", { requestId, errorReason: "BlockedByClient" });
    }
    // The page may have navigated or closed meanwhile: nothing is left to answer.
    answer.catch(() => undefined);
  });
  await session.send("Fetch.enable", { patterns: [{ urlPattern: "*" }] });
}

/** Polls the page's text until it has not changed for `quietMs` (charts and tables settle after the data loads). */
async function waitForSettledText(page: Page, quietMs: number, deadline: number): Promise<string> {
  let last = "";
  let since = Date.now();
  for (;;) {
    const text = await page.evaluate(() => document.body.innerText);
    if (text !== last) {
      last = text;
      since = Date.now();
    } else if (Date.now() - since >= quietMs || Date.now() > deadline) {
      return text;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Opens `route` of the site in offline Chromium, waits until Evidence has rendered its data (network idle, the
 * text settled and, on the front page, every brief line that needs action shown) and prints it to an A4 PDF.
 */
export async function writeBriefPdf(options: BriefPdfOptions): Promise<BriefPdfResult> {
  const log = options.log ?? (() => undefined);
  const route = normaliseRoute(options.route ?? "/");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const siteDir = path.resolve(options.siteDir);
  if (!existsSync(path.join(siteDir, "index.html"))) {
    throw new BriefPdfError(`${siteDir} holds no built site: run \`npm run refresh\` (or \`npm run reports\`) first.`);
  }
  const chromiumPath = findChromium(options.chromiumPath);
  const asOfDate = await siteAsOfDate(siteDir);
  const briefActions = route === "/" ? await siteBriefActions(siteDir) : undefined;
  const outFile = path.resolve(
    options.outFile ?? path.join(options.outDir, `${pdfBaseName(route)}${asOfDate ? `-${asOfDate}` : ""}.pdf`),
  );

  const blockedRequests: string[] = [];
  const blockedByProxy: string[] = [];
  const pageErrors: string[] = [];
  const server = await serveStatic(siteDir, 0, "127.0.0.1");
  const proxy = await startRefusingProxy((target) => blockedByProxy.push(target));
  let browser: Browser | undefined;
  try {
    browser = await launchOfflineChromium(chromiumPath, proxy.port);
    const page = await browser.newPage();
    await page.setViewport({ width: contentWidthPx(options.landscape ?? false), height: 1100 });
    // Laid out as printed from the start: the charts size themselves to the paper's width, not the screen's.
    // (Only this: puppeteer's emulateMediaFeatures would reset the media type.)
    await page.emulateMediaType("print");
    await page.evaluateOnNewDocument(injectStyleScript(PRINT_CSS));
    await refuseOffMachineRequests(page, (url) => blockedRequests.push(url));
    page.on("pageerror", (error) => pageErrors.push(String(error)));

    const url = `${server.url}${route === "/" ? "/" : route}`;
    log(`[pdf] opening ${route} of ${siteDir} in ${chromiumPath} (offline)`);
    const deadline = Date.now() + timeoutMs;
    const response = await page.goto(url, { waitUntil: "networkidle0", timeout: timeoutMs }).catch((error: unknown) => {
      throw new BriefPdfError(`${route} did not load within ${timeoutMs / 1000} s: ${String(error)}`);
    });
    if (!response || response.status() >= 400) {
      throw new BriefPdfError(`The site has no page ${route} (HTTP ${response?.status() ?? "no response"}).`);
    }
    if (briefActions && briefActions.length > 0) {
      const titles = briefActions.map((line) => line.title_zh);
      await page
        .waitForFunction(
          (wanted: string[]) => wanted.every((t) => document.body.innerText.includes(t)),
          {
            timeout: Math.max(1_000, deadline - Date.now()),
            polling: 250,
          },
          titles,
        )
        .catch(async () => {
          const shown = await page.evaluate(() => document.body.innerText).catch(() => "");
          const missing = titles.filter((t) => !shown.includes(t));
          throw new BriefPdfError(
            `The brief did not show its findings within ${timeoutMs / 1000} s (missing: ${missing.join(", ")}).` +
              (pageErrors.length ? ` Page errors: ${pageErrors.join(" | ")}` : ""),
          );
        });
    }
    const text = await waitForSettledText(page, 1_500, deadline);
    const errorPanels = await page.$$eval('[class*="bg-negative/10"]', (panels) =>
      panels.map((p) => (p as HTMLElement).innerText.replace(/\s+/g, " ").trim()).filter(Boolean),
    );
    if (errorPanels.length > 0) {
      throw new BriefPdfError(`${route} shows an error, so no PDF was written: ${errorPanels.join(" | ")}`);
    }
    const hasChinese = /\p{Script=Han}/u.test(text);
    if (hasChinese) {
      const fonts = await (options.listChineseFonts ?? chineseFonts)();
      if (fonts && fonts.length === 0) {
        throw new BriefPdfError(
          `${route} has Chinese text but this machine has no Chinese font: it would print as empty boxes. ` +
            `Install one (\`${INSTALL_HINT}\`) and run again.`,
        );
      }
    }

    // Evidence's own "Print PDF" announces itself so: charts are redrawn as still images at print width, collapsed
    // sections open and every tab shows.
    await page.evaluate(() => {
      window.dispatchEvent(new Event("export-beforeprint"));
      return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const scale of await page.evaluate(fitTablesToPaper)) {
      log(
        `[pdf] a table too wide for the paper is printed at ${Math.round(scale * 100)} %${options.landscape ? "" : " (--landscape gives it more room)"}`,
      );
    }
    const title = (await page.title()) || route;
    // The English pages are under /en (pipelines/site/page-languages.ts); the footer speaks the page's language.
    const english = route === "/en" || route.startsWith("/en/");
    const footer =
      `<div style="font-size:8px;width:100%;padding:0 12mm;color:#666;display:flex;justify-content:space-between">` +
      `<span>${escapeHtml(title)}${asOfDate ? ` · ${english ? "Data as of" : "数据截至"} ${asOfDate}` : ""}</span>` +
      `<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`;
    const pdf = await page.pdf({
      format: "A4",
      landscape: options.landscape ?? false,
      printBackground: true,
      margin: PDF_MARGIN,
      displayHeaderFooter: true,
      headerTemplate: "<span></span>",
      footerTemplate: footer,
      timeout: Math.max(30_000, deadline - Date.now()),
    });

    await mkdir(path.dirname(outFile), { recursive: true });
    const partial = `${outFile}.${process.pid}.partial`;
    await writeFile(partial, pdf);
    await rename(partial, outFile).catch(async (error: unknown) => {
      await rm(partial, { force: true });
      throw error;
    });
    if (blockedRequests.length > 0) {
      log(`[pdf] the page asked for ${blockedRequests.length} address(es) off this machine; all refused:`);
      for (const request of blockedRequests.slice(0, 10)) log(`  ${request}`);
    }
    return {
      file: outFile,
      route,
      asOfDate,
      bytes: pdf.byteLength,
      blockedRequests,
      refusedAtProxy: blockedByProxy,
      hasChinese,
    };
  } finally {
    await browser?.close().catch(() => undefined);
    await proxy.close();
    await server.close();
  }
}
