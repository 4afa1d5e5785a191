/**
 * Entry point of one measured step, run by measure.ts in a child process:
 * `node --import tsx pipelines/dev-tools/bench/child.ts <step> <json args>`. Sends `{ ok, result, maxRssKb, cpuMs }` back over IPC.
 */
import { limitDuckDBMemory, STEPS, type StepName } from "./steps.js";

async function main(): Promise<void> {
  const [step, json] = process.argv.slice(2);
  if (!step || !(step in STEPS)) throw new Error(`unknown bench step ${step ?? "(none)"}`);
  const run = STEPS[step as StepName] as (args: unknown) => Promise<unknown>;
  const memoryLimit = process.env["BENCH_DUCKDB_MEMORY_LIMIT"];
  if (memoryLimit) limitDuckDBMemory(memoryLimit);
  let message: { ok: boolean; result?: unknown; error?: string; maxRssKb: number; cpuMs: number };
  // CPU time of this process (all its threads, DuckDB's included) over the step: far less sensitive than the
  // wall clock to other work on a shared machine. Processes the step starts (Evidence) are not in it.
  const cpu = () => {
    const usage = process.resourceUsage();
    return (usage.userCPUTime + usage.systemCPUTime) / 1000;
  };
  const cpuBefore = cpu();
  try {
    const result = await run(JSON.parse(json ?? "{}"));
    message = { ok: true, result, maxRssKb: process.resourceUsage().maxRSS, cpuMs: cpu() - cpuBefore };
  } catch (error) {
    console.error(error);
    const text = error instanceof Error ? error.message : String(error);
    message = {
      ok: false,
      error: text.split("\n")[0],
      maxRssKb: process.resourceUsage().maxRSS,
      cpuMs: cpu() - cpuBefore,
    };
  }
  await new Promise<void>((resolve) =>
    process.send ? process.send(message, undefined, undefined, () => resolve()) : resolve(),
  );
  process.exit(0);
}

void main();
