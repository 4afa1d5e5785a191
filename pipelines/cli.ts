/**
 * The command line: `refresh` runs the whole job; `extract`, `models` and `reports` run one step.
 * Exit code 0 only when everything asked for succeeded; any failure prints one clear message.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, Option } from "commander";
import { loadConfig, type WarehouseConfig } from "./config/config.js";
import { queryRows, withDatabase } from "./warehouse/duckdb.js";
import { writeTemplates } from "./sources/templates.js";
import { runRefreshJob } from "./operate/refresh-job.js";
import { startScheduler } from "./operate/scheduler.js";
import { formatStatus, readStatus } from "./operate/status.js";
import { buildModelsAndPublish, buildSite, extract, runContext, type RunContext } from "./run/refresh.js";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

interface CommonOptions {
  config?: string;
  fullRefresh?: boolean;
  scale?: number;
  seed?: number;
  plants?: boolean;
}

function contextFrom(options: CommonOptions): RunContext {
  const config: WarehouseConfig = loadConfig(options.config ?? process.env["WAREHOUSE_CONFIG"]);
  if (options.scale !== undefined) config.demo.scale = options.scale;
  if (options.seed !== undefined) config.demo.seed = options.seed;
  if (options.plants === false) config.demo.plants = false;
  return { ...runContext(projectRoot, config, log), fullRefresh: options.fullRefresh ?? false };
}

async function main(action: () => Promise<boolean | void>): Promise<void> {
  try {
    const ok = await action();
    process.exitCode = ok === false ? 1 : 0;
  } catch (error) {
    process.stderr.write(`\nerror: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

const program = new Command()
  .name("warehouse")
  .description("Channel & customer warehouse: extract -> load -> models -> tests -> publish -> reports");

function withCommonOptions(command: Command): Command {
  return command
    .option(
      "-c, --config <file>",
      "config file naming the company's sources (default: the demo company; env WAREHOUSE_CONFIG)",
    )
    .addOption(new Option("--scale <n>", "demo company size (1 ≈ 50,000 order lines)").argParser(Number))
    .addOption(new Option("--seed <n>", "demo company random seed").argParser(Number))
    .option("--no-plants", "demo company without planted problems (a clean company)")
    .option("--full-refresh", "re-read every source whole instead of only what changed since the last run");
}

withCommonOptions(program.command("refresh").description("run the whole job and build the report site"))
  .option("--no-reports", "stop after publishing the warehouse")
  .addOption(
    new Option("--retries <n>", "retry a failure that may pass (a source down) this many times").argParser(Number),
  )
  .action((options: CommonOptions & { reports: boolean; retries?: number }) =>
    main(async () => {
      const ctx = contextFrom(options);
      const outcome = await runRefreshJob({
        projectRoot,
        config: ctx.config,
        log,
        reports: options.reports,
        fullRefresh: options.fullRefresh ?? false,
        retries: options.retries ?? 0,
        retryDelayMs: ctx.config.schedule.retry_delay_seconds * 1000,
      });
      if (outcome.error) throw outcome.error;
      if (!outcome.ok) {
        process.stderr.write(
          `\nrefresh finished with failed sources (their previous data was kept):\n` +
            outcome.failedSources.map((f) => `  ${f}`).join("\n") +
            "\n",
        );
      }
      return outcome.ok;
    }),
  );

withCommonOptions(
  program.command("schedule").description("run the refresh on the configured schedule (a long-running process)"),
)
  .option("--now", "also run one refresh right away")
  .action((options: CommonOptions & { now?: boolean }) =>
    main(async () => {
      const { config } = contextFrom(options);
      const job = () =>
        runRefreshJob({
          projectRoot,
          config,
          log,
          retries: config.schedule.retries,
          retryDelayMs: config.schedule.retry_delay_seconds * 1000,
        });
      const scheduler = startScheduler({ cron: config.schedule.cron, timezone: config.schedule.timezone, job, log });
      log(
        `scheduler started: "${config.schedule.cron}" in ${config.schedule.timezone}; next run ${scheduler.nextRun()?.toISOString() ?? "?"}`,
      );
      if (options.now) await scheduler.task.execute();
      await new Promise<void>((resolve) => {
        const stop = () => {
          log("stopping the scheduler (a running refresh is finished first)");
          void scheduler.stop().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    }),
  );

withCommonOptions(
  program.command("status").description("the last runs, what failed, and how stale each source is"),
).action((options: CommonOptions) =>
  main(async () => {
    const ctx = contextFrom(options);
    const status = await readStatus(ctx.paths.rawDatabase, ctx.config);
    for (const line of formatStatus(status)) log(line);
    return status.sources.every((s) => !s.isStale) && status.runs[0]?.status !== "failed";
  }),
);

withCommonOptions(program.command("extract").description("extract every source into the raw database")).action(
  (options: CommonOptions) => main(async () => (await extract(contextFrom(options))).failedStreams.length === 0),
);

withCommonOptions(
  program.command("models").description("build and test the models, then publish the warehouse"),
).action((options: CommonOptions) => main(() => buildModelsAndPublish(contextFrom(options))));

withCommonOptions(program.command("reports").description("build the report site from the published warehouse")).action(
  (options: CommonOptions) => main(() => buildSite(contextFrom(options))),
);

withCommonOptions(
  program.command("quarantine").description("show the latest quarantined records: where, why, and the original"),
)
  .option("-n, --limit <n>", "how many", "20")
  .option("-s, --source <name>", "only this source")
  .action((options: CommonOptions & { limit: string; source?: string }) =>
    main(async () => {
      const ctx = contextFrom(options);
      const rows = await withDatabase(
        ctx.paths.rawDatabase,
        (c) =>
          queryRows<{
            quarantined_at: Date;
            source: string;
            stream: string;
            location: string;
            reason: string;
            payload: string;
          }>(
            c,
            `select quarantined_at, source, stream, location, reason, payload from meta.quarantine
             where $1::varchar is null or source = $1 order by quarantined_at desc, location limit $2`,
            [options.source ?? null, Number(options.limit)],
          ),
        { readOnly: true },
      );
      if (rows.length === 0) log("nothing in quarantine");
      for (const r of rows) {
        log(
          `${r.quarantined_at.toISOString()}  ${r.source}.${r.stream}  ${r.location}\n  reason:   ${r.reason}\n  original: ${r.payload.slice(0, 300)}`,
        );
      }
    }),
  );

program
  .command("templates")
  .description("write empty canonical CSV templates (header + example row) for a company with no API")
  .requiredOption("-d, --dir <folder>", "where to write them")
  .option("--force", "replace existing template files")
  .action((options: { dir: string; force?: boolean }) =>
    main(async () => {
      const written = writeTemplates(resolve(process.cwd(), options.dir), { overwrite: options.force ?? false });
      log(`wrote ${written.length} files to ${options.dir}:`);
      for (const file of written) log(`  ${file}`);
      log("Fill them with your exports, then set `sources: { templates: { dir: ... } }` in your config.");
    }),
  );

await program.parseAsync();
