// The analysts' live preview: `evidence dev` on the reports in reports/, reading the published warehouse, with no
// network. Edits to reports/*.md reload in the browser (Evidence's watcher follows the workspace's symlinks; the
// offline patch keeps that watcher alive when an editor's temporary file vanishes, see evidence-offline/).
import path from "node:path";
import { evidenceEnv, runEvidence, startEvidence } from "./evidence-cli.js";
import { prepareNumberFormats, readSiteTitle } from "./number-formats.js";
import { watchLanguagePages } from "./page-languages.js";
import { forgetSourceData, recordSourceData, sourceDataCurrent, sourceDataStamp } from "./source-data-stamp.js";
import { lockWorkspace, prepareWorkspace, writeWorkspacePages, type Workspace } from "./workspace.js";

export interface DevServerOptions {
  /** Repository root: holds reports/, sources/, evidence.config.yaml and node_modules/. */
  repoRoot: string;
  /** The published DuckDB warehouse file (relative paths are taken from repoRoot); opened read-only. */
  warehousePath: string;
  /** Port to serve on (default 3000); the server fails rather than silently moving to another port. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1: the preview is for this machine only). */
  host?: string;
  /** Receives Evidence's and vite's output line by line; defaults to stdout. */
  log?: (line: string) => void;
  /** Pages to serve; defaults to <repoRoot>/reports. */
  pagesDir?: string;
  /** Workspace under .evidence-workspace/; defaults to "dev" (separate from the build's, so both can run). */
  workspaceName?: string;
  /** How long to wait for the server to answer HTTP, in ms (default 120 000). */
  startTimeoutMs?: number;
  /**
   * Pages (files under the pages folder, e.g. "index.md") vite compiles as soon as it starts, before a browser asks;
   * default: the front page. The layout is always warmed. An empty list warms nothing.
   */
  warmPages?: string[];
}

/** What an analyst opens first: the front page. */
const DEFAULT_WARM_PAGES = ["index.md"];

export interface DevServer {
  /** Where the preview is served, e.g. http://127.0.0.1:3000 */
  url: string;
  /** Resolves with the exit code when the server stops (by stop() or by itself). */
  exited: Promise<number>;
  /** Stops the server and everything it spawned. */
  stop(): Promise<void>;
}

/**
 * Loads the source data (`evidence sources`, skipped when the workspace holds it already), then starts `evidence dev`
 * and waits until it answers HTTP.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const repoRoot = path.resolve(options.repoRoot);
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const warehousePath = path.resolve(repoRoot, options.warehousePath);
  const workspace = await prepareWorkspace({
    repoRoot,
    name: options.workspaceName ?? "dev",
    pagesDir: path.resolve(repoRoot, options.pagesDir ?? "reports"),
  });
  const release = await lockWorkspace(workspace);
  try {
    // Both languages of every page, rewritten within a fraction of a second of an edit to reports/ (Evidence's own
    // watcher then reloads the page in the browser).
    await writeWorkspacePages(workspace);
    const watcher = watchLanguagePages(workspace.languagePages, (error) => log(`[reports] ${error.message}`));
    const env = evidenceEnv(workspace.sourcesDir, warehousePath);
    // vite's cache of pre-bundled dependencies, the preview's own (the offline patch reads this): shared with the site
    // build, each build made the next preview start re-optimise every dependency.
    env["EVIDENCE_VITE_CACHE_DIR"] = path.join(workspace.dir, ".vite-cache");
    // The layout and the first pages compiled while the analyst is still switching to the browser (the offline patch
    // hands this list to vite's server.warmup): vite otherwise compiles a page's modules only as the browser requests
    // them, one round of imports at a time.
    const warmPages = options.warmPages ?? DEFAULT_WARM_PAGES;
    if (warmPages.length > 0) env["EVIDENCE_VITE_WARMUP"] = JSON.stringify(warmupFiles(warmPages));
    // The pages' named formats (fmt=money, ...) with this warehouse's currency: see number-formats.ts. Read once at
    // start, like the data (`evidence sources` below): a refresh that changes the currency shows after a restart.
    await prepareNumberFormats(workspace.dir, warehousePath);
    // The company's name in the header (reports/+layout.svelte), read once at start like the formats.
    const title = await readSiteTitle(warehousePath);
    if (title) env["VITE_SITE_TITLE"] = title;
    const server = await loadSourceData({ cwd: workspace.dir, env, log }, workspace, warehousePath, repoRoot)
      .then(() => serve({ cwd: workspace.dir, env, log }, options))
      .catch((error: unknown) => {
        watcher.close();
        throw error;
      });
    // Release the workspace when the server stops, whether by stop() or on its own.
    const done = (): Promise<void> => {
      watcher.close();
      return release();
    };
    void server.exited.finally(done);
    return { ...server, stop: () => server.stop().finally(done) };
  } catch (error) {
    await release();
    throw error;
  }
}

/** How to run the Evidence CLI: in the workspace, with its environment, its output to the log. */
type EvidenceCall = { cwd: string; env: NodeJS.ProcessEnv; log: (line: string) => void };

