// When a site build may reuse the last build's bundles (pipelines/site/bundle-reuse.ts): only when nothing they
// depend on changed. The reuse itself, against a full build of the same data, is tested in clean-site.test.ts.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleKey, savedBundle, templateDir } from "../../pipelines/site/bundle-reuse.js";
import type { Workspace } from "../../pipelines/site/workspace.js";
import { REPO_ROOT } from "../support/paths.js";

let scratch: string;
let workspace: Workspace;
const env = {
  VITE_SITE_TITLE: "演示公司",
  EVIDENCE_SOURCE__warehouse__filename: "../../../../data/warehouse.duckdb",
  PATH: "/usr/bin",
};

async function write(relative: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(workspace.dir, relative)), { recursive: true });
  await writeFile(path.join(workspace.dir, relative), text);
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "bundle-reuse-"));
  workspace = {
    dir: scratch,
    sourcesDir: path.join(scratch, "sources"),
    languagePages: {
      pagesDir: "",
      outPagesDir: path.join(scratch, "pages"),
      outPartialsDir: path.join(scratch, "partials"),
    },
  } as Workspace;
  await write("pages/index.md", "# 渠道\n");
  await write("pages/en/index.md", "# Channels\n");
  await write("partials/zh/as-of.md", "新鲜度\n");
  await write(".evidence/customization/custom-formatting.json", '{"customFormats":[]}');
  await write("evidence.config.yaml", "plugins: {}\n");
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("the key of a site's bundles", () => {
  it("changes with a page, a partial, the number formats, the company's name or the Evidence config", async () => {
    const before = await bundleKey(workspace, env, REPO_ROOT);
    expect(await bundleKey(workspace, { ...env }, REPO_ROOT)).toBe(before); // stable
    const changes: Array<[string, () => Promise<unknown>, () => Promise<unknown>]> = [
      [
        "a page",
        () => write("pages/en/index.md", "# Sales channels\n"),
        () => write("pages/en/index.md", "# Channels\n"),
      ],
      ["a new page", () => write("pages/en/new.md", "x"), () => rm(path.join(scratch, "pages/en/new.md"))],
      ["a partial", () => write("partials/zh/as-of.md", "过期\n"), () => write("partials/zh/as-of.md", "新鲜度\n")],
      [
        "the formats (currency)",
        () => write(".evidence/customization/custom-formatting.json", '{"customFormats":[{"formatTag":"money"}]}'),
        () => write(".evidence/customization/custom-formatting.json", '{"customFormats":[]}'),
      ],
      [
        "the config",
        () => write("evidence.config.yaml", "plugins: {a: 1}\n"),
        () => write("evidence.config.yaml", "plugins: {}\n"),
      ],
    ];
    for (const [what, change, undo] of changes) {
      await change();
      expect(await bundleKey(workspace, env, REPO_ROOT), what).not.toBe(before);
      await undo();
      expect(await bundleKey(workspace, env, REPO_ROOT), `${what} undone`).toBe(before);
    }
    expect(await bundleKey(workspace, { ...env, VITE_SITE_TITLE: "另一家公司" }, REPO_ROOT)).not.toBe(before);
    expect(await bundleKey(workspace, { ...env, EVIDENCE_BUILD_DIR: "./out" }, REPO_ROOT)).not.toBe(before);
  });

  it("does not change with the data: where the warehouse is, or other variables", async () => {
    const before = await bundleKey(workspace, env, REPO_ROOT);
    const moved = { ...env, EVIDENCE_SOURCE__warehouse__filename: "../../other/warehouse.duckdb", PATH: "/bin" };
    expect(await bundleKey(workspace, moved, REPO_ROOT)).toBe(before);
  });
});

describe("a saved bundle", () => {
  it("is used only when complete, and only with the template it was built in", async () => {
    const key = await bundleKey(workspace, env, REPO_ROOT);
    const saved = path.join(scratch, ".site-bundle", key);
    await mkdir(path.join(saved, "client"), { recursive: true });
    await mkdir(path.join(saved, "server"), { recursive: true });
    await mkdir(templateDir(workspace), { recursive: true });
    await writeFile(path.join(templateDir(workspace), "svelte.config.js"), "export default {}");
    expect(savedBundle(workspace, key)).toBeNull(); // no state: a build killed while saving
    await writeFile(path.join(saved, "state.bin"), "");
    expect(savedBundle(workspace, key)).toBe(saved);
    expect(savedBundle(workspace, "0".repeat(24))).toBeNull(); // another key: pages changed since
    await rm(path.join(templateDir(workspace), "svelte.config.js"));
    expect(savedBundle(workspace, key)).toBeNull(); // the template was emptied (e.g. a preview ran here)
  });
});
