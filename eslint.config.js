// Lint rules for the TypeScript pipelines and tests, and the JavaScript installed into Evidence (evidence-offline/):
// the recommended sets, nothing exotic.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["node_modules/", "data/", "build/", ".evidence-workspace/", "scratch/"],
  },
  js.configs.recommended,
  // The offline patch's JavaScript runs in Node (apply.mjs, the native DuckDB client and its worker) or in both Node
  // and the reader's browser (spreadsheet-safe.js, imported by the patched build-parquet.js).
  { files: ["pipelines/**/*.js", "pipelines/**/*.mjs"], languageOptions: { globals: { ...globals.node } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
