/**
 * What the pre-refresh check judges on raw data alone, beyond each record's contract: the model tests that would fail
 * on the same rows once they are built into core. Each rule names the model test it stands for; its severity,
 * thresholds and description are read from that model's .yml (through the model runner's own compileTests and
 * judgeFailingRows), so a test made a warning there is a warning here, and a rule whose test was renamed or removed
 * is dropped rather than judged by a stale copy.
 *
 * The relationship and accepted_range tests of the core models fed one row per raw row (orders, order lines,
 * partners, customers, ...) are taken from their .yml wherever the columns exist in the raw tables under the same
 * name. A few rules are
 * written out: a test over a computed column (sell-in orders without a partner, SKUs that differ only by case) or a
 * consequence the tests cannot name (the price-list rows quarantined that order lines need, the sell-through lines
 * whose SKU no product has).
 *
 * Rules read the raw tables as they would be once this run's rows are loaded (see check.ts) and apply the staging
 * models' cleaning where it matters to a match (ids trimmed, blank partner or customer ids empty, SKUs matched on
 * their upper-cased key).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { parse as parseYaml } from "yaml";
import { PARTNER_CHANNEL_TYPES } from "../shared/contracts/order-system.js";
import { SOURCE_TABLES, type SourceName } from "../shared/contracts/source-tables.js";
import { queryRows, quoteIdent, quoteLiteral } from "../shared/warehouse/duckdb.js";
import type { ModelFile } from "../transform/model-files.js";
import { modelSpecSchema, type ModelSpec, type TestSettings } from "../transform/model-spec.js";
import { compileTests, judgeFailingRows, needsModelRows, type TestStatus } from "../transform/model-tests.js";

/** The raw tables as they would be after this run's loads, as SQL the rules read. */
export interface WouldBeRaw {
  /** A relation holding the table's rows (contract columns and `_source_location`). */
  table(source: SourceName, table: string): string;
  /** Only part of what the refresh would read of this table was judged: counts are lower bounds. */
  sampled(source: SourceName, table: string): boolean;
  /** Quarantined records, this check's and raw's (source, stream, location, reason, payload). */
  readonly quarantine: string;
  /** The reporting currency's code (config `reporting.currency`), which every order must be in. */
  readonly reportingCurrency: string;
}

interface RuleTable {
  readonly source: SourceName;
  readonly table: string;
}

/** A check on the would-be raw tables standing for one model test. */
export interface CheckRule {
  /** The model the test belongs to, e.g. `core.orders`. */
  readonly model: string;
  /** The test's name as the model runner names it (`channel_id relationships core.channels.channel_id`). */
  readonly test: string;
  /** What a failing row is, in a few words. */
  readonly what: string;
  /** The tables the rule counts rows of (the first is the model's rows, for a threshold that is a share). */
  readonly tables: readonly RuleTable[];
  /**
   * One row per raw row found failing: `counted` (the model test reports one failing row per distinct value of it:
   * a row for a relationship or range test, a value for a unique test),
   * `shown` (how samples are grouped and named) and `location` (where the row came from: file + line, table + key).
   */
  sql(raw: WouldBeRaw): string;
  /** For a rule no model test stands behind: its severity and what it means (never blocks publishing). */
  readonly own?: { readonly severity: "warn"; readonly description: string };
}

/** A rule with the settings of the model test it stands for. */
export interface ResolvedRule extends CheckRule {
  readonly settings: TestSettings;
  readonly description: string;
}

/** What judging one rule found. */
export interface Finding {
  readonly model: string;
  readonly test: string;
  readonly what: string;
  readonly severity: "error" | "warn";
  readonly status: TestStatus;
  /** Failing rows as the model test would count them (distinct values for a relationship or unique test). */
  readonly failing: number;
  /** Raw rows involved. */
  readonly rows: number;
  /** Part of the data was sampled: the counts are at least these. */
  readonly atLeast: boolean;
  readonly description: string;
  /** Up to 5: what is wrong and where, e.g. `CH-GHOST (orders.csv line 4)`. */
  readonly samples: readonly string[];
}

