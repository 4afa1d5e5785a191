// The live preview's source-data stamp (pipelines/site/source-data-stamp.ts): a restart on the same warehouse keeps
// the data `evidence sources` wrote; a new warehouse, a changed source query or a load that never finished loads again.
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  forgetSourceData,
  recordSourceData,
  sourceDataCurrent,
  sourceDataStamp,
} from "../../pipelines/site/source-data-stamp.js";
import type { Workspace } from "../../pipelines/site/workspace.js";
import { tempDir } from "../helpers/temp-dir.js";

async function setUp() {
  const root = tempDir("source-data-stamp-");
  const sources = path.join(root, "sources", "warehouse");
  await mkdir(sources, { recursive: true });
  await writeFile(path.join(sources, "orders.sql"), "select * from marts.orders\n");
  const warehouse = path.join(root, "data", "warehouse.duckdb");
  await mkdir(path.dirname(warehouse), { recursive: true });
  await writeFile(warehouse, "the published warehouse");
  const dir = path.join(root, ".evidence-workspace", "dev");
  await mkdir(dir, { recursive: true });
  const workspace: Workspace = {
    dir,
    sourcesDir: path.join(dir, "sources"),
    languagePages: {
      pagesDir: path.join(root, "reports"),
      partialsDir: path.join(root, "partials"),
      outPagesDir: path.join(dir, "pages"),
      outPartialsDir: path.join(dir, "partials"),
      sourcesDir: sources,
    },
  };
  // What `evidence sources` leaves when it finishes: the manifest beside the parquet files.
  const writeManifest = async () => {
    const data = path.join(dir, ".evidence", "template", "static", "data");
    await mkdir(data, { recursive: true });
    await writeFile(path.join(data, "manifest.json"), "{}");
  };
  return { root, sources, warehouse, workspace, writeManifest };
}

describe("the preview's source data", () => {
  it("is kept for the same warehouse and source queries, and loaded again when either changes", async () => {
    const { root, sources, warehouse, workspace, writeManifest } = await setUp();
    const stamp = () => sourceDataStamp(workspace, warehouse, root);

    const first = await stamp();
    expect(await sourceDataCurrent(workspace, first)).toBe(false); // never loaded
    await writeManifest();
    await recordSourceData(workspace, first);
    expect(await sourceDataCurrent(workspace, await stamp())).toBe(true);

    // A refresh publishes a new warehouse by renaming it into place: a new file, loaded again.
    const next = `${warehouse}.next`;
    await writeFile(next, "the published warehouse");
    await rename(next, warehouse);
    const afterRefresh = await stamp();
    expect(afterRefresh).not.toBe(first);
    expect(await sourceDataCurrent(workspace, afterRefresh)).toBe(false);
    await recordSourceData(workspace, afterRefresh);

    // A source query edited or added: loaded again.
    await writeFile(path.join(sources, "orders.sql"), "select order_id from marts.orders\n");
    expect(await sourceDataCurrent(workspace, await stamp())).toBe(false);
    await recordSourceData(workspace, await stamp());
    await writeFile(path.join(sources, "regions.sql"), "select * from marts.regions\n");
    expect(await sourceDataCurrent(workspace, await stamp())).toBe(false);
  });

  it("is never taken as current after a load that did not finish", async () => {
    const { root, warehouse, workspace, writeManifest } = await setUp();
    const stamp = await sourceDataStamp(workspace, warehouse, root);
    await writeManifest();
    await recordSourceData(workspace, stamp);
    expect(await sourceDataCurrent(workspace, stamp)).toBe(true);
    // A load starts (and is killed, or fails): what was there no longer counts, whatever the warehouse.
    await forgetSourceData(workspace);
    expect(await sourceDataCurrent(workspace, stamp)).toBe(false);
  });

  it("needs the data's manifest, not only the stamp", async () => {
    const { root, warehouse, workspace } = await setUp();
    const stamp = await sourceDataStamp(workspace, warehouse, root);
    await recordSourceData(workspace, stamp);
    expect(await sourceDataCurrent(workspace, stamp)).toBe(false);
  });
});
