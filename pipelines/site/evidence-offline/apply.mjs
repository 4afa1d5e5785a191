#!/usr/bin/env node
// Makes Evidence work with no network (and fixes upstream bugs that would publish wrong or missing numbers), by
// replacing files of two pinned Evidence packages with reviewed copies kept in this directory. Run by the project's
// `postinstall`; safe to run again at any time.
//
//   node pipelines/site/evidence-offline/apply.mjs [--package-root DIR] [--check]
//
// Why: universal-sql runs DuckDB-WASM, which downloads its parquet extension from extensions.duckdb.org.
//   - node side (`evidence sources`, `evidence build`, `evidence dev`): src/client-duckdb/node.js is replaced by
//     node-client.js (+ node-worker.js), a client on native @duckdb/node-api, which has parquet built in;
//   - browser side (the built site's inputs re-query in the browser): src/client-duckdb/browser.js is replaced by
//     browser-client.js, which decodes parquet with parquet-wasm and inserts it as Arrow instead of read_parquet.
// And the Evidence CLI's page watcher (evidence-cli.js) no longer dies when an editor's temporary file vanishes,
// which left the analysts' live preview deaf to every later edit.
// The replacements live in this directory as ordinary source files so they can be reviewed; node_modules is never
// edited by hand.
//
// Safety: the replacements were written against exactly the versions pinned below. Each file to replace must be
// either the upstream file (checked by sha256) or already our file (same sha256 as our source, or carrying our
// marker from an earlier version of this patch). Anything else -- another version, a file changed by someone else
// -- and the script refuses, LOUDLY, with a non-zero exit, before writing anything.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Present in every file this patch installs. */
export const PATCH_MARKER = "@evidence-offline-patch";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * The packages patched, each pinned to one version. Per file: `target` inside the package, `source` in this
 * directory, and the sha256 of the upstream file it replaces (null: upstream has no such file).
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
        source: "browser-client.js",
        upstreamSha256: "ea0c7f043bac9582e8c933764c386972c1e57fc78ee05c077370a9a0d8b012c6",
      },
      // Not about the network: two upstream bugs that would make the published numbers wrong or missing (see the
      // files).
      {
        target: "src/client-duckdb/both.js",
        source: "both.js",
        upstreamSha256: "887059abbdd5515e1733217af071611120f225fb811c14a9c2ac047d74658116",
      },
      {
        target: "src/build-parquet.js",
        source: "build-parquet.js",
        upstreamSha256: "7376c2878449348d9f3a26f16446fc24e391545714a6be3764634fc10f9d64de",
      },
    ],
  },
  {
    name: "@evidence-dev/evidence",
    version: "40.1.8",
    files: [
      {
        target: "cli.js",
        source: "evidence-cli.js",
        upstreamSha256: "42e8230316883131dab8ef401570f22133acd50b7d53eb2b13f48e17a5051b9f",
      },
    ],
  },
];

/** The package the offline client lives in (the default for functions given no package). */
export const PACKAGE_NAME = PATCHED_PACKAGES[0].name;
export const PACKAGE_VERSION = PATCHED_PACKAGES[0].version;
/** The universal-sql files (kept for readers that only care about the offline client). */
export const PATCHED_FILES = PATCHED_PACKAGES[0].files;

/** Raised when the installed package is not the one this patch was written for. */
export class EvidenceOfflinePatchError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "EvidenceOfflinePatchError";
  }
}

const sha256 = (/** @type {Buffer | string} */ data) => createHash("sha256").update(data).digest("hex");

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
        `written for exactly ${pkg ? `${pkg.name}@${pkg.version}` : known}. ${whatToDo(pkg ?? PATCHED_PACKAGES[0])}`,
    );
  }
  return pkg.files.map((file) => {
    const targetPath = path.join(packageRoot, file.target);
    const sourcePath = path.join(HERE, file.source);
    const ours = readFileSync(sourcePath);
    const current = existsSync(targetPath) ? readFileSync(targetPath) : null;
    /** @type {'replace' | 'up-to-date'} */
    let action;
    if (current === null) {
      if (file.upstreamSha256 !== null) {
        throw new EvidenceOfflinePatchError(
          `REFUSING to patch ${pkg.name}@${pkg.version}: ${file.target} is missing in ` +
            `${packageRoot}; the package looks damaged. ${whatToDo(pkg)}`,
        );
      }
      action = "replace";
    } else if (sha256(current) === sha256(ours)) {
      action = "up-to-date";
    } else if (
      (file.upstreamSha256 !== null && sha256(current) === file.upstreamSha256) ||
      current.includes(PATCH_MARKER)
    ) {
      // Upstream content, or our file from an earlier revision of this patch.
      action = "replace";
    } else {
      throw new EvidenceOfflinePatchError(
        `REFUSING to patch ${pkg.name}@${pkg.version}: ${file.target} in ${packageRoot} has ` +
          `unexpected content (sha256 ${sha256(current)}; expected upstream ` +
          `${file.upstreamSha256 ?? "(no file)"} or this patch's ${sha256(ours)}). Someone else changed it. ` +
          whatToDo(pkg),
      );
    }
    return { ...file, package: pkg.name, targetPath, sourcePath, action };
  });
}

/**
 * Installs the replacements (idempotent): into the package at `packageRoot` if given, else into every patched
 * package as installed. Returns what was done per file.
 * @param {{ packageRoot?: string, log?: (line: string) => void }} [options]
 */
export function applyEvidenceOfflinePatch(options = {}) {
  const roots = options.packageRoot ? [options.packageRoot] : PATCHED_PACKAGES.map((p) => findPackageRoot(p.name));
  const log = options.log ?? ((line) => console.log(line));
  // Plan every file of every package first, so a refusal leaves all of them exactly as they were.
  const plan = roots.flatMap((root) => planEvidenceOfflinePatch(root));
  for (const step of plan) {
    if (step.action === "replace") {
      // Write beside, then rename: an interrupted install never leaves a half-written file.
      const tmp = `${step.targetPath}.evidence-offline.tmp`;
      writeFileSync(tmp, readFileSync(step.sourcePath));
      renameSync(tmp, step.targetPath);
    }
  }
  const summary = plan.map(
    (s) => `${s.package}/${s.target}: ${s.action === "replace" ? "installed" : "already installed"}`,
  );
  log(`[evidence-offline] Evidence patched for offline use (${summary.join("; ")})`);
  return plan.map(({ target, action }) => ({ target, action }));
}

/**
 * True when every patched file is byte-identical to this directory's source: in the package at `packageRoot` if
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

function main(argv) {
  const rootFlag = argv.indexOf("--package-root");
  const packageRoot = rootFlag >= 0 ? path.resolve(argv[rootFlag + 1] ?? "") : undefined;
  try {
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