/**
 * Which raw table each core model's rows come from, one row per raw row (its relationship tests are judged on it).
 * A core model not listed here is computed (sell-through's channel, an order line's channel) and judged through the
 * tables it is computed from.
 */
export const CORE_MODEL_SOURCES: Readonly<Record<string, RuleTable>> = {
  "core.regions": { source: "order_system", table: "regions" },
  "core.channels": { source: "order_system", table: "channels" },
  "core.partners": { source: "order_system", table: "partners" },
  "core.partner_territories": { source: "order_system", table: "partner_territories" },
  "core.products": { source: "order_system", table: "products" },
  "core.price_list": { source: "order_system", table: "price_list" },
  "core.rebate_policies": { source: "order_system", table: "rebate_policies" },
  "core.orders": { source: "order_system", table: "orders" },
  "core.order_lines": { source: "order_system", table: "order_lines" },
  "core.returns": { source: "order_system", table: "returns" },
  "core.marketing_spend": { source: "order_system", table: "marketing_spend" },
  "core.targets": { source: "order_system", table: "targets" },
  "core.customers": { source: "crm", table: "customers" },
  "core.interactions": { source: "crm", table: "interactions" },
  "core.service_tickets": { source: "crm", table: "tickets" },
  "core.surveys": { source: "crm", table: "surveys" },
  "core.leads": { source: "crm", table: "leads" },
  "core.touches": { source: "crm", table: "touches" },
  "core.sell_through": { source: "partner_files", table: "sell_through" },
};

const id = (column: string, alias: string) => `trim(cast(${alias}.${quoteIdent(column)} as varchar))`;

function hasColumn({ source, table }: RuleTable, column: string): boolean {
  const spec = SOURCE_TABLES.find((t) => t.source === source && t.table.name === table)?.table;
  return spec?.columns.some((c) => c.name === column) ?? false;
}

/** The relationship tests of the core models whose columns are raw columns, as rules. */
function relationshipRules(specs: ReadonlyMap<string, ModelSpec>): CheckRule[] {
  const rules: CheckRule[] = [];
  for (const [model, child] of Object.entries(CORE_MODEL_SOURCES)) {
    const spec = specs.get(model);
    if (!spec) continue;
    for (const [column, { tests }] of Object.entries(spec.columns)) {
      for (const test of tests) {
        if (typeof test !== "object" || !("relationships" in test)) continue;
        const [schema, target, field] = test.relationships.split(".") as [string, string, string];
        const parent = CORE_MODEL_SOURCES[`${schema}.${target}`];
        if (!parent || !hasColumn(child, column) || !hasColumn(parent, field)) continue;
        rules.push({
          model,
          test: `${column} relationships ${test.relationships}`,
          what: `${child.table} naming a ${column} that ${parent.table} does not have`,
          tables: [child, parent],
          // The test counts the rows naming a missing value (a threshold's share is of rows); samples name the values.
          sql: (raw) => `
            select c._source_location as counted, ${id(column, "c")} as shown, c._source_location as location
            from ${raw.table(child.source, child.table)} as c
            where nullif(${id(column, "c")}, '') is not null
              and ${id(column, "c")} not in (
                select ${id(field, "p")} from ${raw.table(parent.source, parent.table)} as p where p.${quoteIdent(field)} is not null)`,
        });
      }
    }
  }
  return rules;
}

/** The accepted_range tests of the core models on columns that are raw columns (a resale quantity of 0, ...). */
function rangeRules(specs: ReadonlyMap<string, ModelSpec>): CheckRule[] {
  const rules: CheckRule[] = [];
  for (const [model, child] of Object.entries(CORE_MODEL_SOURCES)) {
    const spec = specs.get(model);
    if (!spec) continue;
    for (const [column, { tests }] of Object.entries(spec.columns)) {
      for (const test of tests) {
        if (typeof test !== "object" || !("accepted_range" in test) || !hasColumn(child, column)) continue;
        const { min, max } = test.accepted_range;
        const value = `c.${quoteIdent(column)}`;
        const outside = [min !== undefined ? `${value} < ${min}` : "", max !== undefined ? `${value} > ${max}` : ""]
          .filter(Boolean)
          .join(" or ");
        if (!outside) continue;
        const range =
          min !== undefined && max !== undefined
            ? `outside ${min} to ${max}`
            : min !== undefined
              ? `below ${min}`
              : `above ${max}`;
        rules.push({
          model,
          test: `${column} accepted_range`,
          what: `${child.table} whose ${column} is ${range}`,
          tables: [child],
          // The test counts rows; a raw row's location names it.
          sql: (raw) => `
            select c._source_location as counted, ${quoteLiteral(`${column} `)} || cast(${value} as varchar) as shown,
                   c._source_location as location
            from ${raw.table(child.source, child.table)} as c
            where ${outside}`,
        });
      }
    }
  }
  return rules;
}

