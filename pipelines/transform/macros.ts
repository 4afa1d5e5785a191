/**
 * SQL macros: a rule several models share (whether a sale is in a goal's scope, how a margin is taken), written once
 * in `models/macros/*.sql` as DuckDB scalar macros and called from models as `macros.<name>(...)`.
 *
 * A macro file holds `create or replace macro macros.<name>(<parameters>) as <expression>;` statements. The runner
 * creates every macro, file by file in name order, in the schema `macros` of the database being built, before any
 * model is planned or built; a macro may use those created before it. DuckDB expands a macro where it is called, so
 * each table holds the macro's result and nothing in the warehouse refers to the macro afterwards: the schema is
 * dropped before the warehouse is published, and the published file holds data only, for every reader (the report
 * site, audiences' copies, notebooks, a newer DuckDB) alike.
 *
 * Only scalar macros, in that schema: a table macro could read models the planner would not see (dependencies are read
 * from each model's own SQL), and anything else a file created would be published with the data.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { queryRows, quoteIdent } from "../shared/warehouse/duckdb.js";
import { MACRO_FOLDER, ModelDefinitionError } from "./model-files.js";

/** The schema the macros live in while the warehouse is built; models call them as `macros.<name>(...)`. */
export const MACRO_SCHEMA = "macros";

/** A macro file is malformed or creates something other than macros; the message names the file. */
export class MacroDefinitionError extends ModelDefinitionError {
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(file, message, options);
    this.name = "MacroDefinitionError";
  }
}

/** Every `.sql` file under `<modelsDir>/macros/`, in name order (the order they are created in). */
export function macroFiles(modelsDir: string): string[] {
  const dir = join(modelsDir, MACRO_FOLDER);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".sql"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

interface CatalogEntry {
  readonly kind: string;
  readonly schema_name: string;
  readonly name: string;
  readonly detail: string;
}

/** What user SQL has created in every attached database: schemas, tables, views and functions (with their bodies). */
async function catalogEntries(connection: DuckDBConnection): Promise<CatalogEntry[]> {
  return queryRows<CatalogEntry>(
    connection,
    `select 'schema' as kind, schema_name, schema_name as name, '' as detail
     from duckdb_schemas() where not internal
     union all
     select 'table', schema_name, table_name, '' from duckdb_tables() where not internal
     union all
     select 'view', schema_name, view_name, '' from duckdb_views() where not internal
     union all
     select function_type, schema_name, function_name, coalesce(macro_definition, '') || cast(parameters as varchar)
     from duckdb_functions() where not internal`,
  );
}

const entryKey = (entry: CatalogEntry) => `${entry.kind}\0${entry.schema_name}\0${entry.name}\0${entry.detail}`;

/**
 * Creates the project's macros (`<modelsDir>/macros/*.sql`) in the schema `macros` of the connection's database.
 * Throws a MacroDefinitionError naming the file when one does not run, creates anything but scalar macros in that
 * schema, or redefines a macro another file defined. Returns the names of the macros created.
 */
export async function createMacros(
  connection: DuckDBConnection,
  projectRoot: string,
  modelsDir = join(projectRoot, "models"),
): Promise<string[]> {
  const files = macroFiles(modelsDir).map((path) => ({
    file: relative(projectRoot, path),
    sql: readFileSync(path, "utf8"),
  }));
  if (!files.length) return [];
  await connection.run(`create schema if not exists ${quoteIdent(MACRO_SCHEMA)}`);
  // The same files checked earlier in this process: only run them (the checks read DuckDB's whole function catalog
  // twice per file, a good part of a small build).
  const known = checkedMacroFiles.get(JSON.stringify(files));
  if (known) {
    for (const { sql } of files) await connection.run(sql);
    return [...known];
  }
  const definedIn = new Map<string, string>();
  for (const { file, sql } of files) {
    const before = new Set((await catalogEntries(connection)).map(entryKey));
    try {
      await connection.run(sql);
    } catch (error) {
      throw new MacroDefinitionError(file, `does not run: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    const created = (await catalogEntries(connection)).filter((entry) => !before.has(entryKey(entry)));
    for (const entry of created) {
      if (entry.kind !== "macro" || entry.schema_name !== MACRO_SCHEMA) {
        const what = entry.kind === "table_macro" ? "table macro" : entry.kind;
        throw new MacroDefinitionError(
          file,
          `creates the ${what} ${entry.schema_name}.${entry.name}; a macro file may only create scalar macros in ` +
            `the schema ${MACRO_SCHEMA}: create or replace macro ${MACRO_SCHEMA}.<name>(<parameters>) as <expression>`,
        );
      }
      const other = definedIn.get(entry.name);
      if (other && other !== file) {
        throw new MacroDefinitionError(file, `redefines ${MACRO_SCHEMA}.${entry.name}, already defined in ${other}`);
      }
      definedIn.set(entry.name, file);
    }
  }
  const names = [...definedIn.keys()].sort();
  checkedMacroFiles.set(JSON.stringify(files), names);
  return names;
}

/** Macro files (their names and text) that passed createMacros' checks in this process, with the macros they define. */
const checkedMacroFiles = new Map<string, readonly string[]>();

/** Drops the macros (and their schema) once the models are built and tested: the published file holds data only. */
export async function dropMacros(connection: DuckDBConnection): Promise<void> {
  await connection.run(`drop schema if exists ${quoteIdent(MACRO_SCHEMA)} cascade`);
}
