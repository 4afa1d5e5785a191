// The config file's `risks:` (the risk register's thresholds and prepared responses), `attribution:` and `duckdb:`
// (memory limit, spill folder, threads) sections: their
// defaults when the file says nothing, overrides, the errors a mistake gets, and how the build hands them to the models
// (ops.risk_settings, ops.attribution_settings) - with the defaults when a build is given none.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ATTRIBUTION_DEFAULTS, ConfigError, configSchema, loadConfig } from "../../pipelines/shared/config.js";
import { RISK_DEFAULTS, RISK_IDS, resolveRiskSettings } from "../../pipelines/shared/risk-settings.js";
import { queryRows, useDuckDBResources, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { runContext } from "../../pipelines/orchestrate/refresh.js";
import { REPO_ROOT } from "../support/paths.js";
import { buildWarehouse } from "../../pipelines/transform/build-warehouse.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("config-test-");
let files = 0;

/** Writes `yaml` to a config file and loads it. */
function load(yaml: string) {
  const path = join(dir, `company-${++files}.yaml`);
  writeFileSync(path, yaml);
  return loadConfig(path);
}

/** The message loading `yaml` fails with. */
function failure(yaml: string): string {
  try {
    load(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the config to be rejected");
}

describe("risks: in the config file", () => {
  it("defaults every risk when the config says nothing", () => {
    for (const config of [loadConfig(), load("data_dir: data\n")]) {
      expect(config.risks).toEqual({});
      const settings = resolveRiskSettings(config.risks);
      expect(settings.map((s) => s.risk_id)).toEqual([...RISK_IDS]);
      expect(settings).toEqual(RISK_IDS.map((id) => RISK_DEFAULTS[id]));
    }
    // documented defaults: zero tolerance but for key customers gone quiet (5%); break-even as the minimum return
    expect(resolveRiskSettings().map((s) => [s.risk_id, s.threshold])).toEqual([
      ["market_acceptance", 0],
      ["partner_choice", 0],
      ["channel_conflict", 0],
      ["input_output_imbalance", 0],
      ["key_customer_churn", 0.05],
      ["coverage_gap", 0],
    ]);
    expect(RISK_DEFAULTS.input_output_imbalance.min_roi).toBe(0);
    expect(RISK_DEFAULTS.market_acceptance).toMatchObject({ min_conversion_ratio: 0.5, min_target_attainment: 0.5 });
    for (const id of RISK_IDS) {
      expect(RISK_DEFAULTS[id].response_zh.length, id).toBeGreaterThan(20);
      expect(RISK_DEFAULTS[id].response_en.length, id).toBeGreaterThan(40);
    }
  });

  it("overrides a risk's threshold, parameters and responses, keeping the rest of its defaults", () => {
    const config = load(
      [
        "risks:",
        "  channel_conflict: { threshold: 0.01, response_zh: 当天约谈, response_en: Meet the partner the same day. }",
        "  input_output_imbalance:",
        "    min_roi: 0.2",
        "  market_acceptance: { min_conversion_ratio: 0.3 }",
      ].join("\n"),
    );
    const settings = Object.fromEntries(resolveRiskSettings(config.risks).map((s) => [s.risk_id, s]));
    expect(settings["channel_conflict"]).toEqual({
      ...RISK_DEFAULTS.channel_conflict,
      threshold: 0.01,
      response_zh: "当天约谈",
      response_en: "Meet the partner the same day.",
    });
    expect(settings["input_output_imbalance"]).toEqual({ ...RISK_DEFAULTS.input_output_imbalance, min_roi: 0.2 });
    expect(settings["market_acceptance"]).toEqual({ ...RISK_DEFAULTS.market_acceptance, min_conversion_ratio: 0.3 });
    expect(settings["partner_choice"]).toEqual(RISK_DEFAULTS.partner_choice);
  });

  it("rejects an unknown risk id, naming the risks there are", () => {
    const message = failure("risks:\n  churn: { threshold: 0.1 }\n");
    expect(message).toContain("risks: unknown risk id(s) churn: the risks are market_acceptance, partner_choice,");
    expect(message).toContain("coverage_gap");
  });

  it("rejects a share threshold above 1, a negative one, a parameter of another risk and an empty response", () => {
    const message = failure(
      [
        "risks:",
        "  channel_conflict: { threshold: 5 }",
        "  coverage_gap: { threshold: -1 }",
        "  partner_choice: { min_roi: 0.1 }",
        "  key_customer_churn: { response_en: '  ' }",
      ].join("\n"),
    );
    expect(message).toMatch(/risks\.channel_conflict\.threshold: .*<=1/);
    expect(message).toMatch(/risks\.coverage_gap\.threshold: .*>=0/);
    expect(message).toMatch(/risks\.partner_choice: Unrecognized key: "min_roi"/);
    expect(message).toMatch(/risks\.key_customer_churn\.response_en: /);
  });
});

describe("attribution: in the config file", () => {
  it("defaults to a 7-day half-life, a 90-day lookback and a first-order Markov chain", () => {
    expect(loadConfig().attribution).toEqual({ half_life_days: 7, lookback_days: 90, markov_order: 1 });
    expect(ATTRIBUTION_DEFAULTS).toEqual({ half_life_days: 7, lookback_days: 90, markov_order: 1 });
    expect(load("attribution: { markov_order: 3 }\n").attribution).toEqual({
      half_life_days: 7,
      lookback_days: 90,
      markov_order: 3,
    });
    expect(load("attribution:\n  half_life_days: 3.5\n  lookback_days: 30\n").attribution).toEqual({
      half_life_days: 3.5,
      lookback_days: 30,
      markov_order: 1,
    });
  });

  it("rejects a Markov order other than 1, 2 or 3, a lookback that is not whole days and an unknown key", () => {
    const parsed = configSchema.safeParse({
      attribution: { markov_order: 4, lookback_days: 0.5, half_life_days: 0, window: 3 },
    });
    expect(parsed.success).toBe(false);
    const messages = parsed.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
    expect(messages).toMatch(/attribution\.markov_order: must be 1, 2 or 3/);
    expect(messages).toMatch(/attribution\.lookback_days: /);
    expect(messages).toMatch(/attribution\.half_life_days: /);
    expect(messages).toMatch(/attribution: Unrecognized key: "window"/);
  });
});

describe("audiences: in the config file", () => {
  it("has none by default, and reads a regional manager's and a distributor's", () => {
    expect(loadConfig().reporting.audiences).toEqual([]);
    const config = load(
      [
        "reporting:",
        "  audiences:",
        "    - { name: east-china, title: 华东区, regions: [CN-SH, CN-JS] }",
        "    - { name: partner-pa0011, partners: [PA0011] }",
        "audiences_dir: /srv/audience-sites",
      ].join("\n"),
    );
    expect(config.reporting.audiences).toEqual([
      { name: "east-china", title: "华东区", regions: ["CN-SH", "CN-JS"] },
      { name: "partner-pa0011", partners: ["PA0011"] },
    ]);
    expect(config.audiences_dir).toBe("/srv/audience-sites");
  });

  it("rejects an audience with no regions or partners, a name that is not a folder name, and two of one name", () => {
    const messages = (audiences: unknown[]): string => {
      const parsed = configSchema.safeParse({ reporting: { audiences } });
      expect(parsed.success).toBe(false);
      return parsed.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
    };
    expect(messages([{ name: "nobody" }])).toMatch(/regions \(region ids\) or its partners/);
    expect(messages([{ name: "East China", regions: ["CN-SH"] }])).toMatch(/must be a folder name/);
    expect(messages([{ name: "../up", regions: ["CN-SH"] }])).toMatch(/must be a folder name/);
    expect(
      messages([
        { name: "a", regions: ["CN-SH"] },
        { name: "a", partners: ["PA0001"] },
      ]),
    ).toMatch(/two audiences have the same name/);
  });
});

describe("duckdb: in the config file", () => {
  it("applies the memory limit, spill folder (under data_dir) and threads to every database a run opens", async () => {
    const config = load(
      `data_dir: ${JSON.stringify(join(dir, "duckdb-data"))}\n` +
        "duckdb:\n  memory_limit: 512MB\n  temp_directory: spill\n  threads: 1\n",
    );
    try {
      runContext(REPO_ROOT, config, () => undefined);
      const [settings] = await withDatabase(join(dir, "duckdb-settings.duckdb"), (c) =>
        queryRows<{ memory: string; spill: string; threads: number }>(
          c,
          `select current_setting('memory_limit') as memory, current_setting('temp_directory') as spill,
                  current_setting('threads') as threads`,
        ),
      );
      // DuckDB reports the limit in its own units: 512MB is 488.2 MiB.
      expect(settings?.memory).toBe("488.2 MiB");
      expect(settings?.spill).toBe(join(dir, "duckdb-data", "spill"));
      expect(Number(settings?.threads)).toBe(1);
    } finally {
      useDuckDBResources({});
    }
    // Unset again: DuckDB's own defaults (a thread per core, no fixed spill folder of ours).
    const [defaults] = await withDatabase(":memory:", (c) =>
      queryRows<{ spill: string }>(c, "select current_setting('temp_directory') as spill"),
    );
    expect(defaults?.spill).not.toContain("duckdb-data");
  });

  it("rejects a memory limit that is not a size, and threads that are not a positive whole number", () => {
    const message = failure("duckdb:\n  memory_limit: lots\n  threads: 0\n");
    expect(message).toMatch(/duckdb\.memory_limit: must be a size such as 4GB or 512MB/);
    expect(message).toMatch(/duckdb\.threads: /);
  });
});

describe("the build hands the settings to the models", () => {
  /** Builds a one-model project (the model reads both settings tables) and returns what the warehouse holds. */
  async function built(name: string, options: Partial<Parameters<typeof buildWarehouse>[0]> = {}) {
    const projectRoot = join(dir, name);
    mkdirSync(join(projectRoot, "models", "marts"), { recursive: true });
    writeFileSync(
      join(projectRoot, "models", "marts", "settings_seen.sql"),
      "-- grain: one row per risk\nselect risk_id, threshold, response_en, attribution.*\n" +
        "from ops.risk_settings cross join ops.attribution_settings as attribution\n",
    );
    writeFileSync(
      join(projectRoot, "models", "marts", "settings_seen.yml"),
      "description: The settings the build wrote.\ncolumns:\n  risk_id:\n    tests: [not_null, unique]\n",
    );
    const rawPath = join(projectRoot, "raw.duckdb");
    await withDatabase(rawPath, async () => undefined); // a raw database that never saw a load
    const buildPath = join(projectRoot, "warehouse.duckdb");
    await buildWarehouse({ projectRoot, rawPath, buildPath, runId: name, ...options });
    return withDatabase(
      buildPath,
      (c) =>
        queryRows<{ risk_id: string; threshold: number; response_en: string } & Record<string, number>>(
          c,
          "select * from marts.settings_seen order by risk_id",
        ),
      { readOnly: true },
    );
  }

  it("writes the defaults when the build is given no settings", async () => {
    const rows = await built("no-settings");
    expect(rows.map((r) => r.risk_id).sort()).toEqual([...RISK_IDS].sort());
    for (const row of rows) {
      expect(row.threshold).toBe(RISK_DEFAULTS[row.risk_id as keyof typeof RISK_DEFAULTS].threshold);
      expect(row).toMatchObject({ half_life_days: 7, lookback_days: 90, markov_order: 1 });
    }
  });

  it("writes the config's settings", async () => {
    const config = load(
      "risks:\n  coverage_gap: { threshold: 2, response_en: Sign a distributor. }\nattribution: { markov_order: 2, lookback_days: 60 }\n",
    );
    const rows = await built("configured", {
      riskSettings: resolveRiskSettings(config.risks),
      attributionSettings: config.attribution,
    });
    expect(rows.find((r) => r.risk_id === "coverage_gap")).toMatchObject({
      threshold: 2,
      response_en: "Sign a distributor.",
      half_life_days: 7,
      lookback_days: 60,
      markov_order: 2,
    });
  });
});
