// Types for apply.mjs (a plain .mjs so that `postinstall` runs it with node alone, before any TypeScript tooling).
export declare const PACKAGE_NAME: "@evidence-dev/universal-sql";
export declare const PACKAGE_VERSION: string;
export declare const PATCH_MARKER: string;

export interface PatchedFile {
  /** Path inside the package. */
  target: string;
  /** A whole file of ours in pipelines/site/evidence-offline/, installed as is. */
  source?: string;
  /** A unified diff in pipelines/site/evidence-offline/, applied to the upstream file. */
  patch?: string;
  /** sha256 of the upstream file it replaces; null when upstream has no such file. */
  upstreamSha256: string | null;
}
/** The universal-sql files (the offline client). */
export declare const PATCHED_FILES: readonly PatchedFile[];

export interface PatchedPackage {
  name: string;
  /** The one version the replacements were written against. */
  version: string;
  files: readonly PatchedFile[];
}
/** Every patched package: universal-sql (offline client, data fixes) and the Evidence CLI (page watcher). */
export declare const PATCHED_PACKAGES: readonly PatchedPackage[];

export declare class EvidenceOfflinePatchError extends Error {}

export interface PlannedStep extends PatchedFile {
  /** Name of the package the file belongs to. */
  package: string;
  targetPath: string;
  /** The whole file or the diff this step installs. */
  sourcePath: string;
  /** Where the upstream file of a patched target is kept (null for whole files). */
  upstreamPath: string | null;
  /** What the target holds once installed. */
  content: Buffer;
  action: "replace" | "up-to-date";
}
/** The upstream file of a patched target is kept beside it, with this suffix. */
export declare const UPSTREAM_SUFFIX: string;

/** Finds an installed package's directory (default @evidence-dev/universal-sql). */
export declare function findPackageRoot(name?: string): string;
/** Checks version and file hashes; throws EvidenceOfflinePatchError instead of planning a wrong patch. */
export declare function planEvidenceOfflinePatch(packageRoot: string): PlannedStep[];
/**
 * Installs the replacements into the package at packageRoot, or into every patched package (idempotent); throws EvidenceOfflinePatchError on a package it does not know. */
export declare function applyEvidenceOfflinePatch(options?: {
  packageRoot?: string;
  log?: (line: string) => void;
}): Array<{ target: string; action: "replace" | "up-to-date" }>;
/** Rewrites each .patch from the installed file and the upstream copy beside it; returns the patch files written. */
export declare function updatePatches(options?: { log?: (line: string) => void }): string[];
/** True when every patched file (of the package at packageRoot, or of every patched package) is ours. */
export declare function isEvidenceOfflinePatchInstalled(packageRoot?: string): boolean;
