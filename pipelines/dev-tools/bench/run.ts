/**
 * `npm run bench [-- --sizes 1m,10m] [--quick] [--repeat 3] [--steps ingest,refresh,build,reports,preview]`
 *
 * Generates the demo company at each size (order lines; kept under data/bench/ and reused) and measures, each step
 * in its own child process, in one run on one machine:
 *
 * - file ingest with validation and quarantine (our loader over every template file) against plain DuckDB
 *   `create table … as select * from read_csv(file)` on the same files: throughput ratio, target >= 0.80;
 * - the model build (runner: every model in order plus every YAML test) against the same SQL run bare in the same
 *   order plus the very same test queries: time ratio, target <= 1.10; and the same without tests (start to the
 *   last model built, both sides);
 * - the nightly incremental refresh with ~1% of orders and order lines changed against a full refresh of data of
 *   the same size: time ratio, target <= 0.10;
 * - a full refresh with the reports build (bundling every page): target under 3 minutes and under 2 GB peak memory
 *   (summed RSS of the refresh process and everything it starts); then the night after, ~1% changed, the reports
 *   prerendered from the bundles the full build kept: time ratio against the full refresh + reports, target <= 0.10;
 * - the live preview on that warehouse (preview.ts): start to the front page's data in the browser, in a new
 *   workspace and restarted, target <= 10 s; an edit saved to shown, target <= 2 s.
 *
 * Ours and the baseline alternate (ours, baseline, ours, …) and the medians are reported. Prints a markdown table
 * to paste into the README, and writes it with the raw numbers to data/bench/results-<date>.{md,json}.
 */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort } from "../../shared/free-port.js";
import { queryRows, withDatabase } from "../../shared/warehouse/duckdb.js";
import { companyPaths, readCompany, type BenchCompany } from "./company.js";
import { measureStep, type Measured } from "./measure.js";
import type { PreviewTimes } from "./preview.js";
import type { BuildTimes, IngestResult, RefreshTimes, StepName } from "./steps.js";

const PROJECT_ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const BENCH_DIR = join(PROJECT_ROOT, "data", "bench");
/** Order lines per unit of demo scale (scale 1 ≈ 54k lines, 20 ≈ 1.1M, 200 ≈ 10.9M). */
const LINES_PER_SCALE = 50_000;
const ALL_STEPS = ["ingest", "refresh", "build", "reports", "preview"] as const;
type BenchStep = (typeof ALL_STEPS)[number] | "generate";

const TARGETS = {
  ingestRatio: 0.8,
  buildRatio: 1.1,
  incrementalRatio: 0.1,
  refreshWithReportsSeconds: 180,
  peakBytes: 2 * 1024 ** 3,
  previewFirstDataSeconds: 10,
  previewEditSeconds: 2,
};

interface SizeResult {
  readonly label: string;
  readonly company: BenchCompany;
  ingest?: { ours: Measured<IngestResult>[]; plain: Measured<IngestResult>[] };
  refresh?: { full: Measured<RefreshTimes>[]; incremental: Measured<RefreshTimes>[] };
  build?: { runner: Measured<BuildTimes>[]; bare: Measured<BuildTimes>[] };
  reports?: Measured<RefreshTimes>[];
  /** A nightly refresh (~1% changed) with the reports, after a full one: the site's bundles are reused. */
  nightlyReports?: Measured<RefreshTimes>[];
  /** The live preview on the published warehouse (one run: three starts and an edit). */
  preview?: Measured<PreviewTimes>;
  /** Steps not run, and why. */
  readonly skipped: string[];
}

function parseSize(text: string): { label: string; scale: number } {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!match) throw new Error(`--sizes: "${text}" is not a size like 100k, 1m or 10m`);
  const unit = match[2]!.toLowerCase();
  const lines = Number(match[1]) * (unit === "m" ? 1e6 : unit === "k" ? 1e3 : 1);
  const scale = Math.round((lines / LINES_PER_SCALE) * 100) / 100;
  if (!(scale > 0 && scale <= 1000)) throw new Error(`--sizes: ${text} is outside what the demo generator makes`);
  return { label: text.trim().toLowerCase(), scale };
}

