/**
 * Runs the whole demo company, month by month, into whichever outputs are asked for:
 * order-system CSV files (always), CRM NDJSON files and partner drop files (optional).
 * Skipping the CRM or the drops never changes the order-system files: every table draws from
 * its own random streams, and nothing in the order system depends on the CRM or the drops.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { orderSystemTables } from "../../shared/contracts/order-system.js";
import { crmTables } from "../../shared/contracts/crm.js";
import { CsvTableFile, NdjsonFile } from "../delivery/files.js";
import { PartnerDropWriter } from "../delivery/partner-drops.js";
import { DEFAULT_AS_OF, type Month, buildCalendar } from "./calendar.js";
import { CrmGenerator, type CrmRecord } from "./crm.js";
import { type CustomerBase, buildCustomers } from "./customers.js";
import { MarketingGenerator } from "./marketing.js";
import { type MasterData, buildMasterData } from "./master-data.js";
import { writeMasterRows } from "./master-rows.js";
import { OrderGenerator } from "./orders.js";
import { type PlantPlan, type RuleDates, planTruths, ruleDates } from "./planted-truths.js";
import { SellThroughGenerator } from "./sell-through.js";
import { generateTargets } from "./targets.js";

export interface CompanyOptions {
  readonly seed: number;
  readonly scale: number;
  readonly plants: boolean;
  /** Last day of history; must be a month end. */
  readonly asOf?: string;
}

export interface CompanyOutputs {
  /** Where the order-system tables go, one CSV per table (required). */
  readonly orderSystemDir: string;
  readonly crmDir?: string;
  readonly partnerDropsDir?: string;
  readonly onProgress?: (message: string) => void;
}

export interface TableOutput {
  readonly rows: number;
  readonly sha256: string;
  readonly path: string;
}

export interface GenerationResult {
  readonly options: Required<CompanyOptions>;
  readonly months: readonly Month[];
  readonly master: MasterData;
  readonly customers: CustomerBase;
  readonly orders: OrderGenerator;
  readonly marketing: MarketingGenerator;
  readonly plan: PlantPlan;
  readonly dates: RuleDates;
  readonly orderSystem: Record<string, TableOutput>;
  readonly crm: { readonly tables: Record<string, TableOutput>; readonly generator: CrmGenerator } | null;
  readonly drops: {
    readonly writer: PartnerDropWriter;
    readonly generator: SellThroughGenerator;
    readonly rowsSha256: string;
    readonly filesSha256: string;
  } | null;
}

export function validateOptions(options: CompanyOptions): Required<CompanyOptions> {
  const { seed, scale, plants } = options;
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 1000))
    throw new Error(`scale must be in (0, 1000], got ${scale}`);
  const asOf = options.asOf ?? DEFAULT_AS_OF;
  // The channel line-up and the calendar tables (Spring Festival dates) were written for this span;
  // earlier, the planted live-streaming channel would not have launched yet.
  if (!(/^\d{4}-\d{2}-\d{2}$/.test(asOf) && asOf >= "2025-09-30" && asOf <= "2028-12-31")) {
    throw new Error(`asOf must be a month end between 2025-09-30 and 2028-12-31, got ${asOf}`);
  }
  return { seed, scale, plants, asOf };
}

export async function generateCompany(options: CompanyOptions, outputs: CompanyOutputs): Promise<GenerationResult> {
  const opts = validateOptions(options);
  const { seed, scale, plants } = opts;
  const progress = outputs.onProgress ?? (() => {});
  const months = buildCalendar(opts.asOf);
  const master = buildMasterData({ seed, scale, plants, months });
  const customers = buildCustomers(seed, scale, master, months);
  const plan = planTruths(master, months, plants);

  mkdirSync(outputs.orderSystemDir, { recursive: true });
  const tables = Object.fromEntries(
    orderSystemTables.map((spec) => [
      spec.name,
      new CsvTableFile(spec, join(outputs.orderSystemDir, `${spec.name}.csv`)),
    ]),
  ) as Record<string, CsvTableFile>;
  const t = (name: string) => tables[name] as CsvTableFile;

  writeMasterRows(master, months, {
    regions: t("regions"),
    channels: t("channels"),
    partners: t("partners"),
    partner_territories: t("partner_territories"),
    products: t("products"),
    price_list: t("price_list"),
    rebate_policies: t("rebate_policies"),
  });

  const orders = new OrderGenerator(seed, scale, plants, months, master, customers);
  const asOfEndMs = (months[months.length - 1] as Month).endMs - 1000;
  const marketing = new MarketingGenerator(seed, scale, master, asOfEndMs);
  let sellThrough: SellThroughGenerator | null = null;
  let drops: PartnerDropWriter | null = null;
  if (outputs.partnerDropsDir) {
    mkdirSync(outputs.partnerDropsDir, { recursive: true });
    sellThrough = new SellThroughGenerator(seed, master, customers, plan);
    drops = new PartnerDropWriter(outputs.partnerDropsDir);
  }

  for (const month of months) {
    orders.generateMonth(month, { orders: t("orders"), order_lines: t("order_lines"), returns: t("returns") });
    marketing.generateMonth(month, orders, t("marketing_spend"));
    if (sellThrough && drops) {
      for (const { partner, rows } of sellThrough.generateMonth(month, orders)) await drops.write(partner, month, rows);
    }
    progress(`${month.key}: ${orders.counts.order_lines} order lines so far`);
    // Let timers and signals through between months on long runs.
    await new Promise((resolve) => setImmediate(resolve));
  }
  generateTargets(seed, scale, months, master, orders, t("targets"));

  const orderSystem: Record<string, TableOutput> = {};
  for (const [name, file] of Object.entries(tables)) {
    const rows = file.rows;
    orderSystem[name] = { rows, sha256: file.close(), path: file.path };
  }

  let crm: GenerationResult["crm"] = null;
  if (outputs.crmDir) {
    mkdirSync(outputs.crmDir, { recursive: true });
    const files = Object.fromEntries(
      crmTables.map((spec) => [spec.name, new NdjsonFile(join(outputs.crmDir as string, `${spec.name}.ndjson`))]),
    );
    const generator = new CrmGenerator(seed, master, customers, months, orders, plants);
    generator.generate({ write: (entity: string, record: CrmRecord) => files[entity]!.write(record) });
    const out: Record<string, TableOutput> = {};
    for (const [name, file] of Object.entries(files)) {
      const rows = file.rows;
      out[name] = { rows, sha256: file.close(), path: join(outputs.crmDir, `${name}.ndjson`) };
    }
    crm = { tables: out, generator };
    progress(`crm: ${generator.counts.customers} customers, ${generator.counts.interactions} interactions`);
  }

  let dropResult: GenerationResult["drops"] = null;
  if (sellThrough && drops) {
    dropResult = { writer: drops, generator: sellThrough, ...drops.finish() };
  }

  return {
    options: opts,
    months,
    master,
    customers,
    orders,
    marketing,
    plan,
    dates: ruleDates(months, orders.quiet),
    orderSystem,
    crm,
    drops: dropResult,
  };
}
