/**
 * Which tables a model reads, inferred from its SQL by DuckDB's own parser (`json_serialize_sql`),
 * so dependencies never need declaring by hand and cannot drift from the query.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { queryRows } from "../shared/warehouse/duckdb.js";
import { ModelDefinitionError, type ModelFile } from "./model-files.js";

export interface TableReference {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
}

interface ParsedNode {
  [key: string]: unknown;
}

function collect(node: unknown, refs: TableReference[], cteNames: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collect(child, refs, cteNames);
    return;
  }
  if (!node || typeof node !== "object") return;
  const n = node as ParsedNode;
  if (n["type"] === "BASE_TABLE" && typeof n["table_name"] === "string") {
    refs.push({
      catalog: String(n["catalog_name"] ?? ""),
      schema: String(n["schema_name"] ?? ""),
      table: n["table_name"],
    });
  }
  const cteMap = n["cte_map"] as { map?: Array<{ key?: string }> } | undefined;
  for (const entry of cteMap?.map ?? []) if (entry.key) cteNames.add(entry.key);
  for (const value of Object.values(n)) collect(value, refs, cteNames);
}

/**
 * What each SQL text reads, once parsed: a pure function of the text, kept for the life of the process. A process
 * that builds many warehouses from the same models (the scheduler, the test suite) parses each model once.
 */
const parsedReferences = new Map<string, readonly TableReference[]>();

/** The tables (other than its own CTEs) a model's SELECT reads. */
export async function tableReferences(connection: DuckDBConnection, model: ModelFile): Promise<TableReference[]> {
  if (model.script) {
    // A TypeScript model names what it reads.
    return model.script.reads.map((id) => {
      const [schema = "", table = ""] = id.split(".");
      return { catalog: "", schema, table };
    });
  }
  const known = parsedReferences.get(model.sql);
  if (known) return [...known];
  const [row] = await queryRows<{ parsed: string }>(connection, "select json_serialize_sql($1::varchar) as parsed", [
    model.sql,
  ]);
  const parsed = JSON.parse(row?.parsed ?? "{}") as ParsedNode;
  if (parsed["error"]) {
    throw new ModelDefinitionError(
      model.file,
      `SQL does not parse: ${String(parsed["error_message"])}${parsed["position"] ? ` (at character ${String(parsed["position"])})` : ""}. A model is a single SELECT statement.`,
    );
  }
  const refs: TableReference[] = [];
  const cteNames = new Set<string>();
  collect(parsed, refs, cteNames);
  const unique = new Map<string, TableReference>();
  for (const ref of refs) {
    if (!ref.schema && !ref.catalog && cteNames.has(ref.table)) continue;
    unique.set(`${ref.catalog}.${ref.schema}.${ref.table}`, ref);
  }
  parsedReferences.set(model.sql, [...unique.values()]);
  return [...unique.values()];
}
