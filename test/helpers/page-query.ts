/**
 * A page's query as a reader of one language runs it, made runnable against a built warehouse: the ```sql block
 * named `name` of `reports/<page>`, with its language pairs picked, and each `warehouse.<table>` it reads replaced by
 * that source's own query (sources/warehouse/<table>.sql).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pickLanguage, type Language } from "../../pipelines/site/page-languages.js";
import { REPO_ROOT } from "../support/paths.js";

export function runnablePageQuery(page: string, name: string, language: Language): string {
  const text = pickLanguage(readFileSync(join(REPO_ROOT, "reports", page), "utf8"), language, page);
  const block = new RegExp("```sql " + name + "\\n([\\s\\S]*?)\\n```").exec(text)?.[1];
  if (!block) throw new Error(`reports/${page} has no query named ${name}`);
  return block.replace(/\bwarehouse\.(\w+)/g, (_whole, table: string) => {
    const source = readFileSync(join(REPO_ROOT, "sources", "warehouse", `${table}.sql`), "utf8");
    return `(${source.replace(/--[^\n]*/g, "").trim()}) as ${table}`;
  });
}