function options() {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string" },
      quick: { type: "boolean", default: false },
      repeat: { type: "string" },
      steps: { type: "string" },
      seed: { type: "string", default: "42" },
      "reports-repeat": { type: "string", default: "1" },
      "duckdb-memory-limit": { type: "string" },
    },
    allowPositionals: false,
  });
  const sizes = (values.sizes ?? (values.quick ? "100k" : "1m,10m")).split(",").map(parseSize);
  const steps = (values.steps ?? ALL_STEPS.join(",")).split(",").map((s) => s.trim()) as BenchStep[];
  // `--steps generate` only makes (or checks) the data.
  for (const step of steps) {
    if (!(ALL_STEPS as readonly string[]).includes(step) && step !== "generate")
      throw new Error(`--steps: unknown step ${step}`);
  }
  const repeat = Number(values.repeat ?? (values.quick ? 1 : 3));
  const reportsRepeat = Number(values["reports-repeat"]);
  const seed = Number(values.seed);
  for (const [name, n] of [
    ["--repeat", repeat],
    ["--reports-repeat", reportsRepeat],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  }
  if (!Number.isSafeInteger(seed)) throw new Error("--seed must be an integer");
  const memoryLimit = values["duckdb-memory-limit"];
  if (memoryLimit !== undefined && !/^\d+(\.\d+)?\s*[KMGT]i?B$/i.test(memoryLimit)) {
    throw new Error("--duckdb-memory-limit takes a size like 1.6GB");
  }
  return { sizes, steps, repeat, reportsRepeat, seed, memoryLimit };
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

const median = (xs: readonly number[]): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s` : "—");
const rate = (rows: number, ms: number) => {
  const perSecond = (rows / ms) * 1000;
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)}M rows/s` : `${Math.round(perSecond / 1e3)}k rows/s`;
};
const bytes = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GB` : `${Math.round(n / 1024 ** 2)} MB`);
const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x < 0.1 ? 3 : 2)}x` : "—");
const lines = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${Math.round(n / 1e3)}k`);
const peakOf = (runs: readonly Measured<unknown>[]) => Math.max(0, ...runs.map((r) => r.treePeakRss));
const okRuns = <T>(runs: readonly Measured<T>[]) =>
  runs.filter((r) => r.ok && r.result) as Array<Measured<T> & { result: T }>;
const firstError = (runs: readonly Measured<unknown>[]) =>
  runs.find((r) => !r.ok)?.error ??
  (runs.find((r) => (r.result as { error?: string })?.error)?.result as { error?: string })?.error;

function verdict(met: boolean, miss: string): string {
  return met ? "**met**" : `**missed**: ${miss}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Running

