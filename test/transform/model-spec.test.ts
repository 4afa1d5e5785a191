// The settings of the models' YAML tests, read without building anything: a test's `description_zh` is accepted
// wherever its `description` is, and every test of this repository that can publish as a warning says what it means
// in English and in Chinese (the data-quality page shows each reader theirs).
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ModelFile } from "../../pipelines/transform/model-files.js";
import { discoverModels } from "../../pipelines/transform/model-files.js";
import { modelSpecSchema, type TestSettings } from "../../pipelines/transform/model-spec.js";
import { compileTests } from "../../pipelines/transform/model-tests.js";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
const HAN = /\p{Script=Han}/u;

/** A test can publish as a warning: declared `warn`, or with a threshold (below `error_if` a test warns). */
const canWarn = (settings: TestSettings) =>
  settings.severity === "warn" || settings.warn_if !== undefined || settings.error_if !== undefined;

describe("a test's Chinese description (description_zh)", () => {
  it("is accepted wherever a description is, and compiled beside it (trimmed; null without one)", () => {
    const spec = modelSpecSchema.parse({
      columns: {
        amount: {
          tests: [{ not_null: { severity: "warn", description: "No amount.", description_zh: " 没有金额。\n" } }],
        },
        code: {
          tests: [
            {
              relationships: "core.codes.code",
              severity: "warn",
              description: "Unknown code.",
              description_zh: "代码未知。",
            },
            { accepted_range: { min: 0 }, error_if: ">1%", description: "Negative." },
          ],
        },
      },
      tests: [
        {
          expect_no_rows: { name: "no small sales", sql: "select 1 where false" },
          severity: "warn",
          description_zh: "没有小额销售。",
        },
      ],
    });
    const model: ModelFile = { id: "core.sales", layer: "core", name: "sales", file: "", sql: "", grain: "", spec };
    expect(compileTests(model).map((t) => [t.name, t.description, t.descriptionZh])).toEqual([
      ["amount not_null", "No amount.", "没有金额。"],
      ["code relationships core.codes.code", "Unknown code.", "代码未知。"],
      ["code accepted_range", "Negative.", null],
      ["no small sales", "no small sales", "没有小额销售。"],
    ]);
    // a misspelt setting is still refused
    expect(
      modelSpecSchema.safeParse({ columns: { amount: { tests: [{ not_null: { descripton_zh: "没有金额。" } }] } } })
        .success,
    ).toBe(false);
  });

  it("and an English one are written for every test of the models that can publish as a warning", async () => {
    const warnable: string[] = [];
    const missing: string[] = [];
    for (const model of await discoverModels(projectRoot)) {
      for (const test of compileTests(model)) {
        if (!canWarn(test.settings)) continue;
        const where = `${model.file.replace(/\.(sql|ts)$/, ".yml")}: "${test.name}"`;
        warnable.push(where);
        if (!test.settings.description?.trim()) missing.push(`${where} has no description`);
        if (!HAN.test(test.descriptionZh ?? "")) missing.push(`${where} has no description_zh in Chinese`);
      }
    }
    // the check is about something: the models have warnings to explain
    expect(warnable.length).toBeGreaterThanOrEqual(20);
    expect(missing).toEqual([]);
  });
});
