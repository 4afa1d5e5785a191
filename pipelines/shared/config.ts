/**
 * Configuration: where the warehouse keeps its files and which systems it reads. Without a config
 * file the embedded demo company is the source. A config file (YAML, `--config` or the
 * WAREHOUSE_CONFIG environment variable) points the same pipelines at a company's real systems;
 * secrets are never written in it, only the names of the environment variables holding them.
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import cron from "node-cron";
import { z } from "zod";
import { PermanentError } from "./errors.js";
import { RISK_IDS, type RiskId, type RiskOverride } from "./risk-settings.js";

const demoSchema = z.strictObject({
  seed: z.number().int().default(42),
  scale: z.number().positive().default(1),
  plants: z.boolean().default(true),
});

const sourcesSchema = z
  .strictObject({
    order_system: z
      .strictObject({
        connection_string_env: z.string().default("ORDER_SYSTEM_URL"),
        schema: z.string().default("public"),
        /** How far before the saved cursor each run reads again, for rows committed late (a PostgreSQL interval). */
        lookback: z.string().default("1 hour"),
        /**
         * A column whose non-null value marks a row deleted in the source (e.g. deleted_at). It applies to
         * the tables that have it (looked up in the source's information_schema); the others have no soft deletes.
         */
        soft_delete_column: z.string().optional(),
      })
      .optional(),
    crm: z
      .strictObject({
        base_url: z.string().url(),
        token_env: z.string().default("CRM_API_TOKEN"),
        page_size: z.number().int().positive().max(1000).default(500),
        timeout_ms: z.number().int().positive().default(30_000),
      })
      .optional(),
    partner_files: z.strictObject({ drop_dir: z.string() }).optional(),
    /**
     * A folder of journey paths in the ChannelAttribution format (`path`, `total_conversions`,
     * `total_conversion_value`, `total_null`; optional `period`), one or more CSV files, for the attribution marts.
     */
    touch_paths: z.strictObject({ dir: z.string() }).optional(),
    /** A folder of filled canonical CSV templates (`npm run templates`), for a company with no API. */
    templates: z.strictObject({ dir: z.string() }).optional(),
  })
  .refine((s) => !(s.templates && (s.order_system || s.crm)), {
    message: "templates fill the same raw tables as order_system and crm: configure either templates or those sources",
  });

/** A risk's settings the config may override (`risks.<id>`); each keeps its default when not given. */
const riskOverride = z.strictObject({
  threshold: z.number().min(0).optional(),
  response_zh: z.string().trim().min(1).optional(),
  response_en: z.string().trim().min(1).optional(),
});
/** A threshold on a share (0-1) rather than on a count. */
const shareThreshold = { threshold: z.number().min(0).max(1).optional() };
const shareParameter = z.number().min(0).max(1).optional();