async function main(): Promise<void> {
  const opts = options();
  mkdirSync(BENCH_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const logFile = join(BENCH_DIR, `bench-${stamp}.log`);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(
    `bench: sizes ${opts.sizes.map((s) => s.label).join(", ")}; steps ${opts.steps.join(", ")}; medians of ${opts.repeat}`,
  );
  say(`  child output: ${relative(PROJECT_ROOT, logFile)}`);

  const run = async <T>(step: StepName, args: unknown, what: string): Promise<Measured<T>> => {
    const started = Date.now();
    const env = opts.memoryLimit ? { BENCH_DUCKDB_MEMORY_LIMIT: opts.memoryLimit } : {};
    const measured = await measureStep<T>(step, args, { cwd: PROJECT_ROOT, logFile, env });
    const result = measured.result as { ms?: number; error?: string } | undefined;
    const status = measured.ok && !result?.error ? "" : `  FAILED: ${measured.error ?? result?.error}`;
    say(
      `  ${what}: ${seconds(result?.ms ?? Date.now() - started)}, CPU ${seconds(measured.cpuMs)} ` +
        `(peak ${bytes(measured.treePeakRss)}, load ${measured.load.map((l) => l.toFixed(1)).join("→")})${status}`,
    );
    return measured;
  };

  const results: SizeResult[] = [];
  for (const { label, scale } of opts.sizes) {
    say(`\n== ${label} (demo scale ${scale}) ==`);
    const paths = companyPaths(BENCH_DIR, opts.seed, scale);
    let company = readCompany(paths, opts.seed, scale);
    if (company) say(`  reusing ${relative(PROJECT_ROOT, paths.dir)}`);
    else {
      say(`  generating the company into ${relative(PROJECT_ROOT, paths.dir)} (about ${Math.ceil(scale * 1.2)} s)`);
      const generated = await run<{ company: BenchCompany }>("generate", { paths, seed: opts.seed, scale }, "generate");
      if (!generated.ok || !generated.result) throw new Error(`generating the company failed: ${generated.error}`);
      company = generated.result.company;
    }
    say(
      `  ${lines(company.rows["order_lines"] ?? 0)} order lines, ${lines(company.rows["orders"] ?? 0)} orders, ` +
        `${lines(company.rows["customers"] ?? 0)} customers; changed for the incremental run: ` +
        `${company.changedRows.order_lines} lines, ${company.changedRows.orders} orders`,
    );

    const work = join(BENCH_DIR, `work-seed${opts.seed}-scale${scale}`);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const size: SizeResult = { label, company, skipped: [] };
    results.push(size);

    if (opts.steps.includes("ingest")) {
      size.ingest = { ours: [], plain: [] };
      for (let i = 0; i < opts.repeat; i++) {
        const args = { templatesDir: paths.templates };
        size.ingest.ours.push(
          await run(
            "ingest-loader",
            { ...args, dbPath: join(work, "ingest-ours.duckdb") },
            `ingest, our loader #${i + 1}`,
          ),
        );
        size.ingest.plain.push(
          await run(
            "ingest-plain",
            { ...args, dbPath: join(work, "ingest-plain.duckdb") },
            `ingest, plain read_csv #${i + 1}`,
          ),
        );
      }
      rmSync(join(work, "ingest-ours.duckdb"), { force: true });
      rmSync(join(work, "ingest-plain.duckdb"), { force: true });
    }

    // The refreshes read a templates folder that is a link, pointed at the base or the changed files in turn.
    const live = join(work, "templates");
    const pointAt = (dir: string) => {
      rmSync(live, { force: true });
      symlinkSync(relative(work, dir), live, "dir");
    };
    const refreshArgs = (fullRefresh: boolean, reports: boolean, fullReportsBuild = fullRefresh) => ({
      projectRoot: PROJECT_ROOT,
      dataDir: join(work, "refresh"),
      siteDir: join(work, "site"),
      templatesDir: live,
      fullRefresh,
      reports,
      fullReportsBuild,
    });

    // A full refresh that fails (a stream not loaded) leaves raw incomplete: the steps needing it are skipped.
    const succeeded = (m: Measured<RefreshTimes>) => m.ok && m.result?.ok === true;
    let refreshFails = false;
    if (opts.steps.includes("refresh")) {
      size.refresh = { full: [], incremental: [] };
      for (let i = 0; i < opts.repeat; i++) {
        const [from, to] = i % 2 === 0 ? [paths.templates, paths.changed] : [paths.changed, paths.templates];
        pointAt(from);
        const full = await run<RefreshTimes>("refresh", refreshArgs(true, false), `full refresh #${i + 1}`);
        size.refresh.full.push(full);
        if (!succeeded(full)) {
          refreshFails = true;
          size.skipped.push("the remaining refreshes, the model build and the reports: the full refresh failed");
          break;
        }
        pointAt(to);
        size.refresh.incremental.push(
          await run("refresh", refreshArgs(false, false), `incremental refresh, ~1% changed #${i + 1}`),
        );
      }
    }

    const rawPath = join(work, "refresh", "raw.duckdb");
    if ((opts.steps.includes("build") || opts.steps.includes("preview")) && !refreshFails && !existsSync(rawPath)) {
      pointAt(paths.templates);
      const full = await run<RefreshTimes>(
        "refresh",
        refreshArgs(true, false),
        "full refresh (to have a raw database)",
      );
      if (!succeeded(full)) {
        refreshFails = true;
        size.skipped.push(
          `the model build, the reports and the preview: the full refresh failed (${firstError([full])})`,
        );
      }
    }
    if (opts.steps.includes("build") && !refreshFails) {
      size.build = { runner: [], bare: [] };
      const runnerPath = join(work, "build-runner.duckdb");
      const barePath = join(work, "build-bare.duckdb");
      for (let i = 0; i < opts.repeat; i++) {
        size.build.runner.push(
          await run(
            "build-runner",
            { projectRoot: PROJECT_ROOT, rawPath, buildPath: runnerPath },
            `model build, runner #${i + 1}`,
          ),
        );
        size.build.bare.push(
          await run(
            "build-bare",
            { projectRoot: PROJECT_ROOT, rawPath, buildPath: barePath, opsFrom: runnerPath, tests: true },
            `model build, bare SQL #${i + 1}`,
          ),
        );
      }
      for (const path of [runnerPath, barePath]) rmSync(path, { force: true });
    }

    if (opts.steps.includes("reports") && !refreshFails) {
      size.reports = [];
      size.nightlyReports = [];
      for (let i = 0; i < opts.reportsRepeat; i++) {
        // A full build (bundling every page), then the night after: ~1% changed, the same pages, so the site is
        // prerendered from the bundles the full build kept (pipelines/site/bundle-reuse.ts).
        pointAt(paths.templates);
        size.reports.push(await run("refresh", refreshArgs(true, true), `full refresh + reports #${i + 1}`));
        pointAt(paths.changed);
        size.nightlyReports.push(
          await run("refresh", refreshArgs(false, true), `nightly refresh + reports, ~1% changed #${i + 1}`),
        );
      }
    }

    if (opts.steps.includes("preview") && !refreshFails) {
      size.preview = await run<PreviewTimes>(
        "preview",
        {
          projectRoot: PROJECT_ROOT,
          warehousePath: join(work, "refresh", "warehouse.duckdb"),
          pagesDir: join(work, "preview-pages"),
          port: await freePort(),
        },
        "live preview: three starts and an edit",
      );
    }
  }

  const machine = await describeMachine();
  const markdown = renderMarkdown(results, machine, opts.repeat, opts.memoryLimit);
  say(`\n${markdown}`);
  writeFileSync(join(BENCH_DIR, `results-${stamp}.md`), `${markdown}\n`);
  writeFileSync(join(BENCH_DIR, `results-${stamp}.json`), `${JSON.stringify({ machine, results }, null, 2)}\n`);
  say(`(also written to ${relative(PROJECT_ROOT, join(BENCH_DIR, `results-${stamp}.md`))} and .json)`);
}

async function describeMachine() {
  const duckdb = await withDatabase(":memory:", async (c) => {
    const [row] = await queryRows<{ v: string; threads: string; memory: string }>(
      c,
      "select version() as v, current_setting('threads') as threads, current_setting('memory_limit') as memory",
    );
    return row;
  });
  let commit = "unknown";
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8" }).trim();
    commit =
      git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain", "--untracked-files=no") ? "+changes" : "");
  } catch {
    // not a git checkout
  }
  return {
    commit,
    date: new Date().toISOString().slice(0, 10),
    cpu: cpus()[0]?.model ?? "unknown CPU",
    cores: cpus().length,
    memory: bytes(totalmem()),
    node: process.version,
    duckdb: duckdb?.v ?? "?",
    duckdbThreads: duckdb?.threads ?? "?",
    duckdbMemoryLimit: duckdb?.memory ?? "?",
  };
}

