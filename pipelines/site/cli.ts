// Command line for the reports site.
//
//   tsx pipelines/site/cli.ts build [--warehouse data/warehouse.duckdb] [--out build]
//   tsx pipelines/site/cli.ts dev   [--warehouse data/warehouse.duckdb] [--port 3000] [--host 127.0.0.1]
//   tsx pipelines/site/cli.ts serve [--dir build] [--port 8080] [--host 127.0.0.1]
//   tsx pipelines/site/cli.ts pdf   [--dir build] [--page /] [--out build-pdf/brief-<as-of>.pdf] [--landscape]
//                                   [--chromium <path>] [--timeout 120]
//
// Paths are taken relative to the current directory. No command needs the network.
import { Command, InvalidArgumentError } from "commander";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BriefPdfError, writeBriefPdf } from "./brief-pdf.js";
import { ReportsBuildError, buildReports } from "./build-reports.js";
import { startDevServer } from "./dev-server.js";
import { serveStatic } from "./static-server.js";

/** This file lives in <repo>/pipelines/site/. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const DEFAULT_WAREHOUSE = "data/warehouse.duckdb";

const parsePort = (value: string): number => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError("not a TCP port");
  return port;
};

const parseSeconds = (value: string): number => {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError("not a number of seconds");
  return seconds;
};

const program = new Command()
  .name("reports")
  .description("Build or preview the Evidence reports site (pages in reports/, data from the published warehouse).");

program
  .command("build")
  .description("run `evidence sources` and `evidence build`, then swap the new site into build/")
  .option("--warehouse <file>", "published DuckDB warehouse", DEFAULT_WAREHOUSE)
  .option("--out <dir>", "output directory", path.join(REPO_ROOT, "build"))
  .option("--workspace <name>", "Evidence workspace under .evidence-workspace/ (two builds at once need two)", "build")
  .option("--full-build", "bundle the pages even if only the data changed since the last build here")
  .action(async (options: { warehouse: string; out: string; workspace: string; fullBuild?: boolean }) => {
    await buildReports({
      repoRoot: REPO_ROOT,
      warehousePath: path.resolve(options.warehouse),
      outDir: path.resolve(options.out),
      workspaceName: options.workspace,
      fullBuild: options.fullBuild ?? false,
    });
  });

program
  .command("dev")
  .description("serve a live preview of reports/ (refreshes source data first)")
  .option("--warehouse <file>", "published DuckDB warehouse", DEFAULT_WAREHOUSE)
  .option("--port <port>", "port", parsePort, 3000)
  .option("--host <host>", "interface to listen on", "127.0.0.1")
  .action(async (options: { warehouse: string; port: number; host: string }) => {
    const server = await startDevServer({
      repoRoot: REPO_ROOT,
      warehousePath: path.resolve(options.warehouse),
      port: options.port,
      host: options.host,
    });
    process.stdout.write(`\nReports preview: ${server.url}/  (Ctrl-C to stop)\n`);
    const shutdown = (): void => void server.stop().then(() => process.exit(0));
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
    process.exitCode = await server.exited;
  });

program
  .command("serve")
  .description("publish the built site over HTTP with nothing else installed")
  .option("--dir <dir>", "the built site", path.join(REPO_ROOT, "build"))
  .option("--port <port>", "port", parsePort, 8080)
  .option("--host <host>", "interface to listen on (0.0.0.0 for everyone on the network)", "127.0.0.1")
  .action(async (options: { dir: string; port: number; host: string }) => {
    const site = path.resolve(options.dir);
    if (!existsSync(path.join(site, "index.html"))) {
      throw new Error(`${site} holds no built site: run \`npm run refresh\` (or \`npm run reports\`) first.`);
    }
    const server = await serveStatic(site, options.port, options.host);
    process.stdout.write(`Serving ${site} at ${server.url}/ on ${options.host}  (Ctrl-C to stop)\n`);
  });

interface PdfOptions {
  dir: string;
  page: string;
  out?: string;
  chromium?: string;
  landscape?: boolean;
  timeout: number;
}

program
  .command("pdf")
  .description(
    "print the executive brief (the front page), or another page, to an A4 PDF with headless Chromium, offline",
  )
  .option("--dir <dir>", "the built site", path.join(REPO_ROOT, "build"))
  .option("--page <route>", "the page's route, e.g. /channels/risks", "/")
  .option("--out <file>", "the PDF to write (default: build-pdf/<page>-<as-of date>.pdf, brief-<as-of date>.pdf for /)")
  .option("--chromium <path>", "Chromium or Chrome executable (default: $CHROMIUM_PATH, then /usr/bin/chromium, ...)")
  .option("--landscape", "A4 across, for pages with wide tables such as /channels/risks")
  .option("--timeout <seconds>", "how long the page may take to show its data", parseSeconds, 120)
  .action(async (options: PdfOptions) => {
    const result = await writeBriefPdf({
      siteDir: path.resolve(options.dir),
      route: options.page,
      outFile: options.out === undefined ? undefined : path.resolve(options.out),
      outDir: path.join(REPO_ROOT, "build-pdf"),
      chromiumPath: options.chromium,
      timeoutMs: options.timeout * 1000,
      landscape: options.landscape ?? false,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    const size = `${(result.bytes / 1024).toFixed(0)} KB`;
    process.stdout.write(`${result.route} as of ${result.asOfDate ?? "(unknown date)"} -> ${result.file} (${size})\n`);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // A ReportsBuildError or BriefPdfError already says what broke and what to do; anything else gets its stack.
  const known = error instanceof ReportsBuildError || error instanceof BriefPdfError;
  process.stderr.write(
    `\n${known ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
}
