/**
 * Runs the project's CLI (`pipelines/cli.ts`) as a child process, as a user would, without blocking the test's event
 * loop: a synchronous spawn would stall the vitest worker for minutes and make its RPC time out. The child gets a clean
 * environment as far as the product's own switches go (no config, crash or disk-filling hook from the test's shell);
 * `env` adds the ones a test means to set.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../support/paths.js";

export interface CliRun {
  /** The exit code (1 when the child was killed by a signal). */
  readonly code: number;
  /** The signal that killed it, if one did. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** The product's environment switches a test run must not inherit from the shell that started the tests. */
const PRODUCT_SWITCHES = [
  "WAREHOUSE_CONFIG",
  "WAREHOUSE_CRASH_AT",
  "WAREHOUSE_FILL_DISK_AT",
  "WAREHOUSE_FILL_DISK_FILE",
];

export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliRun> {
  const env = { ...process.env };
  for (const name of PRODUCT_SWITCHES) delete env[name];
  Object.assign(env, options.env);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "pipelines", "cli.ts"), ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs ?? 540_000);
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ code: status ?? 1, signal, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}
