#!/usr/bin/env node
// Makes Evidence work with no network (and fixes upstream bugs that would publish wrong or missing numbers, or carry
// a formula to a reader's spreadsheet, gives Chinese readers 万 / 亿 and Evidence's own words in Chinese, and makes
// the build faster), by changing files of four pinned Evidence packages and of SvelteKit. Run by the project's
// `postinstall`; safe to run again at any time.
//
//   node pipelines/site/evidence-offline/apply.mjs [--package-root DIR] [--check]
//   node pipelines/site/evidence-offline/apply.mjs --update-patches     (after editing a patched file in node_modules)
//
// Why: universal-sql runs DuckDB-WASM, which downloads its parquet extension from extensions.duckdb.org.
//   - node side (`evidence sources`, `evidence build`, `evidence dev`): src/client-duckdb/node.js is replaced by
//     node-client.js (+ node-worker.js), a client on native @duckdb/node-api, which has parquet built in;
//   - browser side (the built site's inputs re-query in the browser): src/client-duckdb/browser.js is patched
//     (browser.js.patch) to decode parquet with parquet-wasm and insert it as Arrow instead of read_parquet.
// And: the Evidence CLI's page watcher no longer dies when an editor's temporary file vanishes (cli.js.patch); a
// missing date stays missing (both.js.patch); an empty source query still gets its table, and text a spreadsheet
// would run as a formula is stored with a leading quote (build-parquet.js.patch + shared/spreadsheet-safe.js), since every
// table's Download button writes it into a CSV opened in Excel or WPS.
//
// Two kinds of change, both reviewed here and never made by hand in node_modules:
//   - `patch`: a unified diff against the upstream file (`<name>.patch` in this directory), applied with jsdiff. An
//     upgrade shows exactly which hunk no longer applies. The upstream file is kept beside the target
//     (`<target>.upstream`), so a changed patch re-applies to the original, and `--update-patches` rewrites each
//     .patch from the installed file after you edited it there.
//   - `source`: a whole file of ours (the native DuckDB client and its worker, the spreadsheet rule), installed as is.
//
// Safety: the changes were written against exactly the versions pinned below. Each file to change must be the
// upstream file (checked by sha256), or already ours (for a patch: upstream kept beside it; for a whole file: same
// content, or carrying our marker from an earlier version). Anything else -- another version, a file changed by
// someone else, a patch that no longer applies -- and the script refuses, LOUDLY, with a non-zero exit, before
// writing anything.

import { createHash } from "node:crypto";
import { applyPatch, createTwoFilesPatch } from "diff";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Present in every file this patch installs. */
export const PATCH_MARKER = "@evidence-offline-patch";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * The packages patched, each pinned to one version. Per file: `target` inside the package; either `patch` (a unified
 * diff in this directory, applied to the upstream file) or `source` (a whole file of ours in this directory); and the
 * sha256 of the upstream file (null: upstream has no such file).
 */
