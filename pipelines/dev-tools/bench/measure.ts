/**
 * Runs one step in a child process and watches its memory: the child's own peak RSS (getrusage, exact) and the
 * peak of the summed RSS of the child and every process it started (sampled from /proc every 100 ms — the reports
 * build runs Evidence and vite as grandchildren). Child output goes to the benchmark's log file.
 */
import { fork } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { basename } from "node:path";
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
  /** CPU time (user + system) of the step's own process during the step, in ms. */
  readonly cpuMs: number;
  /** The 1-minute load average when the step started and when it ended (other work on the machine). */
  readonly load: readonly [number, number];
  /** The processes of the tree with the largest peak RSS (sampled), largest first. */
  readonly largestProcesses: ReadonlyArray<{ name: string; peak: number }>;
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

/** A short name for a process: its program and first argument (`node vite`, `node child.ts`). */
function processName(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    const words = argv.filter((a, i) => i === 0 || !a.startsWith("-")).slice(0, 3);
    return words.map((w) => basename(w)).join(" ");
  } catch {
    return `pid ${pid}`;
  }
}

/** Watches a process tree: the peak of its summed RSS and each process's own peak. */
class TreeSampler {
  peakKb = 0;
  private readonly perProcess = new Map<number, { name: string; peakKb: number }>();

  constructor(private readonly root: number) {}

  sample(): void {
    let total = 0;
    const pending = [this.root];
    const seen = new Set<number>();
    while (pending.length) {
      const pid = pending.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const kb = rssKb(pid);
      total += kb;
      let entry = this.perProcess.get(pid);
      if (!entry) {
        entry = { name: processName(pid), peakKb: 0 };
        this.perProcess.set(pid, entry);
      }
      entry.peakKb = Math.max(entry.peakKb, kb);
      pending.push(...childrenOf(pid));
    }
    this.peakKb = Math.max(this.peakKb, total);
  }

  /** The processes with the largest peaks (bytes). */
  largest(n = 3): Array<{ name: string; peak: number }> {
    return [...this.perProcess.values()]
      .sort((a, b) => b.peakKb - a.peakKb)
      .slice(0, n)
      .map((p) => ({ name: p.name, peak: p.peakKb * 1024 }));
  }
}

export async function measureStep<T>(
  step: StepName,
  args: unknown,
  options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv },
): Promise<Measured<T>> {
  const log = openSync(options.logFile, "a");
  const loadBefore = loadavg()[0]!;
  try {
    const child = fork(CHILD, [step, JSON.stringify(args)], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", log, log, "ipc"],
    });
    const sampler = new TreeSampler(child.pid ?? 0);
    const sample = () => {
      if (child.pid) sampler.sample();
    };
    const timer = setInterval(sample, 100);
    let message: { ok: boolean; result?: T; error?: string; maxRssKb: number; cpuMs: number } | undefined;
    child.on("message", (m) => {
      sample();
      message = m as typeof message;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (exitCode) => resolve(exitCode));
    });
    clearInterval(timer);
    const load = [loadBefore, loadavg()[0]!] as const;
    if (!message) {
      return {
        ok: false,
        error: `step ${step} exited with code ${code} without a result`,
        childMaxRss: 0,
        cpuMs: 0,
        load,
        treePeakRss: sampler.peakKb * 1024,
        largestProcesses: sampler.largest(),
      };
    }
    return {
      ok: message.ok,
      ...(message.result !== undefined ? { result: message.result } : {}),
      ...(message.error !== undefined ? { error: message.error } : {}),
      childMaxRss: message.maxRssKb * 1024,
      cpuMs: message.cpuMs,
      load,
      treePeakRss: Math.max(sampler.peakKb, message.maxRssKb) * 1024,
      largestProcesses: sampler.largest(),
    };
  } finally {
    closeSync(log);
  }
}
