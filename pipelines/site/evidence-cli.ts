// Running Evidence's CLI: through node on the package's own bin (never npx, which could try the network), in a
// workspace (see workspace.ts), with the warehouse handed over through Evidence's environment-variable options.
import { spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { createInterface } from "node:readline";

/** The Evidence source (sources/<dir>/connection.yaml `name`) that exposes the marts. */
export const WAREHOUSE_SOURCE = "warehouse";

const require = createRequire(import.meta.url);

/** Absolute path of the installed Evidence CLI script (its package declares no exports, so package.json resolves). */
export function evidenceCliPath(): string {
  const manifestPath = require.resolve("@evidence-dev/evidence/package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin?: { evidence?: string } };
  return path.join(path.dirname(manifestPath), manifest.bin?.evidence ?? "cli.js");
}

/**
 * The environment Evidence runs with.
 *
 * The warehouse reaches Evidence's duckdb source as EVIDENCE_SOURCE__warehouse__filename, which overrides
 * `options.filename` of the committed sources/warehouse/connection.yaml. @evidence-dev/duckdb joins that filename to
 * the source directory with path.join (so an absolute path would be mangled); we therefore pass the path relative
 * to the source directory as Evidence sees it (inside the workspace), computed lexically like path.join will undo it.
 */
export function evidenceEnv(sourcesDir: string, warehousePath: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Under vitest (NODE_ENV=test, VITEST_*) vite would build in the wrong mode; Evidence must see a clean slate.
  for (const key of Object.keys(env)) {
    if (key === "NODE_ENV" || key.startsWith("VITEST") || key === "TEST") delete env[key];
  }
  // A larger young generation: vite's bundling allocates many short-lived objects, and V8's default 16 MB semi-space
  // made it collect garbage for 30 s of a 124-page build; at 64 MB, 15 s (measured with --cpu-prof). Evidence adds
  // its own --max-old-space-size to NODE_OPTIONS.
  if (!/--max-semi-space-size/.test(env["NODE_OPTIONS"] ?? "")) {
    env["NODE_OPTIONS"] = `${env["NODE_OPTIONS"] ?? ""} --max-semi-space-size=64`.trim();
  }
  env[`EVIDENCE_SOURCE__${WAREHOUSE_SOURCE}__filename`] = path.relative(
    path.join(sourcesDir, WAREHOUSE_SOURCE),
    path.resolve(warehousePath),
  );
  return env;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

export interface EvidenceRun {
  child: ChildProcess;
  /** Every output line so far (stdout and stderr, colour codes removed). */
  output: string[];
  /** Resolves with the exit code once the process and its output streams are done. */
  exited: Promise<number>;
  /** Stops the CLI and everything it spawned (vite, ...): they share a process group we created. */
  stop(signal?: NodeJS.Signals): void;
}

/** Starts `evidence <args>` in `cwd`, streaming each output line to `log`. */
export function startEvidence(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; log: (line: string) => void },
): EvidenceRun {
  return startNodeScript(evidenceCliPath(), args, options);
}

/** Starts `node <script> <args>` in `cwd` the way Evidence's CLI is run, streaming each output line to `log`. */
export function startNodeScript(
  script: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; log: (line: string) => void },
): EvidenceRun {
  // The watchdog stops the whole build if this process dies without cleaning up (SIGKILL, OOM killer): an
  // orphaned Evidence build would otherwise keep writing into the workspace the next refresh uses.
  const watchdog = pathToFileURL(fileURLToPath(new URL("./parent-watchdog.mjs", import.meta.url))).href;
  const child = spawn(process.execPath, ["--import", watchdog, script, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stop() reaches the shell, npx and vite the CLI spawns, and nothing else.
    detached: true,
  });
  const output: string[] = [];
  const streamsDone = [child.stdout, child.stderr].map((stream) => {
    const lines = createInterface({ input: stream!, crlfDelay: Infinity });
    lines.on("line", (raw) => {
      const line = raw.replace(ANSI, "").replace(/\r/g, "");
      output.push(line);
      options.log(line);
    });
    return new Promise<void>((resolve) => lines.once("close", resolve));
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      void Promise.all(streamsDone).then(() => resolve(code ?? (signal ? 128 : 1)));
    });
  });
  const stop = (signal: NodeJS.Signals = "SIGTERM"): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  return { child, output, exited, stop };
}

/** Runs `evidence <args>` to completion; resolves with its exit code and output. */
export async function runEvidence(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<{ code: number; output: string[] }> {
  const run = startEvidence(args, options);
  try {
    const code = await run.exited;
    return { code, output: run.output };
  } finally {
    // The CLI has exited; make sure nothing it spawned lingers (a stray vite would hold ports and CPU).
    run.stop("SIGKILL");
  }
}
