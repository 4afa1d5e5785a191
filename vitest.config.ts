import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // DuckDB files, servers and the Evidence build are heavy: keep parallelism modest on 2 cores.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
