// Reusing the bundles of the last site build when only the data changed.
//
// An Evidence build is two things: vite bundles the pages (compiles each page's markdown and Svelte, twice, and
// packs the JavaScript: about 110 s for 124 pages on 2 cores), then SvelteKit prerenders every page with the data
// (about 30 s). The bundles depend on the pages, the layout, the number formats, the company's name, Evidence and
// this project's changes to it -- never on the data, which the prerender reads from ./static/data. A nightly refresh
// changes only the data, so after a full build we keep its bundles, keyed on everything they depend on, and the next
// build with the same key only prerenders (prerender-from-bundle.mjs, SvelteKit's own steps).
//
//   .evidence-workspace/<name>/.site-bundle/<key>/   client/ and server/ (SvelteKit's output before prerendering,
//                                                    minus the data) and state.bin (what prerendering needs)
//
// Anything the key does not cover would be a stale page, so it covers more than it must: every file of the
// workspace's pages and partials, the number formats, evidence.config.yaml, every VITE_/EVIDENCE_ variable but the
// warehouse's location, the installed packages (node_modules/.package-lock.json), this project's Evidence changes
// and Node's version. `--full-build` (or fullBuild: true) always bundles.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startNodeScript, type EvidenceRun } from "./evidence-cli.js";
import type { Workspace } from "./workspace.js";

/** Bump when what is saved, or how it is used, changes: older saved bundles are then not used. */
const BUNDLE_FORMAT = 1;

const PRERENDER_SCRIPT = fileURLToPath(new URL("./prerender-from-bundle.mjs", import.meta.url));
/** Our changes to Evidence (evidence-offline/): what Evidence builds and writes depends on them. */
export const EVIDENCE_CHANGES_DIR = fileURLToPath(new URL("./evidence-offline", import.meta.url));

/** Where a workspace keeps its saved bundle. */
function bundlesDir(workspace: Workspace): string {
  return path.join(workspace.dir, ".site-bundle");
}

/** Evidence's generated SvelteKit project inside the workspace. */
export function templateDir(workspace: Workspace): string {
  return path.join(workspace.dir, ".evidence", "template");
}

/**
 * The key of the bundles a build of this workspace would make: a hash of everything they depend on (see the top of
 * this file). The data, and where the warehouse is, are not in it.
 */
export async function bundleKey(workspace: Workspace, env: NodeJS.ProcessEnv, repoRoot: string): Promise<string> {
  const hash = createHash("sha256");
  const add = (label: string, content: string | Buffer): void => {
    hash.update(`${label}\0${content.length}\0`);
    hash.update(content);
  };
  add("format", String(BUNDLE_FORMAT));
  add("node", process.version);
  for (const dir of [
    workspace.languagePages.outPagesDir,
    workspace.languagePages.outPartialsDir,
    path.join(workspace.dir, ".evidence", "customization"),
    EVIDENCE_CHANGES_DIR,
  ]) {
    for (const file of await filesUnder(dir)) add(path.relative(workspace.dir, file), await readFile(file));
  }
  add("evidence.config.yaml", await readFile(path.join(workspace.dir, "evidence.config.yaml")).catch(() => ""));
  add("packages", await readFile(path.join(repoRoot, "node_modules", ".package-lock.json")).catch(() => ""));
  add("prerender", await readFile(PRERENDER_SCRIPT));
  const variables = Object.keys(env)
    .filter((name) => /^(VITE_|EVIDENCE_)/.test(name) && !name.startsWith("EVIDENCE_SOURCE__"))
    .sort();
  for (const name of variables) add(`env ${name}`, env[name] ?? "");
  return hash.digest("hex").slice(0, 24);
}

/** Every file under `dir`, sorted (none when it does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** The saved bundle for `key`, or null when there is none (first build here, or something it depends on changed). */
export function savedBundle(workspace: Workspace, key: string): string | null {
  const dir = path.join(bundlesDir(workspace), key);
  const complete = ["client", "server", "state.bin"].every((part) => existsSync(path.join(dir, part)));
  return complete && existsSync(path.join(templateDir(workspace), "svelte.config.js")) ? dir : null;
}

/** Where a full build is asked to save its state (SITE_BUNDLE_STATE, read by the SvelteKit change in apply.mjs). */
export function bundleStateFile(workspace: Workspace): string {
  return path.join(bundlesDir(workspace), `state-${process.pid}.bin`);
}

/**
 * Keeps the bundles of the full build that just succeeded, under `key`, and drops any other saved bundle. They are
 * moved out of the template (the site was already copied out of it); a build killed here leaves a `.partial`
 * folder that is never used and is removed next time.
 */
