/**
 * The demo company from the command line:
 *
 *   tsx pipelines/demo-company/cli.ts generate --dir data/demo --seed 42 --scale 1 [--no-plants]
 *   tsx pipelines/demo-company/cli.ts serve --dir data/demo
 *   tsx pipelines/demo-company/cli.ts files --dir data/bench --scale 200     (order-system CSV files only)
 */
import { Command, InvalidArgumentError } from "commander";
import { prepareDemoCompany, startDemoSources, writeOrderSystemFiles } from "./index.js";

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`not a number: ${value}`);
  return n;
}

function integer(value: string): number {
  const n = number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`not an integer: ${value}`);
  return n;
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

const program = new Command("demo").description(
  "The embedded demo company: generate it, serve it, or write order-system files.",
);

program
  .command("generate")
  .description("generate the demo company into a folder (reused when already there)")
  .requiredOption("--dir <dir>", "target folder", "data/demo")
  .option("--seed <n>", "random seed", integer, 42)
  .option("--scale <n>", "size: 1 ≈ 50,000 order lines, 3,000 customers", number, 1)
  .option("--as-of <date>", "last day of history (a month end)")
  .option("--no-plants", "a clean company, without the planted truths")
  .option("--quiet", "no progress output")
  .action(async (o: { dir: string; seed: number; scale: number; asOf?: string; plants: boolean; quiet?: boolean }) => {
    const started = Date.now();
    const manifest = await prepareDemoCompany({
      dir: o.dir,
      seed: o.seed,
      scale: o.scale,
      plants: o.plants,
      asOf: o.asOf,
      onProgress: o.quiet ? undefined : (m) => console.error(m),
    });
    console.log(
      `demo company in ${o.dir} (seed ${manifest.seed}, scale ${manifest.scale}, plants ${manifest.plants}) ready in ${seconds(started)}: ` +
        `${manifest.row_counts.order_lines} order lines, ${manifest.row_counts.customers} customers, ` +
        `${manifest.row_counts.partner_drop_files} partner files`,
    );
  });

program
  .command("serve")
  .description("start the order system and the CRM on 127.0.0.1 and print how to reach them; Ctrl-C stops")
  .requiredOption("--dir <dir>", "folder prepared by `generate`", "data/demo")
  .option("--order-system-port <port>", "fixed port for the order system (default: a free one)", integer)
  .option("--crm-port <port>", "fixed port for the CRM (default: a free one)", integer)
  .action(async (o: { dir: string; orderSystemPort?: number; crmPort?: number }) => {
    const started = Date.now();
    const sources = await startDemoSources(o.dir, { orderSystemPort: o.orderSystemPort, crmPort: o.crmPort });
    console.log(
      JSON.stringify(
        {
          order_system: sources.orderSystem,
          crm: sources.crm,
          partner_drops_dir: sources.partnerDropsDir,
          started_in_ms: Date.now() - started,
        },
        null,
        2,
      ),
    );
    console.error("serving; Ctrl-C to stop");
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await sources.close();
  });

program
  .command("files")
  .description("write only the order-system tables as CSV files (for large benchmarks)")
  .requiredOption("--dir <dir>", "target folder")
  .option("--seed <n>", "random seed", integer, 42)
  .option("--scale <n>", "size: 1 ≈ 50,000 order lines", number, 1)
  .option("--as-of <date>", "last day of history (a month end)")
  .option("--no-plants", "a clean company, without the planted truths")
  .option("--quiet", "no progress output")
  .action(async (o: { dir: string; seed: number; scale: number; asOf?: string; plants: boolean; quiet?: boolean }) => {
    const started = Date.now();
    const result = await writeOrderSystemFiles({
      dir: o.dir,
      seed: o.seed,
      scale: o.scale,
      plants: o.plants,
      asOf: o.asOf,
      onProgress: o.quiet ? undefined : (m) => console.error(`[${seconds(started)}] ${m}`),
    });
    console.log(
      `order-system files in ${o.dir}: ${result.tables.order_lines?.rows} order lines, ${result.tables.orders?.rows} orders in ${seconds(started)}`,
    );
  });

await program.parseAsync(process.argv);
