// The Evidence workspace: a generated directory Evidence runs in, because its CLI hardcodes ./pages, ./sources,
// ./queries, ./static and ./evidence.config.yaml relative to its working directory, while our pages live in
// reports/. The pages are written into it in both languages (page-languages.ts: Chinese at the root, English under
// en/), kept in step with reports/ while a live preview runs; everything else is a relative symlink back into the
// repository, which Evidence's file watcher (chokidar) follows.
//
//   .evidence-workspace/<name>/
//     pages/               (generated from ../../reports, or the pagesDir given: zh at the root, en/ beside)
//     partials/            (generated from pipelines/site/partials: zh/ and en/)
//     sources              -> ../../sources
//     evidence.config.yaml -> ../../evidence.config.yaml
//     node_modules         -> ../../node_modules     (Evidence's Tailwind config looks for it here)
//     evidence.settings.json  (generated: turns Evidence's usage telemetry off)
//     .evidence/             (Evidence's own generated SvelteKit project; never edit)
//       customization/custom-formatting.json  (generated per build and preview: the pages' number formats, money in
//                                              the warehouse's currency; see number-formats.ts)
//
// Workspaces live inside the repository on purpose: Evidence spawns `npx vite` and SvelteKit resolves its
// packages from the workspace upwards, which must find the repository's node_modules (npx would otherwise try to
// download vite). Several named workspaces (the build, the dev server, tests) can exist side by side without
// clobbering each other's generated .evidence/ directory.
import { lstat, mkdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { processAlive } from "../shared/process-alive.js";
import { writeLanguagePages } from "./page-languages.js";
import type { LanguagePagesOptions } from "./page-languages.js";

/** Directory (relative to the repository root) holding all generated Evidence workspaces; gitignored. */
export const WORKSPACES_DIR = ".evidence-workspace";

export interface WorkspaceOptions {
  /** Repository root (holds reports/, sources/, evidence.config.yaml and node_modules/). */
  repoRoot: string;
  /** Workspace name, a directory under .evidence-workspace/. */
  name: string;
  /** Where the pages are; defaults to <repoRoot>/reports. */
  pagesDir?: string;
}

export interface Workspace {
  /** Absolute path of the workspace directory (Evidence's working directory). */
  dir: string;
  /** Absolute path of the source directory as Evidence sees it (it resolves files lexically from here). */
  sourcesDir: string;
  /** The pages as written and where their language versions go (for the live preview's watcher). */
  languagePages: LanguagePagesOptions;
}

/** Creates (or repairs) a workspace whose links point at the repository's reports, sources and config. */
export async function prepareWorkspace(options: WorkspaceOptions): Promise<Workspace> {
  const repoRoot = path.resolve(options.repoRoot);
  if (!/^[A-Za-z0-9._-]+$/.test(options.name)) {
    throw new Error(`Evidence workspace name must be a plain directory name, got ${JSON.stringify(options.name)}`);
  }
  const dir = path.join(repoRoot, WORKSPACES_DIR, options.name);
  await mkdir(dir, { recursive: true });

  // The pages, and the fragments every page includes with {@partial "<file>.md"} (e.g. the data-freshness banner),
  // in both languages.
  const languagePages: LanguagePagesOptions = {
    pagesDir: path.resolve(options.pagesDir ?? path.join(repoRoot, "reports")),
    partialsDir: path.join(repoRoot, "pipelines", "site", "partials"),
    outPagesDir: path.join(dir, "pages"),
    outPartialsDir: path.join(dir, "partials"),
    sourcesDir: path.join(repoRoot, "sources", "warehouse"),
  };
  for (const generated of [languagePages.outPagesDir, languagePages.outPartialsDir]) {
    // A workspace made before the pages had two languages linked these to the repository.
    if ((await lstat(generated).catch(() => null))?.isSymbolicLink()) await rm(generated);
  }
  const links: Array<[string, string]> = [
    ["sources", path.join(repoRoot, "sources")],
    ["evidence.config.yaml", path.join(repoRoot, "evidence.config.yaml")],
    // Evidence's generated Tailwind config scans `../../node_modules/<component plugin>/dist` relative to
    // .evidence/template, i.e. it expects node_modules in the project root. Without this link the site builds
    // with no utility CSS at all (unstyled pages, dropdowns that cannot open).
    ["node_modules", path.join(repoRoot, "node_modules")],
  ];
  for (const [name, target] of links) {
    await ensureSymlink(path.join(dir, name), path.relative(dir, target));
  }
  // Evidence sends anonymous usage telemetry unless ./evidence.settings.json says no (its environment variable
  // switch is ignored once that file is read). A warehouse must not phone home, and there may be no network.
  await writeFile(
    path.join(dir, "evidence.settings.json"),
    `${JSON.stringify({ send_anonymous_usage_stats: "no" }, null, 2)}\n`,
  );
  return { dir, sourcesDir: path.join(dir, "sources"), languagePages };
}

/**
 * Writes the workspace's pages and partials in every language from reports/ (page-languages.ts). Called with the
 * workspace locked, before Evidence starts; a pair written wrongly stops here, naming the file and line.
 */
export async function writeWorkspacePages(workspace: Workspace): Promise<{ pages: number; changed: number }> {
  return writeLanguagePages(workspace.languagePages);
}

/** Points `linkPath` at `target` (relative), replacing whatever was there if it differs. */
async function ensureSymlink(linkPath: string, target: string): Promise<void> {
  const existing = await lstat(linkPath).catch(() => null);
  if (existing?.isSymbolicLink() && (await readlink(linkPath)) === target) return;
  if (existing) await rm(linkPath, { recursive: true, force: true });
  await symlink(target, linkPath);
}

/**
 * Claims a workspace for one Evidence run (a build, or a dev server for its lifetime); returns the release
 * function. Two runs in one workspace would wipe each other's generated .evidence/ directory mid-build, so a second
 * one fails at once, naming the process that holds it. A lock left by a process that died is taken over.
 */
export async function lockWorkspace(workspace: Workspace): Promise<() => Promise<void>> {
  const lockDir = `${workspace.dir}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
      const owner = await readFile(path.join(lockDir, "owner.json"), "utf8")
        .then((text) => (JSON.parse(text) as { pid: number }).pid)
        .catch(() => undefined);
      if (owner !== undefined && processAlive(owner)) {
        throw new Error(
          `The Evidence workspace ${workspace.dir} is in use by process ${owner} (another reports build or ` +
            "preview). Wait for it to finish or stop it, then try again.",
        );
      }
      await rm(lockDir, { recursive: true, force: true });
    }
  }
  await writeFile(path.join(lockDir, "owner.json"), JSON.stringify({ pid: process.pid }));
  return () => rm(lockDir, { recursive: true, force: true });
}