const PRODUCTS = { source: "order_system", table: "products" } as const;
const ORDERS = { source: "order_system", table: "orders" } as const;
const ORDER_LINES = { source: "order_system", table: "order_lines" } as const;
const CHANNELS = { source: "order_system", table: "channels" } as const;
const PRICE_LIST = { source: "order_system", table: "price_list" } as const;
const SELL_THROUGH = { source: "partner_files", table: "sell_through" } as const;

/** Rules over computed columns and consequences no single test names. */
const WRITTEN_RULES: readonly CheckRule[] = [
  {
    model: "core.products",
    test: "sku unique",
    what: "SKUs carried by more than one product",
    tables: [PRODUCTS],
    sql: (raw) => `
      select trim(p.sku) as counted, trim(p.sku) as shown, p._source_location as location
      from ${raw.table(PRODUCTS.source, PRODUCTS.table)} as p
      where trim(p.sku) in (select trim(sku) from ${raw.table(PRODUCTS.source, PRODUCTS.table)} group by all having count(*) > 1)`,
  },
  {
    model: "core.products",
    test: "sku_key unique",
    what: "SKUs that differ only by case",
    tables: [PRODUCTS],
    sql: (raw) => `
      with spellings as (
        select upper(trim(sku)) as sku_key, string_agg(distinct trim(sku), ' / ' order by trim(sku)) as spelled
        from ${raw.table(PRODUCTS.source, PRODUCTS.table)} group by all having count(distinct trim(sku)) > 1)
      select spellings.sku_key as counted, spellings.spelled as shown, p._source_location as location
      from ${raw.table(PRODUCTS.source, PRODUCTS.table)} as p
      inner join spellings on upper(trim(p.sku)) = spellings.sku_key`,
  },
  {
    model: "core.orders",
    test: "sell-in orders without a partner",
    what: `orders through a partner channel (${PARTNER_CHANNEL_TYPES.join(", ")}) naming no partner`,
    tables: [ORDERS, CHANNELS],
    sql: (raw) => `
      select trim(o.order_id) as counted, trim(o.order_id) || ' on ' || trim(o.channel_id) as shown,
             o._source_location as location
      from ${raw.table(ORDERS.source, ORDERS.table)} as o
      inner join ${raw.table(CHANNELS.source, CHANNELS.table)} as c on trim(c.channel_id) = trim(o.channel_id)
      where lower(trim(c.channel_type)) in (${PARTNER_CHANNEL_TYPES.map(quoteLiteral).join(", ")})
        and nullif(trim(o.partner_id), '') is null`,
  },
  {
    // The order lines of a product whose price-list row was quarantined lose their list, partner and floor price:
    // core.order_lines warns on them (list_price not_null), and this says which quarantined row is the cause.
    model: "core.order_lines",
    test: "list_price not_null",
    what: "order lines left without a price because their price-list row is quarantined",
    tables: [ORDER_LINES, PRICE_LIST],
    sql: (raw) => `
      with rejected as (
        select trim(json_extract_string(payload, '$.product_id')) as product_id,
               try_cast(json_extract_string(payload, '$.valid_from') as date) as valid_from,
               try_cast(json_extract_string(payload, '$.valid_to') as date) as valid_to,
               location
        from ${raw.quarantine}
        where stream = 'price_list' and not starts_with(reason, 'duplicate key')
      ),
      lines as (
        select trim(l.order_line_id) as order_line_id, trim(l.product_id) as product_id,
               cast(o.ordered_at as date) as order_date, l._source_location as location
        from ${raw.table(ORDER_LINES.source, ORDER_LINES.table)} as l
        inner join ${raw.table(ORDERS.source, ORDERS.table)} as o on trim(o.order_id) = trim(l.order_id)
      )
      select lines.order_line_id as counted,
             'product ' || rejected.product_id || ', price-list row at ' || rejected.location as shown,
             lines.location
      from lines
      inner join rejected
          on rejected.product_id = lines.product_id
          and (rejected.valid_from is null or lines.order_date >= rejected.valid_from)
          and (rejected.valid_to is null or lines.order_date <= rejected.valid_to)
      where not exists (
        select 1 from ${raw.table(PRICE_LIST.source, PRICE_LIST.table)} as p
        where trim(p.product_id) = lines.product_id and lines.order_date >= p.valid_from
          and (p.valid_to is null or lines.order_date <= p.valid_to))`,
  },
  {
    // core.orders' currency: an order naming none is in the reporting currency (staging), one naming another stops
    // the publish, since the warehouse converts nothing.
    model: "core.orders",
    test: "orders in a currency other than the reporting currency (convert them before loading, or set reporting.currency)",
    what: "orders in a currency other than the reporting currency",
    tables: [ORDERS],
    sql: (raw) => `
      select trim(o.order_id) as counted, trim(o.order_id) || ' in ' || upper(trim(o.currency)) as shown,
             o._source_location as location
      from ${raw.table(ORDERS.source, ORDERS.table)} as o
      where nullif(upper(trim(o.currency)), '') <> ${quoteLiteral(raw.reportingCurrency.toUpperCase())}`,
  },
  {
    // core.price_list: two periods of one product may touch (the later row is that day's price) but not overlap.
    model: "core.price_list",
    test: "overlapping price periods of a product",
    what: "price-list rows whose period overlaps a later row's of the same product",
    tables: [PRICE_LIST],
    sql: (raw) => `
      with prices as (
        select trim(product_id) as product_id, cast(valid_from as date) as valid_from,
               cast(valid_to as date) as valid_to, _source_location as location
        from ${raw.table(PRICE_LIST.source, PRICE_LIST.table)}
      )
      select earlier.product_id || ' from ' || earlier.valid_from as counted,
             'product ' || earlier.product_id || ': ' || earlier.valid_from || ' overlaps ' || later.valid_from as shown,
             earlier.location
      from prices as earlier
      inner join prices as later
          on earlier.product_id = later.product_id and later.valid_from > earlier.valid_from
      where earlier.valid_to is null or later.valid_from < earlier.valid_to`,
  },
  {
    // core.sell_through's product match: the product spelled as the partner typed the SKU, else the only product
    // with that upper-cased SKU; otherwise the line stays, product unknown.
    model: "core.sell_through",
    test: "sell-through lines whose SKU names no product",
    what: "sell-through lines whose SKU names no product (or two that differ only by case, neither as typed)",
    tables: [SELL_THROUGH, PRODUCTS],
    sql: (raw) => `
      with keyed as (
        select upper(trim(sku)) as sku_key, count(*) as products
        from ${raw.table(PRODUCTS.source, PRODUCTS.table)} group by all
      )
      select trim(s.partner_id) || ':' || trim(s.sale_id) as counted, 'SKU ' || trim(s.sku) as shown,
             s._source_location as location
      from ${raw.table(SELL_THROUGH.source, SELL_THROUGH.table)} as s
      left join keyed on keyed.sku_key = upper(trim(s.sku))
      where coalesce(keyed.products, 0) <> 1
        and not exists (
          select 1 from ${raw.table(PRODUCTS.source, PRODUCTS.table)} as p where trim(p.sku) = trim(s.sku))`,
  },
];