export const PATCHED_PACKAGES = [
  {
    name: "@evidence-dev/universal-sql",
    version: "3.0.1",
    files: [
      {
        target: "src/client-duckdb/node.js",
        source: "node-client.js",
        upstreamSha256: "b1bbf1f5ae190acefe0f3ceb70d404b7798643523cc20cc4f4d5e24fbaffb471",
      },
      {
        target: "src/client-duckdb/node-worker.js",
        source: "node-worker.js",
        upstreamSha256: null,
      },
      {
        target: "src/client-duckdb/browser.js",
        patch: "browser.js.patch",
        upstreamSha256: "ea0c7f043bac9582e8c933764c386972c1e57fc78ee05c077370a9a0d8b012c6",
      },
      // Not about the network: two upstream bugs that would make the published numbers wrong or missing (see the
      // files).
      {
        target: "src/client-duckdb/both.js",
        patch: "both.js.patch",
        upstreamSha256: "887059abbdd5515e1733217af071611120f225fb811c14a9c2ac047d74658116",
      },
      {
        target: "src/build-parquet.js",
        patch: "build-parquet.js.patch",
        upstreamSha256: "7376c2878449348d9f3a26f16446fc24e391545714a6be3764634fc10f9d64de",
      },
      // Not about the network: build speed. The prerender's query cache recognises the same query on two pages,
      // and writes each page's query list once per render step instead of after every query.
      {
        target: "src/cache-duckdb.js",
        patch: "cache-duckdb.js.patch",
        upstreamSha256: "8c6810f115df75b693e702711654ace92b748cf666d880e8e0ea55e05eb1e929",
      },
      // Not upstream: what build-parquet.js stores of text a spreadsheet would run as a formula (CSV injection).
      {
        target: "src/spreadsheet-safe.js",
        // the project's one definition of the rule (the CSV templates use it too)
        source: "../../shared/spreadsheet-safe.js",
        upstreamSha256: null,
      },
    ],
  },
  // Not about the network: money in 万 / 亿 for Chinese readers, which no Excel-style format code can express.
  {
    name: "@evidence-dev/component-utilities",
    version: "4.0.13",
    files: [
      {
        target: "src/formatting.js",
        patch: "formatting.js.patch",
        upstreamSha256: "d196d1ce976186d2eab0f0a961dbe82503f2ca8b248717ef06c742384b5439d3",
      },
      {
        target: "src/chinese-units.js",
        source: "chinese-units.js",
        upstreamSha256: null,
      },
      // Chart axes' dates and ECharts' own words in the page's language.
      {
        target: "src/echarts.js",
        patch: "echarts.js.patch",
        upstreamSha256: "fa4c6dcda4cdf3d39f2d784524d99c9df63d21e701018e2d119b71f7d78a8a7c",
      },
    ],
  },
  // Not about the network: build speed. SvelteKit saves what a later build needs to prerender again from the same
  // bundles, when pipelines/site/bundle-reuse.ts asks it to (a nightly refresh whose pages did not change).
  {
    name: "@sveltejs/kit",
    version: "2.8.4",
    files: [
      {
        target: "src/exports/vite/index.js",
        patch: "sveltekit-vite.js.patch",
        upstreamSha256: "aac5ba098005bad1e73cb65cee0aae1caeb3ed4953a4977a63fe9bc58488e8b6",
      },
    ],
  },
  // Not about the network: the words Evidence's own components print (a table's pager and search box, a dropdown's
  // "Select all", a chart's empty state, the header's menu) in the reader's language, read from ui-language.js.
  {
    name: "@evidence-dev/core-components",
    version: "5.4.2",
    files: [
      { target: "dist/ui-language.js", source: "ui-language.js", upstreamSha256: null },
      {
        target: "dist/unsorted/viz/table/_DataTable.svelte",
        patch: "ui-language/_DataTable.svelte.patch",
        upstreamSha256: "e57c6f0fd4d1f804c3785f3acf440fad50db2a119d7a685cef2bf6d7af32598c",
      },
      {
        target: "dist/unsorted/viz/table/EnterFullScreen.svelte",
        patch: "ui-language/EnterFullScreen.svelte.patch",
        upstreamSha256: "5859e9625e5d0fa1512ed32f9d5df699248555862079a8dd14987741941f694d",
      },
      {
        target: "dist/unsorted/ui/DownloadData.svelte",
        patch: "ui-language/DownloadData.svelte.patch",
        upstreamSha256: "b64581d9e69e8370bd94661c96de845bf6181a2d012acd559b76c3e8bb28ec42",
      },
      {
        target: "dist/atoms/inputs/dropdown/Dropdown.svelte",
        patch: "ui-language/Dropdown.svelte.patch",
        upstreamSha256: "14fc27ae00581a94006f1606394c9e45ef0122edd140fd0d698b02003a4b0e24",
      },
      {
        target: "dist/unsorted/viz/core/EmptyChart.svelte",
        patch: "ui-language/EmptyChart.svelte.patch",
        upstreamSha256: "b3da5dc761ee94e6bc1690de81f9eb37d8a4d2a18c7a08fcc0ce0a6e015aabb4",
      },
      {
        target: "dist/unsorted/viz/table/TableRow.svelte",
        patch: "ui-language/TableRow.svelte.patch",
        upstreamSha256: "e07f269c5778a16c6c620f614cfd56ee42b1c653d3447d1004d245378888eb32",
      },
      {
        target: "dist/unsorted/viz/table/TableHeader.svelte",
        patch: "ui-language/TableHeader.svelte.patch",
        upstreamSha256: "99f1c0cef2d1f66104b79e076d8334dbfc563133c42b50204eca51cf28fd47e0",
      },
      {
        target: "dist/organisms/layout/header/Header.svelte",
        patch: "ui-language/Header.svelte.patch",
        upstreamSha256: "531086ddc0f7417de682f6a08d8283b40614ffbfd914c9a9bb3915bd528b46ea",
      },
      {
        target: "dist/organisms/layout/sidebar/Sidebar.svelte",
        patch: "ui-language/Sidebar.svelte.patch",
        upstreamSha256: "21ec08214f49f724395977f36112712cbfb17873262dbc50d511e2638deccd77",
      },
      {
        target: "dist/organisms/layout/header/KebabMenu.svelte",
        patch: "ui-language/KebabMenu.svelte.patch",
        upstreamSha256: "a05fd967cbe4a1dc1e9fbe8dd94bc72d4a378030bc66d0329b740e032e4dc2b2",
      },
      {
        target: "dist/unsorted/viz/core/Value.svelte",
        patch: "ui-language/Value.svelte.patch",
        upstreamSha256: "f56362fdf6dcdc8f5aa1f6da88d89880a7dd19e0a03d4d65ffd0c720c3597c86",
      },
      // Not about language: an inline value followed by punctuation showed a space before it ("2026-10-31 , the
      // latest order date", "2026-12-07 。").
      {
        target: "dist/unsorted/viz/core/_Value.svelte",
        patch: "_Value.svelte.patch",
        upstreamSha256: "f8ee4cae1ff03fd5f93a472ea4b0dff92ce4aa00fdb86bc1d7624507f1f4cdc3",
      },
    ],
  },
  {
    name: "@evidence-dev/evidence",
    version: "40.1.8",
    files: [
      {
        target: "cli.js",
        patch: "cli.js.patch",
        upstreamSha256: "42e8230316883131dab8ef401570f22133acd50b7d53eb2b13f48e17a5051b9f",
      },
      // Not about the network: preview start. vite's cache per workspace (EVIDENCE_VITE_CACHE_DIR), so a site build
      // no longer makes the next preview re-optimise every dependency.
      {
        target: "template/vite.config.js",
        patch: "vite.config.js.patch",
        upstreamSha256: "3e92a8572373dbf1ae48f2eb01b05f0c6faffa78745d0ca39ba66b0982bfc871",
      },
    ],
  },
];