/** The risk register (风险评估与应对预案, marts.risk_register): per risk id, threshold(s) and the prepared response. */
const risksSchema = z.strictObject(
  {
    /** Emerging channels with weak uptake (a count; default 0). */
    market_acceptance: riskOverride
      .extend({ min_conversion_ratio: shareParameter, min_target_attainment: shareParameter })
      .optional(),
    /** Share of partner sell-in carried by flagged partners (default 0). */
    partner_choice: riskOverride.extend(shareThreshold).optional(),
    /** Share of the lines sold to end customers that were 窜货 or 乱价 (default 0). */
    channel_conflict: riskOverride.extend(shareThreshold).optional(),
    /** Share of channel costs spent in channels under the minimum return `min_roi` (default 0 and 0). */
    input_output_imbalance: riskOverride.extend({ ...shareThreshold, min_roi: z.number().optional() }).optional(),
    /** Share of key customers gone quiet (default 0.05). */
    key_customer_churn: riskOverride.extend(shareThreshold).optional(),
    /** Regions with demand and no outlet (a count; default 0). */
    coverage_gap: riskOverride.optional(),
  } satisfies Record<RiskId, z.ZodType<RiskOverride | undefined>>,
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown risk id(s) ${issue.keys.join(", ")}: the risks are ${RISK_IDS.join(", ")}`
        : undefined,
  },
);

/** Settings of the attribution marts (read by them from ops.attribution_settings). */
const attributionSchema = z.strictObject({
  /** Time-decay attribution: a touch this many days before the conversion counts half as much as one on the day. */
  half_life_days: z.number().positive().default(7),
  /** Touches older than this before a conversion are not part of its journey. */
  lookback_days: z.number().int().positive().default(90),
  /** Order of the Markov chain of the data-driven attribution: 1, 2 or 3. */
  markov_order: z.union([z.literal(1), z.literal(2), z.literal(3)], { error: "must be 1, 2 or 3" }).default(1),
});

/** The attribution settings when the config says nothing. */
export const ATTRIBUTION_DEFAULTS = { half_life_days: 7, lookback_days: 90, markov_order: 1 } as const;
export type AttributionSettings = z.infer<typeof attributionSchema>;

/**
 * The currency every amount in the warehouse is in. The warehouse converts nothing: an order in another currency stops
 * the publish (convert before loading). `symbol` is what pages and the brief put beside amounts.
 */
const reportingSchema = z.strictObject({
  /** The company's name, shown in the report site's header instead of the tool's (e.g. 兰亭茶业). */
  company_name: z.string().trim().min(1).max(60).optional(),
  currency: z
    .strictObject({
      code: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code in capitals, e.g. CNY, GBP, EUR"),
      symbol: z.string().min(1).max(4).optional(),
    })
    .default({ code: "CNY" }),
  /**
   * Readers who get a site of their own holding only their rows (pipelines/site/audiences.ts): a regional manager
   * (`regions`), a distributor (`partners`). Leadership reads the whole site in site_dir.
   */
  audiences: z
    .array(
      z
        .strictObject({
          name: z
            .string()
            .regex(
              /^[a-z0-9][a-z0-9-]{0,39}$/,
              "must be a folder name: lower-case letters, digits and -, e.g. east-china",
            ),
          title: z.string().trim().min(1).max(40).optional(),
          regions: z.array(z.string().trim().min(1)).min(1).optional(),
          partners: z.array(z.string().trim().min(1)).min(1).optional(),
        })
        .refine((audience) => audience.regions !== undefined || audience.partners !== undefined, {
          message: "give the audience its regions (region ids) or its partners (partner ids)",
        }),
    )
    .default([])
    .refine((audiences) => new Set(audiences.map((a) => a.name)).size === audiences.length, {
      message: "two audiences have the same name",
    }),
});
export type ReportingSettings = z.infer<typeof reportingSchema>;

/** Symbols of common currencies, for a config that gives only the code. */
const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = {
  CNY: "¥",
  USD: "$",
  EUR: "€",
  GBP: "£",
  JPY: "¥",
  HKD: "HK$",
};

/** What the site's header says when the config names no company. */
export const DEFAULT_SITE_TITLE = "渠道与客户经营分析 · Channel & customer warehouse";
/** The demo company's name, so its site says whose figures they are. */
export const DEMO_COMPANY_NAME = "演示公司 · Demo company";

/** The name the report site shows: the config's, the demo's when the demo company is the source, else a neutral title. */
export function siteTitle(config: { reporting: ReportingSettings; sources?: unknown }): string {
  return config.reporting.company_name ?? (config.sources === undefined ? DEMO_COMPANY_NAME : DEFAULT_SITE_TITLE);
}

/** The reporting currency's code and symbol (the code itself where no symbol is given or known). */
export function reportingCurrency(settings: ReportingSettings): { code: string; symbol: string } {
  const { code, symbol } = settings.currency;
  return { code, symbol: symbol ?? CURRENCY_SYMBOLS[code] ?? code };
}

const scheduleSchema = z.strictObject({
  /** When the nightly refresh runs (cron syntax, as node-cron reads it). */
  cron: z
    .string()
    .default("0 2 * * *")
    .refine(
      (expression) => cron.validate(expression),
      'not a valid cron expression (e.g. "0 2 * * *" for 02:00 daily)',
    ),
  /** The timezone the cron expression is read in. */
  timezone: z
    .string()
    .default("Asia/Shanghai")
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, "not a known IANA timezone (e.g. Asia/Shanghai, Europe/Berlin, UTC)"),
  /** Retries of a refresh that failed for a reason that may pass (a source down), with doubling waits. */
  retries: z.number().int().min(0).max(10).default(2),
  retry_delay_seconds: z.number().positive().default(300),
});

/** An environment variable's name, as the shell writes it (the value itself never goes in the config). */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable's name, e.g. BRIEF_ROBOT_URL");

/** A group robot the executive brief is posted to: its webhook URL (and DingTalk signing secret) from the environment. */
const briefRobotSchema = z
  .strictObject({
    kind: z.enum(["wecom", "dingtalk"], { error: "must be wecom (企业微信) or dingtalk (钉钉)" }),
    /** Environment variable holding the robot's webhook URL (it carries the robot's key or access token). */
    webhook_url_env: envName,
    /** DingTalk only: environment variable holding the robot's signing secret (加签, `SEC...`), when signing is on. */
    secret_env: envName.optional(),
  })
  .refine((robot) => robot.kind === "dingtalk" || robot.secret_env === undefined, {
    message: "secret_env is for a DingTalk robot's signing secret; WeCom group robots are not signed",
    path: ["secret_env"],
  });
export type BriefRobotConfig = z.infer<typeof briefRobotSchema>;

/** DuckDB's resources for the refresh (see useDuckDBResources in warehouse/duckdb.ts). */
const duckdbSchema = z.strictObject({
  /** Memory DuckDB may use before it spills to disk, e.g. `4GB` (default: 80% of the machine's memory). */
  memory_limit: z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i, "must be a size such as 4GB or 512MB")
    .optional(),
  /** Where DuckDB spills what does not fit (default: a `.tmp` folder beside each database); relative to data_dir. */
  temp_directory: z.string().min(1).optional(),
  /** Threads DuckDB runs (default: one per core). */
  threads: z.number().int().positive().optional(),
});
export type DuckDBConfig = z.infer<typeof duckdbSchema>;

export const configSchema = z.strictObject({
  /** The scheduler (`npm run schedule`). */
  schedule: scheduleSchema.default({
    cron: "0 2 * * *",
    timezone: "Asia/Shanghai",
    retries: 2,
    retry_delay_seconds: 300,
  }),
  /** Where to tell people a refresh failed: a webhook receiving a short JSON message. */
  notify: z
    .strictObject({
      /** Environment variable holding the webhook URL (preferred: such URLs often carry a token). */
      webhook_url_env: z.string().optional(),
      webhook_url: z.string().url().optional(),
      /**
       * WeCom (企业微信) or DingTalk (钉钉) group robots receiving the executive brief's headline lines after each
       * successful refresh (pipelines/orchestrate/brief-robots.ts). None by default: nothing is posted.
       */
      brief_robots: z.array(briefRobotSchema).default([]),
      /** Where readers open the published site (`https://reports.example.com`): the brief's lines link into it. */
      site_url: z
        .string()
        .url()
        .refine((url) => /^https?:\/\//i.test(url), "must be an http(s) URL")
        .optional(),
    })
    .optional(),
  /** How old (hours since its last successful load) each source may be before reports warn; default 36. */
  freshness_hours: z.record(z.string(), z.number().positive()).default({}),
  /** The risk register: thresholds and prepared responses per risk id (defaults: pipelines/shared/risk-settings.ts). */
  risks: risksSchema.default({}),
  /** The attribution marts' settings. */
  attribution: attributionSchema.default({ ...ATTRIBUTION_DEFAULTS }),
  /** The reporting currency (default CNY). */
  reporting: reportingSchema.default({ currency: { code: "CNY" }, audiences: [] }),
  /** DuckDB's memory limit, spill folder and threads; DuckDB's defaults when absent. */
  duckdb: duckdbSchema.default({}),
  /** Folder for the raw database, the published warehouse and the demo's generated sources. */
  data_dir: z.string().default("data"),
  /** Where the report site is published (a link to the current complete site). */
  site_dir: z.string().default("build"),
  /** Where each audience's site is published: <audiences_dir>/<name> (see reporting.audiences). */
  audiences_dir: z.string().default("build-audiences"),
  /** The embedded demo company; used when `sources` is absent. */
  demo: demoSchema.default({ seed: 42, scale: 1, plants: true }),
  sources: sourcesSchema.optional(),
});

