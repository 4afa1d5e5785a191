/**
 * Runs one step in a child process and watches its memory: the child's own peak RSS (getrusage, exact) and the
 * peak of the summed RSS of the child and every process it started (sampled from /proc every 100 ms — the reports
 * build runs Evidence and vite as grandchildren). Child output goes to the benchmark's log file.
 */
import { fork } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { StepName } from "./steps.js";

export interface Measured<T> {
  readonly ok: boolean;
  readonly result?: T;
  readonly error?: string;
  /** Peak RSS of the step's own process, in bytes. */
  readonly childMaxRss: number;
  /** Peak of the summed RSS of the step's whole process tree, in bytes (sampled; 0 where /proc is missing). */
  readonly treePeakRss: number;
}

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

function rssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (text) children.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // the process has exited
  }
  return children;
}

/** Summed RSS (kB) of `pid` and all its descendants. */
function treeRssKb(pid: number): number {
  let total = 0;
  const pending = [pid];
  const seen = new Set<number>();
  while (pending.length) {
    const next = pending.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    total += rssKb(next);
    pending.push(...childrenOf(next));
  }
  return total;
}

export async function measureStep<T>(
  step: StepName,
  args: unknown,
  options: { cwd: string; logFile: string },
): Promise<Measured<T>> {
  const log = openSync(options.logFile, "a");
  try {
    const child = fork(CHILD, [step, JSON.stringify(args)], {
      cwd: options.cwd,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", log, log, "ipc"],
    });
    let peakKb = 0;
    const sample = () => {
      if (child.pid) peakKb = Math.max(peakKb, treeRssKb(child.pid));
    };
    const timer = setInterval(sample, 100);
    let message: { ok: boolean; result?: T; error?: string; maxRssKb: number } | undefined;
    child.on("message", (m) => {
      sample();
      message = m as typeof message;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (exitCode) => resolve(exitCode));
    });
    clearInterval(timer);
    if (!message) {
      return {
        ok: false,
        error: `step ${step} exited with code ${code} without a result`,
        childMaxRss: 0,
        treePeakRss: peakKb * 1024,
      };
    }
    return {
      ok: message.ok,
      ...(message.result !== undefined ? { result: message.result } : {}),
      ...(message.error !== undefined ? { error: message.error } : {}),
      childMaxRss: message.maxRssKb * 1024,
      treePeakRss: Math.max(peakKb, message.maxRssKb) * 1024,
    };
  } finally {
    closeSync(log);
  }
}
