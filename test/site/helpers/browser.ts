// Headless Debian Chromium (never a downloaded browser) driven by puppeteer-core, with a record of every request
// that leaves 127.0.0.1 and of every console error.
//
// Requests are watched three ways, because a page's own request events miss the DuckDB web worker's fetches
// (where the stock site downloads DuckDB's parquet extension):
//   1. the page's request events;
//   2. a CDP Network session on every worker target (dedicated workers such as DuckDB's, service workers);
//   3. a catch-all: Chromium is told to send everything not on loopback through a "proxy" on 127.0.0.1 that only
//      records the host it was asked for and refuses. Whatever part of the browser made the request, it shows here.
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import puppeteer from "puppeteer-core";
import type { Browser, Page, Target } from "puppeteer-core";
import { isLoopbackUrl, offlineChromiumArgs, startRefusingProxy } from "../../../pipelines/site/offline-chromium.js";
import { serveStatic } from "../../../pipelines/site/static-server.js";

export const CHROMIUM_PATH = "/usr/bin/chromium";

export interface WatchedBrowser {
  browser: Browser;
  page: Page;
  /** URLs the site (page, workers) requested from any host other than loopback. */
  outsideRequests: string[];
  /** Chromium's own component-updater ping, which no flag turns off; not the site's doing, kept for the record. */
  browserInternalRequests: string[];
  /** URLs of the worker targets whose network we watched over CDP. */
  watchedTargets: string[];
  /** console.error messages and uncaught page errors. */
  consoleErrors: string[];
  /** Responses with an HTTP error status (a file the site needs is missing). */
  failedResponses: string[];
  close(): Promise<void>;
}

/**
 * Debian's Chromium asks update.googleapis.com/service/update2 for component updates at start-up even with
 * --disable-component-update (checked: no switch stops it). Only the browser process calls that endpoint; a web page
 * cannot address it meaningfully, so it is set apart rather than counted against the site.
 */
const isBrowserInternal = (target: string): boolean =>
  target === "connect://update.googleapis.com:443" || target.startsWith("http://update.googleapis.com/service/update2");

/** Launches Chromium with a fresh profile and one page, recording outside requests and console errors. */
export async function launchWatchedBrowser(): Promise<WatchedBrowser> {
  const outsideRequests: string[] = [];
  const browserInternalRequests: string[] = [];
  const consoleErrors: string[] = [];
  const failedResponses: string[] = [];
  const watchedTargets: string[] = [];
  const recordRequest = (url: string): void => {
    if (!isLoopbackUrl(url)) outsideRequests.push(url);
  };
  const proxy = await startRefusingProxy((target) =>
    (isBrowserInternal(target) ? browserInternalRequests : outsideRequests).push(`(via proxy) ${target}`),
  );
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install the Debian package \`chromium\` (.ci/run does).`);
  }
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), "reports-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    userDataDir,
    // Anything not on loopback goes to the recording proxy, which refuses it.
    args: ["--headless", `--user-data-dir=${userDataDir}`, ...offlineChromiumArgs(proxy.port)],
  });

  const watchTarget = async (target: Target): Promise<void> => {
    // Everything but pages and the browser itself: Chromium reports DuckDB's dedicated worker as type "other".
    const type: string = target.type();
    if (type === "page" || type === "browser" || type === "background_page" || type === "tab") return;
    try {
      const session = await target.createCDPSession();
      session.on("Network.requestWillBeSent", (event) => recordRequest(event.request.url));
      await session.send("Network.enable");
      watchedTargets.push(target.url());
    } catch {
      // The worker may already be gone; the proxy still catches whatever it requested.
    }
  };
  browser.on("targetcreated", (target: Target) => void watchTarget(target));

  const page = await browser.newPage();
  page.on("request", (request) => recordRequest(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(`console.error: ${message.text()}`);
  });
  page.on("pageerror", (error) => consoleErrors.push(`page error: ${String(error)}`));
  page.on("response", (response) => {
    if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.url()}`);
  });

  return {
    browser,
    page,
    outsideRequests,
    browserInternalRequests,
    watchedTargets,
    consoleErrors,
    failedResponses,
    close: async () => {
      await browser.close().catch(() => undefined);
      await proxy.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A built site served on 127.0.0.1 and a watched Chromium to read it with. */
export interface SiteInBrowser {
  url: string;
  browser: WatchedBrowser;
  close(): Promise<void>;
}

/** Serves `siteDir` on loopback and opens a watched Chromium at the given viewport width. */
export async function openSiteInBrowser(siteDir: string, width = 1280): Promise<SiteInBrowser> {
  const server = await serveStatic(siteDir);
  const browser = await launchWatchedBrowser();
  await browser.page.setViewport({ width, height: 1000 });
  return {
    url: server.url,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
