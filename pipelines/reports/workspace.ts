// The Evidence workspace: a generated directory Evidence runs in, because its CLI hardcodes ./pages, ./sources,
// ./queries, ./static and ./evidence.config.yaml relative to its working directory, while our pages live in
// reports/. Instead of copying files (which would go stale), the workspace holds relative symlinks back into the
// repository; Evidence's file watcher (chokidar) follows them, in `evidence build` and in `evidence dev`, where an
// edit to reports/*.md reloads the page.
//
//   .evidence-workspace/<name>/
//     pages                -> ../../reports          (or the pagesDir given)
//     sources              -> ../../sources
//     evidence.config.yaml -> ../../evidence.config.yaml
//     evidence.settings.json  (generated: turns Evidence's usage telemetry off)
//     .evidence/             (Evidence's own generated SvelteKit project; never edit)
//
// Workspaces live inside the repository on purpose: Evidence spawns `npx vite` and SvelteKit resolves its
// packages from the workspace upwards, which must find the repository's node_modules (npx would otherwise try to
// download vite). Several named workspaces (the build, the dev server, tests) can exist side by side without
// clobbering each other's generated .evidence/ directory.
import { lstat, mkdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";

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
}

/** Creates (or repairs) a workspace whose links point at the repository's reports, sources and config. */
export async function prepareWorkspace(options: WorkspaceOptions): Promise<Workspace> {
  const repoRoot = path.resolve(options.repoRoot);
  if (!/^[A-Za-z0-9._-]+$/.test(options.name)) {
    throw new Error(`Evidence workspace name must be a plain directory name, got ${JSON.stringify(options.name)}`);
  }
  const dir = path.join(repoRoot, WORKSPACES_DIR, options.name);
  await mkdir(dir, { recursive: true });

  const links: Array<[string, string]> = [
    ["pages", path.resolve(options.pagesDir ?? path.join(repoRoot, "reports"))],
    ["sources", path.join(repoRoot, "sources")],
    ["evidence.config.yaml", path.join(repoRoot, "evidence.config.yaml")],
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
  return { dir, sourcesDir: path.join(dir, "sources") };
}

/** Points `linkPath` at `target` (relative), replacing whatever was there if it differs. */
async function ensureSymlink(linkPath: string, target: string): Promise<void> {
  const existing = await lstat(linkPath).catch(() => null);
  if (existing?.isSymbolicLink() && (await readlink(linkPath)) === target) return;
  if (existing) await rm(linkPath, { recursive: true, force: true });
  await symlink(target, linkPath);
}