/** The .yml of each core model, by model id (`core.orders`). */
function coreModelSpecs(projectRoot: string): Map<string, { file: string; spec: ModelSpec }> {
  const dir = join(projectRoot, "models", "core");
  const specs = new Map<string, { file: string; spec: ModelSpec }>();
  if (!existsSync(dir)) return specs;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".yml")) continue;
    const path = join(entry.parentPath, entry.name);
    // A malformed .yml is the model build's to report (with its file and setting); the check leaves its rules out.
    const parsed = modelSpecSchema.safeParse(parseYaml(readFileSync(path, "utf8")) ?? {});
    if (parsed.success) {
      specs.set(`core.${entry.name.replace(/\.yml$/, "")}`, {
        file: relative(projectRoot, path.replace(/\.yml$/, ".sql")),
        spec: parsed.data,
      });
    }
  }
  return specs;
}

/**
 * Every rule with the severity, thresholds and description of the model test it stands for, as the models' .yml
 * files say now. A rule whose test no longer exists is left out (`missing` names it).
 */
export function resolveRules(projectRoot: string): { rules: ResolvedRule[]; missing: string[] } {
  const specs = coreModelSpecs(projectRoot);
  const compiled = new Map<string, { settings: TestSettings; description: string }>();
  for (const [model, { file, spec }] of specs) {
    const modelFile: ModelFile = { id: model, layer: "core", name: model.slice(5), file, sql: "", grain: "", spec };
    for (const test of compileTests(modelFile)) compiled.set(`${model}\u0000${test.name}`, test);
  }
  const rules: ResolvedRule[] = [];
  const missing: string[] = [];
  const bySpec = new Map([...specs].map(([model, { spec }]) => [model, spec]));
  for (const rule of [...relationshipRules(bySpec), ...rangeRules(bySpec), ...WRITTEN_RULES]) {
    if (rule.own) {
      rules.push({ ...rule, settings: { severity: rule.own.severity }, description: rule.own.description });
      continue;
    }
    const test = compiled.get(`${rule.model}\u0000${rule.test}`);
    if (test) rules.push({ ...rule, settings: test.settings, description: test.description });
    else missing.push(`${rule.model} "${rule.test}"`);
  }
  return { rules, missing };
}

