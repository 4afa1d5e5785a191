// The folder tree of pipelines/ is the flow: extract -> load -> transform -> publish -> site, with shared/ below every
// stage and orchestrate/ above them all. This test reads every import in pipelines/ and models/ and fails on one that
// points against the flow, so the tree keeps telling a newcomer the truth.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/paths.js";

/** What each top-level folder of pipelines/ may import besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  shared: [],
  extract: ["shared"],
  load: ["shared"],
  transform: ["shared"],
  publish: ["shared"],
  site: ["shared"],
  "demo-company": ["shared", "extract"],
  orchestrate: ["shared", "extract", "load", "transform", "publish", "site", "demo-company"],
  "dev-tools": ["shared", "extract", "load", "transform", "publish", "site", "orchestrate", "demo-company"],
  "cli.ts": ["shared", "extract", "load", "transform", "publish", "site", "orchestrate", "demo-company"],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs|js)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((match) => match[1]!);
}

/** The top-level folder of pipelines/ a path is in (or `cli.ts`), or undefined outside pipelines/. */
function stageOf(file: string): string | undefined {
  const relative = path.relative(path.join(REPO_ROOT, "pipelines"), file);
  if (relative.startsWith("..")) return undefined;
  return relative.split(path.sep)[0];
}

describe("pipelines/ imports follow the flow", () => {
  const pipelines = path.join(REPO_ROOT, "pipelines");

  it("every stage imports only itself, stages before it and shared/", () => {
    const against: string[] = [];
    for (const file of sourceFiles(pipelines)) {
      const from = stageOf(file)!;
      const allowed = MAY_IMPORT[from];
      expect(allowed, `pipelines/${from} is a folder the flow does not name: add it to MAY_IMPORT`).toBeDefined();
      for (const spec of relativeImports(file)) {
        const to = stageOf(path.resolve(path.dirname(file), spec));
        if (to === undefined || to === from || allowed!.includes(to)) continue;
        against.push(`${path.relative(REPO_ROOT, file)} imports ${spec} (${from} -> ${to})`);
      }
    }
    expect(against).toEqual([]);
  });

  it("finds an import against the flow when there is one", () => {
    // The check itself can fail: a load module importing the orchestration is reported.
    const from = "load";
    const to = stageOf(path.join(pipelines, "orchestrate", "refresh.ts"));
    expect(to).toBe("orchestrate");
    expect(MAY_IMPORT[from]).not.toContain(to);
  });

  it("no folder of pipelines/ shares a name with a top-level folder that means something else", () => {
    const topLevel = readdirSync(REPO_ROOT, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const stages = readdirSync(pipelines, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(stages.filter((stage) => topLevel.includes(stage))).toEqual([]);
  });

  it("models import nothing from pipelines/ but the model runner's types and the CLV fitter", () => {
    const reached = sourceFiles(path.join(REPO_ROOT, "models")).flatMap((file) =>
      relativeImports(file)
        .map((spec) => path.relative(REPO_ROOT, path.resolve(path.dirname(file), spec)))
        .filter((target) => target.startsWith("pipelines")),
    );
    for (const target of reached) expect(target).toMatch(/^pipelines\/transform\//);
  });
});
