/**
 * Rules every page in reports/ keeps, read from the markdown itself (no build needed).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/paths.js";

const REPORTS = path.join(REPO_ROOT, "reports");

async function pages(): Promise<Array<{ file: string; text: string }>> {
  const files = (await readdir(REPORTS, { recursive: true })).filter((file) => file.endsWith(".md")).sort();
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(path.join(REPORTS, file), "utf8") })));
}

describe("report pages", () => {
  it("name the order of every dropdown's options that come from a query", async () => {
    // Evidence reads a dropdown's options with `select distinct value, label from (<the query>)` and lists them in
    // the order those rows come back, which a `distinct` does not keep: without `order=`, the options of the same
    // page came in another order from one build to the next.
    const dropdowns = (await pages()).flatMap(({ file, text }) =>
      [...text.matchAll(/<Dropdown\b[^>]*>/g)].map((match) => ({ file, tag: match[0] })),
    );
    const fromQueries = dropdowns.filter(({ tag }) => /\sdata=/.test(tag));
    expect(fromQueries.length).toBeGreaterThan(10);
    const unordered = fromQueries.filter(({ tag }) => !/\sorder=/.test(tag)).map(({ file, tag }) => `${file}: ${tag}`);
    expect(unordered, "add order=<column> to these dropdowns").toEqual([]);
  });

  it("say what date their data is as of, and how fresh it is, through the one as-of partial", async () => {
    // Leadership reads the date a page's figures stand at before trusting them: every page shows it, worded the same
    // way, with the stale-data warning beside it. One partial (pipelines/site/partials/as-of.md) holds the query,
    // the warning and the sentence, so a page neither repeats nor rewords them.
    const all = await pages();
    const missing = all.filter(({ text }) => !text.includes('{@partial "as-of.md"}')).map(({ file }) => file);
    expect(missing, 'add {@partial "as-of.md"} under the page\'s front matter').toEqual([]);
    const ownCopy = all
      .filter(({ text }) => /```sql (warehouse_status|freshness_status)\b|Data as of/.test(text))
      .map(({ file }) => file);
    expect(ownCopy, "these pages repeat what the as-of partial shows: remove their copy").toEqual([]);
  });
});
