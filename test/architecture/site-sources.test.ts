// Every figure a page shows comes from a tested model: the site's source queries (sources/warehouse/*.sql) only pick
// a table and its columns, never join, group, rank or compute. Page-shaped tables (top-N lists, grouped counts) are
// models in models/reporting/ with their own tests.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/paths.js";

const SOURCES = path.join(REPO_ROOT, "sources", "warehouse");

/** The SQL without comments, on one line. */
function statement(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Why a source query is more than a plain select of one table, or undefined if it is one. */
function computedIn(sql: string): string | undefined {
  const text = statement(sql).toLowerCase();
  const match = /^select (.+?) from (marts|reporting)\.[a-z0-9_]+( where [^;]+)?;?$/.exec(text);
  if (!match) return "not a single select from one marts or reporting table";
  for (const word of [" join ", " group by ", " over ", " over(", " qualify ", " union ", " with ", "(select "]) {
    if (text.includes(word)) return `computes (${word.trim()})`;
  }
  for (const fn of ["sum(", "count(", "avg(", "min(", "max(", "row_number(", "rank("]) {
    if (match[1]!.includes(fn)) return `computes (${fn.slice(0, -1)})`;
  }
  return undefined;
}

describe("the site's source queries", () => {
  it("are each one plain select from a marts or reporting table", () => {
    const files = readdirSync(SOURCES).filter((name) => name.endsWith(".sql"));
    expect(files.length).toBeGreaterThan(30);
    const computed = files
      .map((name) => ({ name, why: computedIn(readFileSync(path.join(SOURCES, name), "utf8")) }))
      .filter((file) => file.why !== undefined)
      .map((file) => `${file.name}: ${file.why}`);
    expect(computed).toEqual([]);
  });

  it("tell a computed query from a plain one", () => {
    expect(computedIn("-- grain: x\nselect * from marts.channel_directory\n")).toBeUndefined();
    expect(computedIn("select a, b from reporting.customer_tier_top where a is not null")).toBeUndefined();
    expect(computedIn("select region_id, count(*) as n from marts.customer_360 group by region_id")).toMatch(
      /single select|computes/,
    );
    expect(computedIn("select region_id, count(*) as n from marts.customer_360")).toMatch(/computes \(count\)/);
    expect(computedIn("select * from marts.a left join marts.b using (id)")).toMatch(/single select|join/);
    expect(computedIn("with x as (select 1) select * from x")).toMatch(/single select/);
  });
});