function renderMarkdown(
  results: readonly SizeResult[],
  machine: Awaited<ReturnType<typeof describeMachine>>,
  repeat: number,
  memoryLimit: string | undefined,
) {
  const out: string[] = [];
  out.push(
    `Benchmark ${machine.date}, code ${machine.commit}: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} RAM, ` +
      `Node ${machine.node}, DuckDB ${machine.duckdb} (threads ${machine.duckdbThreads}, memory_limit ` +
      `${memoryLimit ? `${memoryLimit}, set by --duckdb-memory-limit` : `${machine.duckdbMemoryLimit}, its default`}). ` +
      `Medians of ${repeat}, ours and the baseline alternating; ratio = wall clock (what the targets are about), ` +
      `CPU-time ratio = the same from the CPU time of the step's process (steadier on a shared machine); ` +
      `peak = summed RSS of the step's process tree. Load average during the steps: ${loadRange(results)}.`,
    "",
    "| size | step | ours | baseline (same run) | ratio | CPU-time ratio | target | result | peak memory |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const size of results) {
    const name = `${size.label} (${lines(size.company.rows["order_lines"] ?? 0)} order lines)`;
    const row = (cells: string[]) => out.push(`| ${cells.join(" | ")} |`);
    if (size.ingest) {
      const ours = okRuns(size.ingest.ours);
      const plain = okRuns(size.ingest.plain);
      const failed = firstError(size.ingest.ours) ?? ours.flatMap((r) => r.result.tables).find((t) => t.error)?.error;
      const oursMs = median(ours.map((r) => r.result.ms));
      const plainMs = median(plain.map((r) => r.result.ms));
      const rows = ours[0]?.result.rows ?? 0;
      const plainRows = plain[0]?.result.rows ?? 0;
      const x = rows / oursMs / (plainRows / plainMs);
      const xCpu = rows / median(ours.map((r) => r.cpuMs)) / (plainRows / median(plain.map((r) => r.cpuMs)));
      row([
        name,
        "file ingest, validation + quarantine on (all template files)",
        failed ? `FAILED: ${failed.slice(0, 120)}` : `${rate(rows, oursMs)} (${seconds(oursMs)})`,
        `plain read_csv: ${rate(plainRows, plainMs)} (${seconds(plainMs)})`,
        failed ? "—" : ratio(x),
        failed ? "—" : ratio(xCpu),
        `≥ ${TARGETS.ingestRatio.toFixed(2)}x`,
        failed
          ? "**missed**: failed"
          : verdict(
              x >= TARGETS.ingestRatio,
              `${((x / TARGETS.ingestRatio) * 100).toFixed(0)}% of the target; needs ${(TARGETS.ingestRatio / x).toFixed(1)}× faster`,
            ),
        bytes(peakOf(size.ingest.ours)),
      ]);
    }
    if (size.build) {
      const runner = okRuns(size.build.runner);
      const bare = okRuns(size.build.bare);
      const rMs = median(runner.map((r) => r.result.ms));
      const bMs = median(bare.map((r) => r.result.ms));
      const x = rMs / bMs;
      const xCpu = median(runner.map((r) => r.cpuMs)) / median(bare.map((r) => r.cpuMs));
      const failed = firstError(size.build.runner);
      const tests = runner[0]?.result.tests ?? 0;
      row([
        name,
        `model build with tests (${runner[0]?.result.models ?? "?"} models, ${tests} tests)`,
        failed ? `FAILED: ${failed.slice(0, 120)}` : `runner ${seconds(rMs)}`,
        `bare SQL + same test queries ${seconds(bMs)}`,
        ratio(x),
        ratio(xCpu),
        `≤ ${TARGETS.buildRatio.toFixed(2)}x`,
        verdict(x <= TARGETS.buildRatio, `${((x / TARGETS.buildRatio - 1) * 100).toFixed(0)}% over`),
        bytes(peakOf(size.build.runner)),
      ]);
      const rm = median(runner.map((r) => r.result.modelsMs));
      const bm = median(bare.map((r) => r.result.modelsMs));
      row([
        name,
        "model build without tests (start to last model built)",
        `runner ${seconds(rm)}`,
        `bare SQL ${seconds(bm)}`,
        ratio(rm / bm),
        "—",
        `≤ ${TARGETS.buildRatio.toFixed(2)}x`,
        verdict(rm / bm <= TARGETS.buildRatio, `${((rm / bm / TARGETS.buildRatio - 1) * 100).toFixed(0)}% over`),
        "",
      ]);
    }
    if (size.refresh) {
      const full = okRuns(size.refresh.full).filter((r) => r.result.ok);
      const incr = okRuns(size.refresh.incremental).filter((r) => r.result.ok);
      const failed = firstError([...size.refresh.full, ...size.refresh.incremental]);
      const fMs = median(full.map((r) => r.result.ms));
      const iMs = median(incr.map((r) => r.result.ms));
      const x = iMs / fMs;
      const xCpu = median(incr.map((r) => r.cpuMs)) / median(full.map((r) => r.cpuMs));
      const changed = size.company.changedRows;
      row([
        name,
        `nightly incremental refresh, ${changed.order_lines} lines + ${changed.orders} orders changed (~1%), no reports`,
        failed ? `FAILED: ${failed.slice(0, 160)}` : `incremental ${seconds(iMs)}`,
        `full refresh ${seconds(fMs)}`,
        failed ? "—" : ratio(x),
        failed ? "—" : ratio(xCpu),
        `≤ ${TARGETS.incrementalRatio.toFixed(2)}x`,
        failed
          ? "**missed**: failed"
          : verdict(x <= TARGETS.incrementalRatio, `${(x * 100).toFixed(0)}% of a full refresh (target 10%)`),
        bytes(Math.max(peakOf(size.refresh.full), peakOf(size.refresh.incremental))),
      ]);
    }
    if (size.reports) {
      const runs = okRuns(size.reports).filter((r) => r.result.ok);
      const failed = firstError(size.reports);
      const ms = median(runs.map((r) => r.result.ms));
      const reportsS = median(runs.map((r) => r.result.steps["reports"] ?? NaN));
      const peak = peakOf(size.reports);
      const timeOk = ms / 1000 < TARGETS.refreshWithReportsSeconds;
      const memOk = peak < TARGETS.peakBytes;
      const misses = [
        timeOk ? "" : `${seconds(ms - TARGETS.refreshWithReportsSeconds * 1000)} over 3 min`,
        memOk ? "" : `${bytes(peak - TARGETS.peakBytes)} over 2 GB`,
      ].filter(Boolean);
      row([
        name,
        `full refresh + reports (${size.reports.length} run${size.reports.length > 1 ? "s" : ""})`,
        failed
          ? `FAILED: ${failed.slice(0, 160)}`
          : `${seconds(ms)} (refresh ${seconds(ms - reportsS * 1000)} + reports ${seconds(reportsS * 1000)})`,
        "—",
        "—",
        "—",
        "< 180 s, < 2 GB",
        failed ? "**missed**: failed" : verdict(timeOk && memOk, misses.join(", ")),
        bytes(peak),
      ]);
      if (size.nightlyReports?.length) {
        const nightly = okRuns(size.nightlyReports).filter((r) => r.result.ok);
        const nightlyFailed = firstError(size.nightlyReports);
        const nightlyMs = median(nightly.map((r) => r.result.ms));
        const nightlyReportsS = median(nightly.map((r) => r.result.steps["reports"] ?? NaN));
        const ratio = nightlyMs / ms;
        row([
          name,
          "nightly refresh + reports, ~1% changed (site prerendered from the full build's bundles)",
          nightlyFailed
            ? `FAILED: ${nightlyFailed.slice(0, 160)}`
            : `${seconds(nightlyMs)} (refresh ${seconds(nightlyMs - nightlyReportsS * 1000)} + reports ${seconds(nightlyReportsS * 1000)})`,
          `full refresh + reports: ${seconds(ms)}`,
          `${ratio.toFixed(2)}x`,
          "—",
          "≤ 0.10x",
          nightlyFailed
            ? "**missed**: failed"
            : verdict(ratio <= TARGETS.incrementalRatio, `${(ratio * 100).toFixed(0)}% of a full refresh + reports`),
          bytes(peakOf(size.nightlyReports)),
        ]);
      }
    }
    if (size.preview) previewRows(size.preview, name, row);
  }
  out.push("", ...renderDetails(results));
  return out.join("\n");
}

