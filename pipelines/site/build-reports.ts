// Builds the reports site (Evidence) from the published warehouse into build/, with no network.
//
//   evidence sources --strict   runs sources/warehouse/*.sql against the warehouse, writes parquet
//   evidence build              prerenders every page in reports/ with those tables, writes a static site
//
// Evidence only reads ./pages, so both run in a generated workspace that links reports/ as pages (workspace.ts).
// A plain `evidence build` does not fail when a page's query is broken: it logs "<query> | Error in Query! ..." and
// ships a page with an error box. We treat that as a failed build and name the page and the query. The site is
// built beside the published one and swapped in only when everything succeeded, so a failed build leaves the
// previous site in place.
import { existsSync } from "node:fs";
import { cp, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink } from "node:fs/promises";
import path from "node:path";
import { crashPoint } from "../shared/crash-points.js";
import {
  bundleKey,
  bundleStateFile,
  finishPrerenderedSite,
  saveBundle,
  savedBundle,
  startPrerenderFromBundle,
} from "./bundle-reuse.js";
import { evidenceEnv, runEvidence, startEvidence, type EvidenceRun } from "./evidence-cli.js";
import { prepareNumberFormats, readSiteTitle } from "./number-formats.js";
import { LANGUAGES } from "./page-languages.js";
import { lockWorkspace, prepareWorkspace, writeWorkspacePages } from "./workspace.js";
import type { Workspace } from "./workspace.js";

export interface BuildReportsOptions {
  /** Repository root: holds reports/, sources/, evidence.config.yaml and node_modules/. */
  repoRoot: string;
  /** The published DuckDB warehouse file (relative paths are taken from repoRoot). */
  warehousePath: string;
  /** Where the site goes; defaults to <repoRoot>/build. Replaced only by a successful build. */
  outDir?: string;
  /** Receives Evidence's output line by line and our progress messages; defaults to stdout. */
  log?: (line: string) => void;
  /** Pages to build; defaults to <repoRoot>/reports. */
  pagesDir?: string;
  /** Workspace under .evidence-workspace/ to build in; defaults to "build". */
  workspaceName?: string;
  /**
   * Bundle the pages even when the last build's bundles could be reused (bundle-reuse.ts): only the data changed
   * since then. Defaults to false.
   */
  fullBuild?: boolean;
}

/** A page query that failed while Evidence prerendered the site. */
export interface BrokenPageQuery {
  /** Query name, as in ```sql <name> (or Evidence's name for a component's query, e.g. Dropdown-<input>). */
  query: string;
  /** Page files (relative to the repository root) that define the query. */
  pages: string[];
  /** DuckDB's error message. */
  message: string;
}

/** The reports build failed; the previously published site was left untouched. */
export class ReportsBuildError extends Error {
  constructor(
    message: string,
    /** Broken page queries, when that is why the build failed. */
    readonly brokenQueries: BrokenPageQuery[] = [],
    /** The last lines Evidence printed. */
    readonly outputTail: string[] = [],
  ) {
    super(message);
    this.name = "ReportsBuildError";
  }
}

/** Runs `evidence sources` then `evidence build` against the warehouse and publishes the site atomically. */
export async function buildReports(options: BuildReportsOptions): Promise<void> {
  const repoRoot = path.resolve(options.repoRoot);
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const warehousePath = path.resolve(repoRoot, options.warehousePath);
  const outDir = path.resolve(repoRoot, options.outDir ?? "build");
  const pagesDir = path.resolve(repoRoot, options.pagesDir ?? "reports");

  if (!existsSync(warehousePath)) {
    throw new ReportsBuildError(
      `Warehouse file not found: ${warehousePath}. Build and publish the warehouse first, or pass its path.`,
    );
  }
  const workspace = await prepareWorkspace({ repoRoot, name: options.workspaceName ?? "build", pagesDir });
  const release = await lockWorkspace(workspace);
  try {
    await buildInWorkspace(workspace, {
      warehousePath,
      outDir,
      pagesDir,
      repoRoot,
      log,
      fullBuild: options.fullBuild ?? false,
    });
  } finally {
    await release();
  }
}

