import { BaseSequencer } from "vitest/node";
import type { TestSpecification } from "vitest/node";

/**
 * Hands the test files to the two workers heaviest lane first: the end-to-end CLI runs (the crash-safety file alone is
 * about 17 minutes), then the report-site tests, then the demo and unit files, which fill the gaps at the end.
 *
 * vitest's own order is longest-first only when it has timings of an earlier run (its cache under node_modules); on a
 * clean checkout, as in CI, it orders by file size, which started the longest file (a short one) near the end and left
 * one worker idle for a quarter of an hour. Within a lane vitest's own order is kept.
 */
const LANE_ORDER = ["e2e", "site", "demo", "unit"];

export default class HeaviestLanesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const at = LANE_ORDER.indexOf(spec.project.name);
      return at === -1 ? LANE_ORDER.length : at;
    };
    // Array.prototype.sort is stable: vitest's order holds within a lane.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