export type WarehouseConfig = z.infer<typeof configSchema>;

export class ConfigError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Resolved file locations for one project. */
export interface WarehousePaths {
  readonly projectRoot: string;
  readonly dataDir: string;
  /** The loader's database: raw tables, quarantine, run log. Only the loader writes it. */
  readonly rawDatabase: string;
  /** The published warehouse every reader opens (read-only). Replaced only by publish. */
  readonly publishedWarehouse: string;
  readonly demoDir: string;
  readonly siteDir: string;
  /** Each audience's site is <audiencesDir>/<name>. */
  readonly audiencesDir: string;
}

export function resolvePaths(projectRoot: string, config: WarehouseConfig): WarehousePaths {
  const dataDir = isAbsolute(config.data_dir) ? config.data_dir : resolve(projectRoot, config.data_dir);
  return {
    projectRoot,
    dataDir,
    rawDatabase: resolve(dataDir, "raw.duckdb"),
    publishedWarehouse: resolve(dataDir, "warehouse.duckdb"),
    demoDir: resolve(dataDir, "demo"),
    siteDir: isAbsolute(config.site_dir) ? config.site_dir : resolve(projectRoot, config.site_dir),
    audiencesDir: isAbsolute(config.audiences_dir) ? config.audiences_dir : resolve(projectRoot, config.audiences_dir),
  };
}

/** Reads and validates the config file (or returns the demo defaults when there is none). */
export function loadConfig(path?: string): WarehouseConfig {
  if (!path) return configSchema.parse({});
  if (!existsSync(path)) throw new ConfigError(`Config file ${path} does not exist.`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, "utf8")) ?? {};
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid YAML: ${(error as Error).message}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(top)"}: ${i.message}`).join("\n");
    throw new ConfigError(`Config file ${path} is invalid:\n${issues}`);
  }
  return parsed.data;
}

/** The webhook URL to notify on failure, if configured. */
export function webhookUrl(config: WarehouseConfig): string | undefined {
  if (config.notify?.webhook_url_env)
    return secretFromEnv(config.notify.webhook_url_env, "Failure notifications (notify.webhook_url_env)");
  return config.notify?.webhook_url;
}

/** Default age limit for a source without its own (hours). */
export const DEFAULT_FRESHNESS_HOURS = 36;

/** Reads a required secret from the environment, with a message saying which variable to set. */
export function secretFromEnv(variable: string, what: string): string {
  const value = process.env[variable];
  if (!value) throw new ConfigError(`${what} needs the environment variable ${variable}; set it and run again.`);
  return value;
}