/** The package the offline client lives in (the default for functions given no package). */
const OFFLINE_CLIENT_PACKAGE = /** @type {(typeof PATCHED_PACKAGES)[number]} */ (PATCHED_PACKAGES[0]);
export const PACKAGE_NAME = OFFLINE_CLIENT_PACKAGE.name;
export const PACKAGE_VERSION = OFFLINE_CLIENT_PACKAGE.version;
/** The universal-sql files (kept for readers that only care about the offline client). */
export const PATCHED_FILES = OFFLINE_CLIENT_PACKAGE.files;

/** Raised when the installed package is not the one this patch was written for. */
export class EvidenceOfflinePatchError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "EvidenceOfflinePatchError";
  }
}

const sha256 = (/** @type {Buffer | string} */ data) => createHash("sha256").update(data).digest("hex");

/** The upstream file of a patched target is kept beside it, with this suffix. */
export const UPSTREAM_SUFFIX = ".upstream";

/**
 * Finds an installed package's root directory: through its package.json where the package exports it, else by
 * walking up from its main entry (universal-sql exports no package.json).
 * @param {string} [name]
 */
export function findPackageRoot(name = PACKAGE_NAME) {
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    // Not exported; fall through to the main entry.
  }
  // A package that exports neither its package.json nor a main entry (component-utilities exports only ./*):
  // look for it where Node would.
  for (const dir of require.resolve.paths(name) ?? []) {
    const manifest = path.join(dir, name, "package.json");
    if (existsSync(manifest)) return path.dirname(manifest);
  }
  let main;
  try {
    main = require.resolve(name);
  } catch {
    throw new EvidenceOfflinePatchError(
      `${name} is not installed (cannot resolve it from ${HERE}). Run \`npm install\` first.`,
    );
  }
  for (let dir = path.dirname(main); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === name) return dir;
  }
  throw new EvidenceOfflinePatchError(`cannot find the package.json of ${name} above ${main}`);
}

/** @param {{ name: string, version: string }} pkg */
const whatToDo = (pkg) =>
  `What to do: keep "${pkg.name}": "${pkg.version}" pinned in package.json and run \`npm ci\` ` +
  `(or \`npm install\`) so the expected files come back; or, to upgrade Evidence, port ` +
  `pipelines/site/evidence-offline/ to the new version and update the versions and sha256 values in ` +
  `apply.mjs. Without this patch Evidence hangs forever with no network ` +
  `(it downloads DuckDB's parquet extension).`;