/** The preview's rows: each start to the front page's data, and an edit to shown. */
function previewRows(measured: Measured<PreviewTimes>, name: string, row: (cells: string[]) => void): void {
  const failed = firstError([measured]);
  if (failed || !measured.result) {
    row([
      name,
      "live preview",
      `FAILED: ${(failed ?? "no result").slice(0, 160)}`,
      "—",
      "—",
      "—",
      "—",
      "**missed**: failed",
      "—",
    ]);
    return;
  }
  const peak = bytes(measured.treePeakRss);
  for (const start of measured.result.starts) {
    const s = start.firstDataMs / 1000;
    row([
      name,
      `live preview, ${start.label}: start to the front page's data in the browser`,
      `${seconds(start.firstDataMs)} (server answered at ${seconds(start.serverMs)})`,
      "—",
      "—",
      "—",
      `≤ ${TARGETS.previewFirstDataSeconds} s`,
      verdict(s <= TARGETS.previewFirstDataSeconds, `${(s - TARGETS.previewFirstDataSeconds).toFixed(1)} s over`),
      peak,
    ]);
  }
  const edit = measured.result.editShownMs / 1000;
  row([
    name,
    "live preview: a line saved to the front page's file until the browser shows it",
    seconds(measured.result.editShownMs),
    "—",
    "—",
    "—",
    `≤ ${TARGETS.previewEditSeconds} s`,
    verdict(edit <= TARGETS.previewEditSeconds, `${(edit - TARGETS.previewEditSeconds).toFixed(1)} s over`),
    peak,
  ]);
}

