/**
 * Retrying a refresh that failed for a reason that may pass (a source down, a network error, a
 * locked file), with growing waits. Failures that the same data would repeat — a broken model, a
 * failing model test, a bad config — are not retried.
 */
import { PermanentError } from "../shared/errors.js";

/** True for failures a retry cannot fix (each stage marks them by extending PermanentError). */
export function isPermanent(error: unknown): boolean {
  return error instanceof PermanentError;
}

export interface RetryOptions {
  readonly retries: number;
  /** Wait before the first retry; doubles each time. */
  readonly delayMs: number;
  readonly log: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `attempt` until it succeeds (returns true), fails permanently, or the retries run out.
 * Returns the last outcome: true, false (finished with failed sources) or the thrown error.
 */
export async function withRetries(
  attempt: () => Promise<boolean>,
  options: RetryOptions,
): Promise<{ ok: boolean; error?: unknown; attempts: number }> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let tries = 0; ; tries++) {
    let error: unknown;
    let ok = false;
    try {
      ok = await attempt();
    } catch (thrown) {
      error = thrown;
    }
    if (ok) return { ok, attempts: tries + 1 };
    const permanent = error !== undefined && isPermanent(error);
    if (permanent || tries >= options.retries) return { ok: false, error, attempts: tries + 1 };
    const wait = options.delayMs * 2 ** tries;
    options.log(
      `attempt ${tries + 1} failed (${error instanceof Error ? error.message.split("\n")[0] : "some sources failed"}); retrying in ${Math.round(wait / 1000)} s`,
    );
    await sleep(wait);
  }
}
