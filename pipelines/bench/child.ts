/**
 * Entry point of one measured step, run by measure.ts in a child process:
 * `node --import tsx pipelines/bench/child.ts <step> <json args>`. Sends `{ ok, result, maxRssKb }` back over IPC.
 */
import { STEPS, type StepName } from "./steps.js";

async function main(): Promise<void> {
  const [step, json] = process.argv.slice(2);
  if (!step || !(step in STEPS)) throw new Error(`unknown bench step ${step ?? "(none)"}`);
  const run = STEPS[step as StepName] as (args: unknown) => Promise<unknown>;
  let message: { ok: boolean; result?: unknown; error?: string; maxRssKb: number };
  try {
    const result = await run(JSON.parse(json ?? "{}"));
    message = { ok: true, result, maxRssKb: process.resourceUsage().maxRSS };
  } catch (error) {
    console.error(error);
    const text = error instanceof Error ? error.message : String(error);
    message = { ok: false, error: text.split("\n")[0], maxRssKb: process.resourceUsage().maxRSS };
  }
  await new Promise<void>((resolve) =>
    process.send ? process.send(message, undefined, undefined, () => resolve()) : resolve(),
  );
  process.exit(0);
}

void main();
