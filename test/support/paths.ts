import path from "node:path";
import { fileURLToPath } from "node:url";

/** The project folder (two levels above test/support/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where shared test fixtures live (inside the gitignored data folder). */
export const TEST_DATA_DIR = path.join(REPO_ROOT, "data", "test");

/** The demo warehouses cached between test runs (test/support/demo-cache.ts). */
export const DEMO_CACHE_DIR = path.join(TEST_DATA_DIR, "demo-cache");