export async function saveBundle(workspace: Workspace, key: string): Promise<boolean> {
  const dir = bundlesDir(workspace);
  const state = bundleStateFile(workspace);
  const output = path.join(templateDir(workspace), ".svelte-kit", "output");
  if (!existsSync(state) || !existsSync(path.join(output, "client")) || !existsSync(path.join(output, "server"))) {
    return false;
  }
  const partial = path.join(dir, `${key}.partial`);
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await rename(path.join(output, "client"), path.join(partial, "client"));
  await rename(path.join(output, "server"), path.join(partial, "server"));
  // The data is not part of the bundle: each build brings its own.
  await rm(path.join(partial, "client", "data"), { recursive: true, force: true });
  await rename(state, path.join(partial, "state.bin"));
  for (const entry of await readdir(dir)) {
    if (entry !== `${key}.partial`) await rm(path.join(dir, entry), { recursive: true, force: true });
  }
  await rename(partial, path.join(dir, key));
  return true;
}

/**
 * Starts the prerender of the site from the saved bundle `bundle` with the data Evidence's sources just wrote: puts
 * the bundles back into the template with that data, then runs prerender-from-bundle.mjs there. Once it has exited
 * with 0, call finishPrerenderedSite.
 */
export async function startPrerenderFromBundle(
  workspace: Workspace,
  bundle: string,
  options: { env: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<EvidenceRun> {
  const template = templateDir(workspace);
  const output = path.join(template, ".svelte-kit", "output");
  await rm(output, { recursive: true, force: true });
  await mkdir(output, { recursive: true });
  await cp(path.join(bundle, "client"), path.join(output, "client"), { recursive: true });
  await cp(path.join(bundle, "server"), path.join(output, "server"), { recursive: true });
  // What vite would have copied from ./static: the data of this build.
  await cp(path.join(template, "static", "data"), path.join(output, "client", "data"), { recursive: true });
  // As `evidence build` does: the query cache of an earlier build must not list its queries on these pages.
  await rm(path.join(template, ".evidence-queries", "cache"), { recursive: true, force: true });
  await rm(path.join(template, "build"), { recursive: true, force: true });
  return startNodeScript(PRERENDER_SCRIPT, [path.join(bundle, "state.bin")], {
    cwd: template,
    env: {
      ...options.env,
      // What Evidence's CLI gives `vite build` (its cli.js, buildHelper).
      EVIDENCE_DATA_URL_PREFIX: options.env["EVIDENCE_DATA_URL_PREFIX"] ?? "static/data",
      EVIDENCE_DATA_DIR: options.env["EVIDENCE_DATA_DIR"] ?? "./static/data",
      EVIDENCE_IS_BUILDING: "true",
    },
    log: options.log,
  });
}

/**
 * What Evidence's CLI does after a successful `vite build` (cli.js, buildHelper), for a prerender from a saved
 * bundle: each data file moves into a folder named by the MD5 of its content (so a browser never keeps a stale copy),
 * the manifest says where, and the site is copied to the workspace's build/.
 */
export async function finishPrerenderedSite(workspace: Workspace, env: NodeJS.ProcessEnv): Promise<void> {
  const built = path.join(templateDir(workspace), "build");
  const dataDir = env["EVIDENCE_DATA_DIR"] ?? "./static/data";
  const buildDataDir = path.join(built, ...path.normalize(dataDir).split(path.sep).filter(Boolean).slice(1));
  const manifestFile = path.join(buildDataDir, "manifest.json");
  if (existsSync(manifestFile)) {
    const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as { renderedFiles: Record<string, string[]> };
    for (const files of Object.values(manifest.renderedFiles)) {
      for (let i = 0; i < files.length; i++) {
        const diskParts = files[i]!.split("/").slice(-3).join("/");
        const filePath = path.posix.join(buildDataDir, diskParts);
        if (!existsSync(filePath)) continue;
        const hash = createHash("md5")
          .update(await readFile(filePath))
          .digest("hex");
        const newDiskPart = path.posix.join(path.dirname(diskParts), hash, path.basename(diskParts));
        await mkdir(path.dirname(path.join(buildDataDir, newDiskPart)), { recursive: true });
        await rename(filePath, path.join(buildDataDir, newDiskPart));
        files[i] = files[i]!.replace(diskParts, newDiskPart);
      }
    }
    await writeFile(manifestFile, `${JSON.stringify(manifest)}\n`);
  }
  await cp(built, path.join(workspace.dir, "build"), { recursive: true });
}
