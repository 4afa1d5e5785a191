// Building the report site the site tests share. Called by the site project's global setup (test/site/global-setup.ts)
// in vitest's main process, so this module must not import "vitest"; tests read the result through shared-site.ts.
import os from "node:os";
import path from "node:path";
import { buildReports } from "../../../pipelines/site/build-reports.js";
import { WORKSPACES_DIR } from "../../../pipelines/site/workspace.js";
import { REPO_ROOT } from "../../support/paths.js";

export { REPO_ROOT };

/** Scratch space for test artifacts, inside the gitignored workspaces directory (same disk as the workspaces). */
export const TEST_SCRATCH = path.join(REPO_ROOT, WORKSPACES_DIR, "tests");

export interface SharedSite {
  /** The published demo warehouse the site was built from. */
  warehousePath: string;
  /** The built site (what build/ would hold). */
  siteDir: string;
  /** Wall-clock time of `evidence sources` + `evidence build`. */
  buildMs: number;
  /** Whether the build ran with no network interface but loopback (as under the offline wrapper). */
  ranOffline: boolean;
  /** Evidence's output, for diagnosing a failure. */
  log: string[];
}

/** True when no network interface other than loopback is up (how the offline wrapper runs us). */
export function networkIsOff(): boolean {
  return Object.entries(os.networkInterfaces()).every(([, addresses]) =>
    (addresses ?? []).every((address) => address.internal),
  );
}

/** Builds the site from a published warehouse (global setup only: tests call sharedSite()). */
export async function buildSharedSite(warehousePath: string): Promise<SharedSite> {
  const siteDir = path.join(TEST_SCRATCH, "shared-site", "site");
  const log: string[] = [];
  const started = Date.now();
  try {
    await buildReports({
      repoRoot: REPO_ROOT,
      warehousePath,
      outDir: siteDir,
      workspaceName: "tests-shared-site",
      // Always a full build, whatever an earlier run left in the workspace: the tests are about what it makes.
      fullBuild: true,
      log: (line) => log.push(line),
    });
  } catch (error) {
    throw new Error(`${String(error)}\n--- output ---\n${log.slice(-60).join("\n")}`);
  }
  return { warehousePath, siteDir, buildMs: Date.now() - started, ranOffline: networkIsOff(), log };
}
