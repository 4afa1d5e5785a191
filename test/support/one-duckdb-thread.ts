/**
 * Setup file of the unit and demo projects (vitest.config.ts): every DuckDB database a test opens in its own process
 * runs one thread. Their warehouses are tiny, far below the 122,880 rows a second thread would take a share of, so
 * a second thread changes no plan and no result; it only adds scheduling to every one of thousands of small queries,
 * with two test files already running side by side on two cores. The refreshes the end-to-end and site projects run
 * in their own processes keep DuckDB's default of one thread per core.
 */
import { useDuckDBResources } from "../../pipelines/shared/warehouse/duckdb.js";

useDuckDBResources({ threads: 1 });