async function buildInWorkspace(
  workspace: Workspace,
  options: {
    warehousePath: string;
    outDir: string;
    pagesDir: string;
    repoRoot: string;
    log: (line: string) => void;
    fullBuild: boolean;
  },
): Promise<void> {
  const { warehousePath, outDir, pagesDir, repoRoot, log } = options;
  const siteDir = path.join(workspace.dir, "build");
  // Evidence copies its output over ./build without emptying it first; start clean so no stale page survives.
  await rm(siteDir, { recursive: true, force: true });
  // Every page in Chinese (at /) and English (under /en/), from reports/ (page-languages.ts).
  await writeWorkspacePages(workspace).catch((error: unknown) => {
    throw new ReportsBuildError(
      `${error instanceof Error ? error.message : String(error)} The previous site was left in place.`,
    );
  });
  const run = { cwd: workspace.dir, env: evidenceEnv(workspace.sourcesDir, warehousePath), log };
  // The pages' named formats (fmt=money, ...) with this warehouse's currency: see number-formats.ts.
  const currency = await prepareNumberFormats(workspace.dir, warehousePath).catch((error: unknown) => {
    throw new ReportsBuildError(
      `Could not read the reporting currency (ops.reporting_settings) from ${warehousePath}: ` +
        `${error instanceof Error ? error.message : String(error)}. The previous site was left in place.`,
    );
  });
  log(`[reports] money is shown in ${currency.code} (${currency.symbol}), the warehouse's reporting currency`);
  // The company's name in the header (reports/+layout.svelte reads it at build time).
  const title = await readSiteTitle(warehousePath);
  if (title) run.env["VITE_SITE_TITLE"] = title;

  let started = Date.now();
  log(`[reports] evidence sources (warehouse ${warehousePath})`);
  const sources = await runEvidence(["sources", "--strict"], run);
  if (sources.code !== 0) {
    throw new ReportsBuildError(
      `evidence sources failed (exit code ${sources.code}): a source query in sources/ could not run against ` +
        `${warehousePath}. The previous site was left in place.\n${tail(sources.output).join("\n")}`,
      [],
      tail(sources.output),
    );
  }
  log(`[reports] evidence sources done in ${seconds(started)}`);
  crashPoint("reports:sources-done");

  started = Date.now();
  const pages = await pageCount(pagesDir);
  const what =
    `${pages.files} page files${pages.templated > 0 ? `, ${pages.templated} of them templated` : ""}, ` +
    `each in ${LANGUAGES.length} languages`;
  // Only the data changed since the last build here: prerender its bundles again (bundle-reuse.ts).
  const key = await bundleKey(workspace, run.env, repoRoot);
  const bundle = options.fullBuild ? null : savedBundle(workspace, key);
  let build: { code: number; output: string[] };
  if (bundle) {
    log(
      `[reports] pages, layout and Evidence unchanged since the last build: prerendering its bundles with this ` +
        `data, no bundling (${what})`,
    );
    build = await talkingBuild(
      workspace,
      (talk) => startPrerenderFromBundle(workspace, bundle, { ...run, log: talk }),
      log,
      "loading the saved bundles",
    );
    if (build.code === 0) await finishPrerenderedSite(workspace, run.env);
  } else {
    log(`[reports] evidence build (${what})`);
    const env = { ...run.env, SITE_BUNDLE_STATE: bundleStateFile(workspace) };
    await mkdir(path.dirname(env.SITE_BUNDLE_STATE), { recursive: true });
    build = await talkingBuild(
      workspace,
      (talk) => startEvidence(["build"], { ...run, env, log: talk }),
      log,
      "bundling",
    );
  }
  const broken = await brokenPageQueries(build.output, pagesDir, repoRoot);
  if (broken.length > 0) {
    const lines = broken.map(
      (b) =>
        `  page ${b.pages.length > 0 ? b.pages.join(", ") : "(no page defines it)"}, query "${b.query}": ${b.message}`,
    );
    throw new ReportsBuildError(
      `Report build failed: ${broken.length} page ${broken.length === 1 ? "query is" : "queries are"} broken ` +
        `(the previous site in ${outDir} was left in place):\n${lines.join("\n")}\n` +
        "Fix the query in the page (pages only select, filter and chart marts), then build again.",
      broken,
      tail(build.output),
    );
  }
  if (build.code !== 0 || !existsSync(path.join(siteDir, "index.html"))) {
    throw new ReportsBuildError(
      `evidence build failed (exit code ${build.code}); the previous site was left in place.\n` +
        tail(build.output).join("\n"),
      [],
      tail(build.output),
    );
  }
  const built = await countFiles(siteDir, ".html");
  log(`[reports] evidence build done in ${seconds(started)}: ${built} pages`);
  if (!bundle && (await saveBundle(workspace, key))) {
    log("[reports] bundles kept: the next build with the same pages only prerenders");
  }

  await publish(siteDir, outDir);
  log(`[reports] site published to ${outDir}`);
}

