// Types for apply.mjs (a plain .mjs so that `postinstall` runs it with node alone, before any TypeScript tooling).
export declare const PACKAGE_NAME: "@evidence-dev/universal-sql";
export declare const PACKAGE_VERSION: string;
export declare const PATCH_MARKER: string;

export interface PatchedFile {
  /** Path inside the package. */
  target: string;
  /** Replacement source file in pipelines/reports/evidence-offline/. */
  source: string;
  /** sha256 of the upstream file it replaces; null when upstream has no such file. */
  upstreamSha256: string | null;
}
export declare const PATCHED_FILES: readonly PatchedFile[];

export declare class EvidenceOfflinePatchError extends Error {}

export interface PlannedStep extends PatchedFile {
  targetPath: string;
  sourcePath: string;
  action: "replace" | "up-to-date";
}

/** Finds the installed @evidence-dev/universal-sql package directory. */
export declare function findPackageRoot(): string;
/** Checks version and file hashes; throws EvidenceOfflinePatchError instead of planning a wrong patch. */
export declare function planEvidenceOfflinePatch(packageRoot: string): PlannedStep[];
/** Installs the replacements (idempotent); throws EvidenceOfflinePatchError on a package it does not know. */
export declare function applyEvidenceOfflinePatch(options?: {
  packageRoot?: string;
  log?: (line: string) => void;
}): Array<{ target: string; action: "replace" | "up-to-date" }>;
/** True when every patched file in the package is identical to this directory's source. */
export declare function isEvidenceOfflinePatchInstalled(packageRoot?: string): boolean;
