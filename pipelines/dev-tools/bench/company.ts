/**
 * The benchmark's demo company, in the source shape quickest to generate at millions of order lines: a folder of
 * canonical CSV templates (`sources: { templates: { dir } }`). The order-system tables are written by the demo
 * generator straight into that shape (header = contract columns, in contract order); the CRM's NDJSON records are
 * converted to the same shape by DuckDB, because the models' tests need the customers. Partner sell-through drops
 * are left out (thousands of small files at these scales, and generating them triples the time).
 *
 * Beside the base folder sits `changed/`: the same files with about 1% of orders and 1% of order lines changed
 * (late cancellations, a one-yuan extra discount), for the nightly incremental refresh. Unchanged files are copies
 * of the base ones (clones sharing their blocks where the filesystem can), so the loader sees the same content hash
 * and skips them, as it would in production. Not hard links: the loader refuses a file with a second name.
 *
 * Everything lives under data/bench/ (gitignored) and is reused while `company.json` says it was made with the
 * same seed, scale and generator.
 */
import {
  constants,
  existsSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { crmTables } from "../../shared/contracts/crm.js";
import { orderSystemTables } from "../../shared/contracts/order-system.js";
import { generateCompany } from "../../demo-company/generator/company.js";
import { DEFAULT_AS_OF, GENERATOR_VERSION } from "../../demo-company/index.js";
import { queryRows, quoteIdent, quoteLiteral, withDatabase } from "../../shared/warehouse/duckdb.js";

/**
 * Bumped when the benchmark's data layout or change recipe changes (forces regeneration). 2: unchanged files in
 * `changed/` are copies, no longer hard links (which the loader now refuses, so format 1 would measure nothing).
 */
export const BENCH_COMPANY_FORMAT = 2;

/** The latest timestamp of the demo's history: changed rows say they were updated then. */
const CHANGED_AT = `${DEFAULT_AS_OF} 23:59:59`;

export interface BenchCompany {
  readonly format: number;
  readonly generator: number;
  readonly seed: number;
  readonly scale: number;
  readonly asOf: string;
  /** Rows per table (file name without .csv). */
  readonly rows: Record<string, number>;
  /** Rows that differ between `templates/` and `changed/`. */
  readonly changedRows: { readonly orders: number; readonly order_lines: number };
  readonly generatedMs: number;
}

export interface BenchCompanyPaths {
  readonly dir: string;
  readonly templates: string;
  readonly changed: string;
  readonly manifest: string;
}

export function companyPaths(benchDir: string, seed: number, scale: number): BenchCompanyPaths {
  const dir = join(benchDir, `company-seed${seed}-scale${scale}`);
  return {
    dir,
    templates: join(dir, "templates"),
    changed: join(dir, "changed"),
    manifest: join(dir, "company.json"),
  };
}

/** The company already generated for these options, or null. */
export function readCompany(paths: BenchCompanyPaths, seed: number, scale: number): BenchCompany | null {
  try {
    const company = JSON.parse(readFileSync(paths.manifest, "utf8")) as BenchCompany;
    const same =
      company.format === BENCH_COMPANY_FORMAT &&
      company.generator === GENERATOR_VERSION &&
      company.seed === seed &&
      company.scale === scale &&
      company.asOf === DEFAULT_AS_OF;
    return same && existsSync(paths.templates) && existsSync(paths.changed) ? company : null;
  } catch {
    return null;
  }
}

/** Column list of an all-VARCHAR reader, in contract order. */
function varcharColumns(names: readonly string[]): string {
  return `{${names.map((n) => `${quoteLiteral(n)}: 'VARCHAR'`).join(", ")}}`;
}

/** Generates the company into `paths` (replacing anything there); returns its manifest. */
export async function generateBenchCompany(
  paths: BenchCompanyPaths,
  seed: number,
  scale: number,
  progress: (line: string) => void,
): Promise<BenchCompany> {
  const started = Date.now();
  rmSync(paths.dir, { recursive: true, force: true });
  const ndjson = join(paths.dir, "crm-ndjson");
  mkdirSync(paths.templates, { recursive: true });
  mkdirSync(paths.changed, { recursive: true });
  const result = await generateCompany(
    { seed, scale, plants: true, asOf: DEFAULT_AS_OF },
    {
      orderSystemDir: paths.templates,
      crmDir: ndjson,
      // Twice a year of history is enough to show it is moving.
      onProgress: (line) => (/^\d{4}-(06|12):/.test(line) ? progress(`  ${line}`) : undefined),
    },
  );
  const rows: Record<string, number> = Object.fromEntries(
    Object.entries(result.orderSystem).map(([name, t]) => [name, t.rows]),
  );
  let changedRows = { orders: 0, order_lines: 0 };
  await withDatabase(":memory:", async (c) => {
    // CRM records -> canonical CSV (every value kept as the text the API would have sent).
    for (const table of crmTables) {
      const names = table.columns.map((col) => col.name);
      const source = join(ndjson, `${table.name}.ndjson`);
      await c.run(
        `copy (select ${names.map(quoteIdent).join(", ")}
               from read_json(${quoteLiteral(source)}, format = 'newline_delimited', columns = ${varcharColumns(names)}))
         to ${quoteLiteral(join(paths.templates, `${table.name}.csv`))} (format csv, header true)`,
      );
      rows[table.name] = result.crm?.tables[table.name]?.rows ?? 0;
    }
    changedRows = await writeChangedFiles(c, paths);
  });
  rmSync(ndjson, { recursive: true, force: true });
  for (const name of readdirSync(paths.templates)) {
    if (existsSync(join(paths.changed, name))) continue;
    copyFileSync(join(paths.templates, name), join(paths.changed, name), constants.COPYFILE_FICLONE);
  }
  const company: BenchCompany = {
    format: BENCH_COMPANY_FORMAT,
    generator: GENERATOR_VERSION,
    seed,
    scale,
    asOf: DEFAULT_AS_OF,
    rows,
    changedRows,
    generatedMs: Date.now() - started,
  };
  // Written last: its presence means the folder is complete.
  writeFileSync(paths.manifest, `${JSON.stringify(company, null, 2)}\n`);
  return company;
}

/**
 * Writes `changed/orders.csv` and `changed/order_lines.csv`: every row as in the base file, in the same order, except
 * ~1% of each (picked by a hash of the key): completed orders cancelled late, order lines given one yuan more
 * discount. Both get a newer `updated_at`. Everything else is byte-for-byte the base text.
 */
async function writeChangedFiles(
  c: Parameters<Parameters<typeof withDatabase>[1]>[0],
  paths: BenchCompanyPaths,
): Promise<{ orders: number; order_lines: number }> {
  const spec = (name: string) => orderSystemTables.find((t) => t.name === name)!;
  const read = (name: string) =>
    `read_csv(${quoteLiteral(join(paths.templates, `${name}.csv`))}, header = true, auto_detect = false,
              columns = ${varcharColumns(spec(name).columns.map((col) => col.name))}, quote = '"', escape = '"')`;
  const write = (name: string) => `${quoteLiteral(join(paths.changed, `${name}.csv`))} (format csv, header true)`;

  const orderPicked = `hash(order_id) % 100 = 0 and status = 'completed'`;
  const ordersColumns = spec("orders").columns.map((col) => {
    if (col.name === "status") return `case when ${orderPicked} then 'cancelled' else status end as status`;
    if (col.name === "updated_at")
      return `case when ${orderPicked} then '${CHANGED_AT}' else updated_at end as updated_at`;
    return quoteIdent(col.name);
  });
  await c.run(`copy (select ${ordersColumns.join(", ")} from ${read("orders")}) to ${write("orders")}`);

  const linePicked = `hash(order_line_id) % 100 = 0 and cast(line_amount as decimal(18, 2)) >= 2`;
  const money = (column: string, delta: string) =>
    `case when ${linePicked} then printf('%.2f', cast(${column} as decimal(18, 2)) ${delta}) else ${column} end as ${column}`;
  const lineColumns = spec("order_lines").columns.map((col) => {
    if (col.name === "discount_amount") return money("discount_amount", "+ 1");
    if (col.name === "line_amount") return money("line_amount", "- 1");
    if (col.name === "updated_at")
      return `case when ${linePicked} then '${CHANGED_AT}' else updated_at end as updated_at`;
    return quoteIdent(col.name);
  });
  await c.run(`copy (select ${lineColumns.join(", ")} from ${read("order_lines")}) to ${write("order_lines")}`);

  const [counts] = await queryRows<{ orders: number; order_lines: number }>(
    c,
    `select (select count(*) from ${read("orders")} where ${orderPicked}) as orders,
            (select count(*) from ${read("order_lines")} where ${linePicked}) as order_lines`,
  );
  return { orders: counts?.orders ?? 0, order_lines: counts?.order_lines ?? 0 };
}