const QUERY_ERROR = /^(\S+) \| Error in Query!\s?(.*)$/;

/** How often a running build says it is still working. */
const HEARTBEAT_MS = 15_000;
/** After the first broken query, how long to keep reading (the message continues on the next lines). */
const BROKEN_QUERY_GRACE_MS = 2_000;
/** Evidence's own hint names a command this project does not use (`npm run reports:serve` serves the site). */
const EVIDENCE_PREVIEW_HINT = /Run npm run preview to preview/;

/**
 * `evidence build` (or a prerender from saved bundles: whatever `start` starts), talking: Evidence prints nothing for
 * minutes while vite bundles and prerenders, so every HEARTBEAT_MS this says how long it has run and how many pages
 * are prerendered so far. A broken page query stops the
 * build as soon as Evidence reports it (after a short grace for the rest of its message), instead of after every
 * other page has rendered. Evidence's hint to `npm run preview` is dropped: it names a command we do not have.
 */
async function talkingBuild(
  workspace: Workspace,
  start: (log: (line: string) => void) => EvidenceRun | Promise<EvidenceRun>,
  log: (line: string) => void,
  /** What it is doing before the first page is prerendered. */
  beforePages: string,
): Promise<{ code: number; output: string[] }> {
  const started = Date.now();
  let stopTimer: NodeJS.Timeout | undefined;
  const evidence: EvidenceRun = await start((line) => {
    if (EVIDENCE_PREVIEW_HINT.test(line)) return;
    log(line);
    if (stopTimer === undefined && QUERY_ERROR.test(line)) {
      log("[reports] a page query is broken: stopping the build");
      stopTimer = setTimeout(() => evidence.stop("SIGTERM"), BROKEN_QUERY_GRACE_MS);
    }
  });
  // SvelteKit writes each prerendered page here before the adapter copies them into build/.
  const prerendered = path.join(workspace.dir, ".evidence", "template", ".svelte-kit", "output", "prerendered");
  const heartbeat = setInterval(() => {
    void countFiles(prerendered, ".html").then((done) =>
      log(
        `[reports] evidence build: ${seconds(started)} so far, ${done > 0 ? `${done} pages prerendered` : beforePages}`,
      ),
    );
  }, HEARTBEAT_MS);
  try {
    const code = await evidence.exited;
    return { code, output: evidence.output };
  } finally {
    clearInterval(heartbeat);
    if (stopTimer) clearTimeout(stopTimer);
    evidence.stop("SIGKILL");
  }
}

/** Markdown pages under `dir`: files, and how many are templated ([param].md renders one page per value). */
async function pageCount(dir: string): Promise<{ files: number; templated: number }> {
  const pages = await pageSources(dir);
  return { files: pages.length, templated: pages.filter((page) => /\[[^\]]+\]\.md$/.test(page.file)).length };
}

/** Files ending in `suffix` under `dir` (0 while it does not exist). */
async function countFiles(dir: string, suffix: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith(suffix)).length;
}

/**
 * Finds "<query> | Error in Query! <message>" in Evidence's output (the message may continue on following lines,
 * until a blank line) and names the page(s) that define each query.
 */
export async function brokenPageQueries(
  output: string[],
  pagesDir: string,
  repoRoot: string,
): Promise<BrokenPageQuery[]> {
  const messages = new Map<string, string>();
  output.forEach((line, i) => {
    const match = QUERY_ERROR.exec(line);
    if (!match) return;
    const [, query = "", first = ""] = match;
    const rest: string[] = [];
    for (let j = i + 1; j < output.length && rest.length < 8; j++) {
      const next = output[j] ?? "";
      if (next.trim() === "" || QUERY_ERROR.test(next) || /^\[[A-Z]+\]/.test(next)) break;
      rest.push(next.trim());
    }
    // The same failure is printed once per render pass; keep the first.
    if (!messages.has(query)) messages.set(query, [first.trim(), ...rest].filter(Boolean).join(" "));
  });
  if (messages.size === 0) return [];
  const pages = await pageSources(pagesDir);
  return [...messages].map(([query, message]) => ({
    query,
    message,
    pages: pagesDefining(pages, query).map((file) => path.relative(repoRoot, file)),
  }));
}

