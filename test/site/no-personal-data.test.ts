// Published reports carry no personal data: every source query's full result ships inside the static site, so
// the built site is searched for every customer email and phone the warehouse holds — in the text files as they
// are, and inside every data file (parquet, arrow) after decoding it, since those are compressed.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import { queryRows, quoteLiteral, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { sharedSite, type SharedSite } from "./helpers/shared-site.js";

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Email- and phone-shaped tokens of a text, normalised (phones to their digits). */
function personalTokens(text: string): string[] {
  const emails = text.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) ?? [];
  const phones = (text.match(/\+?\d[\d -]{9,16}\d/g) ?? []).map((p) => p.replace(/\D/g, ""));
  return [...emails, ...phones];
}

describe("the built site holds no personal data", () => {
  let site: SharedSite;
  beforeAll(async () => {
    site = await sharedSite();
  });

  it("no customer email, phone, name or address appears anywhere in the site, data files included", async () => {
    const personal = await withDatabase(
      site.warehousePath,
      (c) =>
        queryRows<{ email: string | null; phone: string | null; customer_name: string | null; address: string | null }>(
          c,
          "select email, phone, customer_name, address from core.customers",
        ),
      { readOnly: true },
    );
    expect(personal.length).toBeGreaterThan(1000); // the demo has thousands of customers: the check means something
    // Exact values, for the data files; emails and phone digits, for text files (a name is too short to grep).
    const needles = new Set(
      personal.flatMap((p) => [p.email, p.phone, p.customer_name, p.address]).filter((v): v is string => !!v),
    );
    const contactTokens = new Set(
      personal.flatMap((p) => [p.email, p.phone?.replace(/\D/g, "")]).filter((v): v is string => !!v && v.length >= 7),
    );

    const files = await filesUnder(site.siteDir);
    const dataFiles = files.filter((f) => /\.(parquet|arrow)$/.test(f));
    expect(dataFiles.length).toBeGreaterThan(0);
    const hits: string[] = [];
    for (const file of files.filter((f) => /\.(html|js|json|css|txt|csv)$/.test(f))) {
      for (const token of personalTokens(await readFile(file, "utf8"))) {
        if (contactTokens.has(token)) hits.push(`${path.relative(site.siteDir, file)}: ${token}`);
      }
    }
    // Data files: decode with DuckDB and compare every text value.
    await withDatabase(":memory:", async (c) => {
      await c.run("create table needles (value varchar)");
      const appender = await c.createAppender("needles");
      for (const needle of needles) {
        appender.appendVarchar(needle);
        appender.endRow();
      }
      appender.closeSync();
      for (const file of dataFiles) {
        if (file.endsWith(".arrow")) {
          // Prerendered query results: Arrow IPC, decoded with apache-arrow.
          const table = tableFromIPC(await readFile(file));
          for (const field of table.schema.fields) {
            const column = table.getChild(field.name);
            for (let i = 0; column && i < column.length; i++) {
              const value: unknown = column.get(i);
              if (typeof value === "string" && needles.has(value))
                hits.push(`${path.relative(site.siteDir, file)} column ${field.name}: ${value}`);
            }
          }
          continue;
        }
        const reader = `read_parquet(${quoteLiteral(file)})`;
        const columns = await queryRows<{ column_name: string; column_type: string }>(
          c,
          `describe select * from ${reader}`,
        );
        for (const { column_name } of columns.filter((col) => col.column_type === "VARCHAR")) {
          const found = await queryRows<{ value: string }>(
            c,
            `select distinct t."${column_name}" as value from ${reader} as t join needles on needles.value = t."${column_name}" limit 3`,
          );
          for (const f of found) hits.push(`${path.relative(site.siteDir, file)} column ${column_name}: ${f.value}`);
        }
      }
    });
    expect(hits).toEqual([]);
  });
});