function loadRange(results: readonly SizeResult[]): string {
  const runs: Measured<unknown>[] = results.flatMap((r) => [
    ...(r.ingest ? [...r.ingest.ours, ...r.ingest.plain] : []),
    ...(r.refresh ? [...r.refresh.full, ...r.refresh.incremental] : []),
    ...(r.build ? [...r.build.runner, ...r.build.bare] : []),
    ...(r.reports ?? []),
    ...(r.nightlyReports ?? []),
    ...(r.preview ? [r.preview] : []),
  ]);
  const loads = runs.flatMap((r) => [...r.load]);
  return loads.length
    ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} on ${cpus().length} cores`
    : "—";
}

function renderDetails(results: readonly SizeResult[]): string[] {
  const out: string[] = ["Where the time goes (medians; the slowest parts of each step):", ""];
  for (const size of results) {
    out.push(`- **${size.label}**`);
    for (const skipped of size.skipped) out.push(`  - skipped ${skipped}`);
    if (size.ingest) {
      const ours = okRuns(size.ingest.ours);
      const plain = okRuns(size.ingest.plain);
      const perTable = (runs: typeof ours, table: string) =>
        median(runs.map((r) => r.result.tables.find((t) => t.table === table)?.ms ?? NaN));
      const tables = [...(ours[0]?.result.tables ?? [])].sort((a, b) => b.rows - a.rows).slice(0, 3);
      out.push(
        `  - ingest per table (ours / plain): ${tables
          .map(
            (t) =>
              `${t.table} ${lines(t.rows)} rows ${seconds(perTable(ours, t.table))} / ${seconds(perTable(plain, t.table))}`,
          )
          .join("; ")}`,
      );
      for (const t of ours[0]?.result.tables ?? []) {
        if (t.error) out.push(`  - ingest of ${t.table} failed after ${seconds(t.ms)}: ${t.error}`);
      }
      const statements = ours[0]?.result.statements ?? [];
      if (statements.length) {
        out.push(
          `  - loader statements (run 1): ${statements
            .slice(0, 6)
            .map((s) => `${seconds(s.ms)} ×${s.calls} \`${s.statement.slice(0, 70)}\``)
            .join("; ")}`,
        );
      }
    }
    if (size.build) {
      const runner = okRuns(size.build.runner);
      const bare = okRuns(size.build.bare);
      const part = (runs: typeof runner, key: "modelsMs" | "testsMs") =>
        seconds(median(runs.map((r) => r.result[key])));
      out.push(
        `  - build (start to last model / after it: tests, checkpoint, close): runner ${part(runner, "modelsMs")} / ` +
          `${part(runner, "testsMs")}; bare ${part(bare, "modelsMs")} / ${part(bare, "testsMs")}; slowest models (runner run 1): ` +
          (runner[0]?.result.slowest ?? []).map((m) => `${m.model} ${seconds(m.ms)}`).join(", "),
      );
    }
    const refreshSteps = (label: string, runs: readonly Measured<RefreshTimes>[] | undefined) => {
      const ok = okRuns(runs ?? []);
      if (!ok.length) return;
      const names = Object.keys(ok[0]!.result.steps);
      const streams = ok[0]!.result.streams.map((s) => `${s.stream} ${seconds(s.ms)}`).join(", ");
      const peakRun = [...(runs ?? [])].sort((a, b) => b.treePeakRss - a.treePeakRss)[0];
      const processes = (peakRun?.largestProcesses ?? []).map((p) => `${p.name} ${bytes(p.peak)}`).join(", ");
      out.push(
        `  - ${label}: ${names.map((n) => `${n} ${seconds(median(ok.map((r) => (r.result.steps[n] ?? NaN) * 1000)))}`).join(", ")}` +
          `; files skipped as unchanged ${ok[0]!.result.skippedFiles}; slowest streams: ${streams}` +
          `; largest processes at peak: ${processes}`,
      );
    };
    refreshSteps("full refresh", size.refresh?.full);
    refreshSteps("incremental refresh", size.refresh?.incremental);
    refreshSteps("full refresh + reports", size.reports);
    refreshSteps("nightly refresh + reports", size.nightlyReports);
  }
  return out;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