/**
 * Decides, for each file of the package at `packageRoot` (which patched package it is, its package.json says),
 * whether it is upstream (to replace), already ours (to leave), or unknown (refuse).
 * Throws EvidenceOfflinePatchError on an unknown package, a wrong version or unknown content; writes nothing.
 * @param {string} packageRoot
 */
export function planEvidenceOfflinePatch(packageRoot) {
  const manifestPath = path.join(packageRoot, "package.json");
  const known = PATCHED_PACKAGES.map((p) => `${p.name}@${p.version}`).join(" or ");
  if (!existsSync(manifestPath)) {
    throw new EvidenceOfflinePatchError(`no package.json in ${packageRoot}; is ${known} installed?`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const pkg = PATCHED_PACKAGES.find((p) => p.name === manifest.name);
  if (pkg === undefined || manifest.version !== pkg.version) {
    throw new EvidenceOfflinePatchError(
      `REFUSING to patch ${packageRoot}: found ${manifest.name}@${manifest.version}, but this patch is ` +
        `written for exactly ${pkg ? `${pkg.name}@${pkg.version}` : known}. ${whatToDo(pkg ?? OFFLINE_CLIENT_PACKAGE)}`,
    );
  }
  return pkg.files.map((file) => {
    const targetPath = path.join(packageRoot, file.target);
    const current = existsSync(targetPath) ? readFileSync(targetPath) : null;
    const step = { ...file, package: pkg.name, targetPath };
    const refuse = (/** @type {string} */ why) =>
      new EvidenceOfflinePatchError(
        `REFUSING to patch ${pkg.name}@${pkg.version}: ${file.target} in ${packageRoot} ${why} ${whatToDo(pkg)}`,
      );

    if (file.patch !== undefined) {
      // A diff against upstream: find the upstream text (the file itself, or the copy kept beside it once patched).
      const upstreamPath = `${targetPath}${UPSTREAM_SUFFIX}`;
      const kept = existsSync(upstreamPath) ? readFileSync(upstreamPath) : null;
      let upstream;
      if (current !== null && sha256(current) === file.upstreamSha256) upstream = current;
      else if (kept !== null && sha256(kept) === file.upstreamSha256) upstream = kept;
      else if (current === null) throw refuse("is missing; the package looks damaged.");
      else {
        throw refuse(
          `has unexpected content (sha256 ${sha256(current)}; expected upstream ${file.upstreamSha256}, or this ` +
            `patch applied to it with the upstream file kept as ${path.basename(upstreamPath)}). Someone else changed it.`,
        );
      }
      const patchPath = path.join(HERE, file.patch);
      const patched = applyPatch(upstream.toString("utf8"), readFileSync(patchPath, "utf8"));
      if (patched === false) {
        throw refuse(`does not take ${file.patch}: a hunk no longer matches the upstream file.`);
      }
      const content = Buffer.from(patched, "utf8");
      const action = current !== null && current.equals(content) ? "up-to-date" : "replace";
      return { ...step, sourcePath: patchPath, upstreamPath, upstream, content, action };
    }

    const sourcePath = path.join(HERE, file.source);
    const ours = readFileSync(sourcePath);
    /** @type {'replace' | 'up-to-date'} */
    let action;
    if (current === null) {
      if (file.upstreamSha256 !== null) throw refuse("is missing; the package looks damaged.");
      action = "replace";
    } else if (current.equals(ours)) {
      action = "up-to-date";
    } else if (
      (file.upstreamSha256 !== null && sha256(current) === file.upstreamSha256) ||
      current.includes(PATCH_MARKER)
    ) {
      // Upstream content, or our file from an earlier revision of this patch.
      action = "replace";
    } else {
      throw refuse(
        `has unexpected content (sha256 ${sha256(current)}; expected upstream ` +
          `${file.upstreamSha256 ?? "(no file)"} or this patch's ${sha256(ours)}). Someone else changed it.`,
      );
    }
    return { ...step, sourcePath, upstreamPath: null, upstream: null, content: ours, action };
  });
}

/**
 * Installs the changes (idempotent): into the package at `packageRoot` if given, else into every patched package as
 * installed. Returns what was done per file.
 * @param {{ packageRoot?: string, log?: (line: string) => void }} [options]
 */
export function applyEvidenceOfflinePatch(options = {}) {
  const roots = options.packageRoot ? [options.packageRoot] : PATCHED_PACKAGES.map((p) => findPackageRoot(p.name));
  const log = options.log ?? ((line) => console.log(line));
  // Plan every file of every package first, so a refusal leaves all of them exactly as they were.
  const plan = roots.flatMap((root) => planEvidenceOfflinePatch(root));
  for (const step of plan) {
    if (step.action !== "replace") continue;
    // Keep the upstream file beside a patched one, so a changed patch can be applied to the original again.
    if (step.upstreamPath !== null && step.upstream !== null && !existsSync(step.upstreamPath)) {
      writeAtomically(step.upstreamPath, step.upstream);
    }
    writeAtomically(step.targetPath, step.content);
  }
  const summary = plan.map(
    (s) => `${s.package}/${s.target}: ${s.action === "replace" ? "installed" : "already installed"}`,
  );
  log(`[evidence-offline] Evidence patched for offline use (${summary.join("; ")})`);
  return plan.map(({ target, action }) => ({ target, action }));
}

/** Write beside, then rename: an interrupted install never leaves a half-written file. */
function writeAtomically(/** @type {string} */ file, /** @type {Buffer} */ content) {
  const tmp = `${file}.evidence-offline.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/**
 * Rewrites each `.patch` of this directory from the installed file and the upstream copy kept beside it: edit the
 * file in node_modules, check it works, then run this to carry the change into the repository. Returns the patch
 * files written.
 * @param {{ log?: (line: string) => void }} [options]
 */
export function updatePatches(options = {}) {
  const log = options.log ?? ((line) => console.log(line));
  const written = [];
  for (const pkg of PATCHED_PACKAGES) {
    const root = findPackageRoot(pkg.name);
    for (const file of pkg.files) {
      if (file.patch === undefined) continue;
      const targetPath = path.join(root, file.target);
      const upstreamPath = `${targetPath}${UPSTREAM_SUFFIX}`;
      if (!existsSync(upstreamPath) || sha256(readFileSync(upstreamPath)) !== file.upstreamSha256) {
        throw new EvidenceOfflinePatchError(
          `no upstream copy of ${pkg.name}/${file.target} beside it: run the patch once (npm install) before editing.`,
        );
      }
      const diff = createTwoFilesPatch(
        `a/${file.target}`,
        `b/${file.target}`,
        readFileSync(upstreamPath, "utf8"),
        readFileSync(targetPath, "utf8"),
        `${pkg.name}@${pkg.version}`,
        "evidence-offline",
      );
      writeFileSync(path.join(HERE, file.patch), diff);
      written.push(file.patch);
    }
  }
  log(`[evidence-offline] patches written: ${written.join(", ")}`);
  return written;
}

/**
 * True when every patched file is as this directory says (patch applied, or our whole file): in the package at `packageRoot` if
 * given, else in every patched package as installed.
 * @param {string} [packageRoot]
 */
export function isEvidenceOfflinePatchInstalled(packageRoot) {
  const roots = packageRoot ? [packageRoot] : PATCHED_PACKAGES.map((p) => findPackageRoot(p.name));
  return roots.every((root) => {
    const steps = (() => {
      try {
        return planEvidenceOfflinePatch(root);
      } catch {
        return null;
      }
    })();
    return steps !== null && steps.every((step) => step.action === "up-to-date");
  });
}

/** @param {string[]} argv */
function main(argv) {
  const rootFlag = argv.indexOf("--package-root");
  const packageRoot = rootFlag >= 0 ? path.resolve(argv[rootFlag + 1] ?? "") : undefined;
  try {
    if (argv.includes("--update-patches")) {
      updatePatches();
      return 0;
    }
    if (argv.includes("--check")) {
      const ok = isEvidenceOfflinePatchInstalled(packageRoot);
      console.log(`[evidence-offline] patch ${ok ? "is" : "is NOT"} installed`);
      return ok ? 0 : 1;
    }
    applyEvidenceOfflinePatch({ packageRoot });
    return 0;
  } catch (e) {
    const banner = "!".repeat(100);
    console.error(`\n${banner}\n[evidence-offline] ${e instanceof Error ? e.message : String(e)}\n${banner}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
