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
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import puppeteer from "puppeteer-core";
import type { Browser, Page, Target } from "puppeteer-core";
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

const isLoopback = (url: string): boolean => {
  if (url.startsWith("data:") || url.startsWith("blob:") || url.startsWith("about:")) return true;
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  } catch {
    return false;
  }
};

/**
 * Debian's Chromium asks update.googleapis.com/service/update2 for component updates at start-up even with
 * --disable-component-update (checked: no switch stops it). Only the browser process calls that endpoint; a web page
 * cannot address it meaningfully, so it is set apart rather than counted against the site.
 */
const isBrowserInternal = (target: string): boolean =>
  target === "connect://update.googleapis.com:443" || target.startsWith("http://update.googleapis.com/service/update2");

/** Starts the recording proxy; every request or CONNECT it receives is an attempt to reach another host. */
async function startTrapProxy(record: (target: string) => void) {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    record(request.url ?? "(unknown)");
    response.writeHead(502).end();
  });
  server.on("connect", (request, socket: Socket) => {
    record(`connect://${request.url ?? "(unknown)"}`);
    socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Launches Chromium with a fresh profile and one page, recording outside requests and console errors. */
export async function launchWatchedBrowser(): Promise<WatchedBrowser> {
  const outsideRequests: string[] = [];
  const browserInternalRequests: string[] = [];
  const consoleErrors: string[] = [];
  const failedResponses: string[] = [];
  const watchedTargets: string[] = [];
  const recordRequest = (url: string): void => {
    if (!isLoopback(url)) outsideRequests.push(url);
  };
  const proxy = await startTrapProxy((target) =>
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
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Chromium's own background traffic (network time, component updates, ...) is not the site's; keep it off
      // so the trap below only ever sees what the site asks for.
      "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
      "--disable-domain-reliability",
      "--disable-client-side-phishing-detection",
      "--disable-default-apps",
      "--no-pings",
      "--disable-extensions",
      "--disable-component-extensions-with-background-pages",
      `--user-data-dir=${userDataDir}`,
      // Loopback stays direct (Chromium never proxies it); anything else goes to the recording trap.
      `--proxy-server=http://127.0.0.1:${proxy.port}`,
    ],
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
