/**
 * Builds a hand-written raw fixture into a fresh warehouse with the project's real models (every YAML test runs),
 * in a temporary folder the caller removes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildWarehouse, type BuildResult } from "../../../pipelines/transform/build-warehouse.js";
import { createRawDatabase, queryFile, type RawFixture } from "../../transform/helpers/raw-database.js";

export const projectRoot = fileURLToPath(new URL("../../..", import.meta.url));

export interface BuiltFixture {
  readonly warehousePath: string;
  readonly result: BuildResult;
  /** Runs one query against the built warehouse (read-only). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Removes the temporary folder. */
  remove(): void;
}

/** Builds `fixture` through every model of the project; throws like a real build when a model or a test fails. */
export async function buildFixture(name: string, fixture: RawFixture): Promise<BuiltFixture> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const rawPath = join(dir, "raw.duckdb");
  const warehousePath = join(dir, "warehouse.duckdb");
  try {
    await createRawDatabase(rawPath, fixture);
    const result = await buildWarehouse({ projectRoot, rawPath, buildPath: warehousePath, runId: `${name}-run` });
    return {
      warehousePath,
      result,
      query: (sql) => queryFile(warehousePath, sql),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