/** Locations in reading order: `f.csv line 9` before `f.csv line 10`. */
const LOCATION_ORDER =
  "regexp_replace(location, '[0-9]+$', ''), try_cast(regexp_extract(location, '([0-9]+)$', 1) as bigint)";

const SAMPLES = 5;
const LOCATIONS_PER_SAMPLE = 3;

/** Judges every rule against the would-be raw tables; returns the rules that warn or fail. */
export async function judgeRules(
  connection: DuckDBConnection,
  rules: readonly ResolvedRule[],
  raw: WouldBeRaw,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const rule of rules) {
    const failing = `(${rule.sql(raw)})`;
    const [counts] = await queryRows<{ failing: number; rows: number }>(
      connection,
      `select count(distinct counted) as failing, count(*) as rows from ${failing}`,
    );
    const count = Number(counts?.failing ?? 0);
    if (count === 0) continue;
    const modelRows = needsModelRows(rule.settings)
      ? Number(
          (
            await queryRows<{ n: number }>(
              connection,
              `select count(*) as n from ${raw.table(rule.tables[0]!.source, rule.tables[0]!.table)}`,
            )
          )[0]?.n ?? 0,
        )
      : null;
    const status = judgeFailingRows(rule.settings, count, modelRows);
    if (status === "pass") continue;
    const samples = await queryRows<{ shown: string; rows: number; locations: string[] }>(
      connection,
      `select shown, count(*) as rows, list(location order by ${LOCATION_ORDER})[1:${LOCATIONS_PER_SAMPLE}] as locations
       from ${failing} group by shown order by shown limit ${SAMPLES}`,
    );
    findings.push({
      model: rule.model,
      test: rule.test,
      what: rule.what,
      severity: rule.settings.severity ?? "error",
      status,
      failing: count,
      rows: Number(counts?.rows ?? 0),
      atLeast: rule.tables.some((t) => raw.sampled(t.source, t.table)),
      description: rule.description,
      samples: samples.map((s) => {
        const more = Number(s.rows) - s.locations.length;
        return `${s.shown} (${s.locations.join(", ")}${more > 0 ? `, and ${more} more` : ""})`;
      }),
    });
  }
  return findings;
}