/**
 * The pages' data: `evidence sources` reads every source table from the warehouse into the workspace, unless the
 * workspace already holds what it would read (the same warehouse file, source queries and Evidence; see
 * source-data-stamp.ts), which saves 10-15 s of a restart.
 */
async function loadSourceData(
  run: EvidenceCall,
  workspace: Workspace,
  warehousePath: string,
  repoRoot: string,
): Promise<void> {
  const stamp = await sourceDataStamp(workspace, warehousePath, repoRoot);
  if (await sourceDataCurrent(workspace, stamp)) {
    run.log(`[reports] source data unchanged since the last preview of ${warehousePath}: not loaded again`);
    return;
  }
  await forgetSourceData(workspace);
  const sources = await runEvidence(["sources", "--strict"], run);
  if (sources.code !== 0) {
    throw new Error(
      `evidence sources failed (exit code ${sources.code}) against ${warehousePath}:\n` +
        sources.output.slice(-20).join("\n"),
    );
  }
  await recordSourceData(workspace, stamp);
}

async function serve(run: EvidenceCall, options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? 3000;
  const host = options.host ?? "127.0.0.1";

  // Extra flags after `evidence dev` are handed to vite; --strictPort makes a busy port an error, not a surprise.
  const server = startEvidence(["dev", "--port", String(port), "--host", host, "--strictPort"], run);
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let stopping = false;
  const stop = async (): Promise<void> => {
    stopping = true;
    server.stop("SIGTERM");
    const timer = setTimeout(() => server.stop("SIGKILL"), 5_000);
    await server.exited.catch(() => undefined);
    clearTimeout(timer);
    server.stop("SIGKILL");
  };

  let exitCode: number | undefined;
  void server.exited.then((code) => (exitCode = code)).catch(() => (exitCode = -1));
  // Evidence's CLI process runs the page watcher; vite, which it spawned, serves. Should the CLI die on its own, vite
  // would go on serving pages that no edit reaches any more: stop everything and say so rather than leave an analyst
  // looking at a preview that silently stopped updating.
  let serving = false;
  server.child.once("exit", (code, signal) => {
    if (stopping || !serving) return;
    run.log(
      `[reports] Evidence's dev process exited (${signal ?? `code ${code}`}); the preview no longer follows edits ` +
        "and is stopped. Start it again with `npm run reports:dev`.",
    );
    void stop();
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  while (exitCode === undefined) {
    const answered = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      .then(() => true)
      .catch(() => false);
    if (answered) {
      serving = true;
      return { url, exited: server.exited, stop };
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`evidence dev did not answer on ${url} within ${options.startTimeoutMs ?? 120_000} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(
    `evidence dev exited (code ${exitCode}) before serving ${url}:\n${server.output.slice(-20).join("\n")}`,
  );
}

/**
 * The files vite warms, relative to Evidence's template folder (vite's root), where Evidence copies the pages to
 * src/pages/: the layout, and each page as its route's `+page.md` ("index.md" is the front page's, "channels/index.md"
 * and "channels.md" are /channels').
 */
export function warmupFiles(pages: string[]): string[] {
  const routeFile = (page: string): string => {
    const route = page
      .replace(/\\/g, "/")
      .replace(/\.md$/, "")
      .replace(/(^|\/)index$/, "");
    return route === "" ? "./src/pages/+page.md" : `./src/pages/${route}/+page.md`;
  };
  return ["./src/pages/+layout.svelte", "./src/pages/+layout.js", ...pages.map(routeFile)];
}
