// One Evidence build per test run, shared by every test file that needs the built site.
//
// An Evidence build takes about 90 s here, so it must not run once per test file: the first test
// file to ask builds it (under a file lock keyed by the vitest run, see test/support/shared-once.ts)
// from the demo company's real published warehouse, and the others reuse it.
import os from "node:os";
import path from "node:path";
import { buildReports } from "../../../pipelines/site/build-reports.js";
import { WORKSPACES_DIR } from "../../../pipelines/site/workspace.js";
import { demoWarehouse } from "../../support/demo-warehouse.js";
import { REPO_ROOT, sharedOnce } from "../../support/shared-once.js";

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

/** Returns this run's built site, building it if no other test file has. */
export function sharedSite(): Promise<SharedSite> {
  return sharedOnce("reports-site", async () => {
    const { warehousePath } = await demoWarehouse("planted");
    const siteDir = path.join(TEST_SCRATCH, "shared-site", "site");
    const log: string[] = [];
    const started = Date.now();
    try {
      await buildReports({
        repoRoot: REPO_ROOT,
        warehousePath,
        outDir: siteDir,
        workspaceName: "tests-shared-site",
        log: (line) => log.push(line),
      });
    } catch (error) {
      throw new Error(`${String(error)}\n--- output ---\n${log.slice(-60).join("\n")}`);
    }
    return { warehousePath, siteDir, buildMs: Date.now() - started, ranOffline: networkIsOff(), log };
  });
}
