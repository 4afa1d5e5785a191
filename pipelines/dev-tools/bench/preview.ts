/**
 * The analyst's wait in the live preview (`npm run reports:dev`), measured as an analyst meets it: the preview started
 * on a published warehouse and the front page opened in headless Chromium as soon as the server answers, until its
 * findings table shows rows; then a line added to the front page's file, until the browser shows it. Three starts:
 * in a new workspace (the first preview on a machine: vite optimises every dependency and Evidence loads the source
 * data), restarted on the same warehouse (both kept), and restarted with the layout and front page compiled as vite
 * starts (`warmPages`, what `reports:dev` does) against none warmed.
 *
 * Runs on a copy of the reports/ pages in the benchmark's own folder: the edit never touches reports/.
 */
import { appendFile, cp, rm } from "node:fs/promises";
import path from "node:path";
import puppeteer from "puppeteer-core";
import { findChromium } from "../../site/brief-pdf.js";
import { startDevServer } from "../../site/dev-server.js";
import { offlineChromiumArgs, startRefusingProxy } from "../../site/offline-chromium.js";
import { WORKSPACES_DIR } from "../../site/workspace.js";

export interface PreviewStart {
  readonly label: string;
  /** From the start of the preview to the server answering HTTP. */
  readonly serverMs: number;
  /** From the start of the preview to the front page's findings showing in the browser. */
  readonly firstDataMs: number;
}

export interface PreviewTimes {
  readonly ms: number;
  readonly starts: PreviewStart[];
  /** From saving an edit to the front page's file to the browser showing it. */
  readonly editShownMs: number;
}

const WORKSPACE = "bench-preview";
/** The front page's findings table has rows: the page has its data (reports/index.md). */
const FRONT_PAGE_DATA = () => document.querySelectorAll(".brief-findings td").length > 0;

export async function previewStep(args: {
  projectRoot: string;
  warehousePath: string;
  pagesDir: string;
  port: number;
}): Promise<PreviewTimes> {
  const started = performance.now();
  await rm(args.pagesDir, { recursive: true, force: true });
  await cp(path.join(args.projectRoot, "reports"), args.pagesDir, { recursive: true });
  // A new workspace: the first preview on this machine.
  await rm(path.join(args.projectRoot, WORKSPACES_DIR, WORKSPACE), { recursive: true, force: true });

  // Nothing leaves the machine: every other host is refused by the proxy.
  const refused: string[] = [];
  const proxy = await startRefusingProxy((target) => refused.push(target));
  const browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    args: offlineChromiumArgs(proxy.port),
  });
  const starts: PreviewStart[] = [];
  let editShownMs = NaN;
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    const startAndOpen = async (label: string, warmPages?: string[]): Promise<() => Promise<void>> => {
      const t0 = performance.now();
      const server = await startDevServer({
        repoRoot: args.projectRoot,
        warehousePath: args.warehousePath,
        pagesDir: args.pagesDir,
        port: args.port,
        workspaceName: WORKSPACE,
        startTimeoutMs: 300_000,
        ...(warmPages ? { warmPages } : {}),
        log: (line) => console.log(`  ${line}`),
      });
      const serverMs = performance.now() - t0;
      await page.goto(`${server.url}/`, { waitUntil: "domcontentloaded", timeout: 300_000 });
      await page.waitForFunction(FRONT_PAGE_DATA, { timeout: 300_000, polling: 50 });
      starts.push({ label, serverMs, firstDataMs: performance.now() - t0 });
      console.log(`  ${label}: server ${Math.round(serverMs)} ms, first data ${Math.round(performance.now() - t0)} ms`);
      return () => server.stop();
    };
    await (
      await startAndOpen("first start, new workspace")
    )();
    await (
      await startAndOpen("restart, nothing warmed", [])
    )();
    const stop = await startAndOpen("restart, layout and front page warmed (the default)");
    try {
      const marker = `bench-edit-${Date.now()}`;
      const saved = performance.now();
      await appendFile(path.join(args.pagesDir, "index.md"), `\n\n${marker}\n`);
      await page.waitForFunction((text: string) => document.body.innerText.includes(text), { timeout: 60_000 }, marker);
      editShownMs = performance.now() - saved;
    } finally {
      await stop();
    }
  } finally {
    await browser.close();
    await proxy.close();
  }
  // Refused, not failed: Chromium's own updater asks too, whatever the page does (the site tests judge the pages).
  if (refused.length)
    console.log(`  refused ${refused.length} requests to other hosts: ${refused.slice(0, 3).join(", ")}`);
  return { ms: performance.now() - started, starts, editShownMs };
}