/** Every markdown page under `dir`, with its text. */
async function pageSources(dir: string): Promise<Array<{ file: string; text: string }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".md"))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(file, "utf8") })));
}

/** Pages with a ```sql <query> block; for a component's query (Dropdown-<name>), pages with that input name. */
function pagesDefining(pages: Array<{ file: string; text: string }>, query: string): string[] {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const fence = new RegExp(`^\\s*\`\`\`sql\\s+${escape(query)}\\s*$`, "m");
  const direct = pages.filter((p) => fence.test(p.text)).map((p) => p.file);
  if (direct.length > 0) return direct;
  const input = /^[A-Za-z]+-(.+)$/.exec(query)?.[1];
  if (!input) return [];
  const named = new RegExp(`name=["']?${escape(input)}\\b`);
  return pages.filter((p) => named.test(p.text)).map((p) => p.file);
}

/**
 * Publishes the freshly built `siteDir` as `outDir` atomically. `outDir` is a symbolic link to one
 * complete site kept beside it (`.<name>-sites/<stamp>/`); publishing moves the new site there and
 * renames a new link over the old one — a single rename, so readers see the old site or the new one
 * at every instant, even if the refresh is killed in the middle. The previous site is kept (a web
 * server may still be sending its files); older ones are removed, with what interrupted publishes
 * left (partial copies, staged sites, links never renamed). A publish that fails before the rename
 * (a full disk while copying) removes what it staged and leaves the published link as it was.
 */
export async function publish(siteDir: string, outDir: string): Promise<void> {
  const parent = path.dirname(outDir);
  const sites = path.join(parent, `.${path.basename(outDir)}-sites`);
  const linkPrefix = `.${path.basename(outDir)}.link-`;
  await mkdir(sites, { recursive: true });
  const stamp = `${new Date().toISOString().replace(/[-:.]/g, "")}-${process.pid}`;
  const target = path.join(sites, stamp);
  const link = path.join(parent, `${linkPrefix}${stamp}`);
  let previous = "";
  let aside: string | undefined;
  try {
    if ((await stat(sites)).dev === (await stat(siteDir)).dev) await rename(siteDir, target);
    else {
      await cp(siteDir, `${target}.partial`, { recursive: true });
      await rename(`${target}.partial`, target);
      await rm(siteDir, { recursive: true, force: true });
    }
    crashPoint("reports:site-staged");
    await symlink(path.relative(parent, target), link);
    crashPoint("reports:link-made");
    const current = await lstat(outDir).catch(() => null);
    previous = current?.isSymbolicLink() ? path.basename(await readlink(outDir)) : "";
    if (current && !current.isSymbolicLink()) {
      // A site published before links were used (or copied in by hand): move it aside once.
      aside = path.join(sites, `earlier-${stamp}`);
      await rename(outDir, aside);
    }
    await rename(link, outDir);
  } catch (error) {
    // Nothing is published: the site moved aside goes back, and what was staged goes (on a full disk, it holds
    // the space the next attempt needs).
    if (aside && !(await lstat(outDir).catch(() => null))) await rename(aside, outDir);
    for (const leftover of [link, `${target}.partial`, target]) await rm(leftover, { recursive: true, force: true });
    throw error;
  }
  crashPoint("reports:site-published");
  // Keep the site just replaced; remove older ones and leftovers of interrupted publishes. Publishes never run
  // side by side (the workspace lock), so a link or site not ours or the previous one belongs to no one.
  for (const entry of await readdir(sites)) {
    if (entry === stamp || entry === previous) continue;
    await rm(path.join(sites, entry), { recursive: true, force: true });
  }
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(linkPrefix)) await rm(path.join(parent, entry), { force: true });
  }
}

function tail(lines: string[], count = 40): string[] {
  return lines.filter((line) => line.trim() !== "").slice(-count);
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
