/**
 * The refresh as an unattended job: one at a time (the refresh lock), retried when the failure may
 * pass, and — when it still fails — a short JSON message to the configured webhook. `npm run
 * refresh` and the nightly scheduler both run it. A job that finds another refresh running (a
 * manual one while the nightly trigger fires) is skipped: nothing failed, so nobody is alerted. A refresh that
 * succeeds posts the executive brief to the configured WeCom/DingTalk group robots, if any (brief-robots.ts).
 */
import { webhookUrl, type WarehouseConfig } from "../shared/config.js";
import { diskFullError, isDiskFull, refresh, runContext, type RefreshOptions } from "./refresh.js";
import { postWebhook } from "./notify.js";
import { sendBriefToRobots } from "./brief-robots.js";
import { describeHolder, RefreshLockedError, withRefreshLock } from "./refresh-lock.js";
import { withRetries } from "./retry.js";

export interface RefreshJobOptions extends RefreshOptions {
  readonly projectRoot: string;
  readonly config: WarehouseConfig;
  readonly log: (line: string) => void;
  readonly fullRefresh?: boolean;
  /** Retries after a failure that may pass (default: none). */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RefreshJobOutcome {
  readonly ok: boolean;
  readonly attempts: number;
  readonly runIds: string[];
  readonly error?: unknown;
  readonly failedSources: string[];
  /**
   * Set when the refresh did not run because another one holds the refresh lock, saying which:
   * `a refresh is already running (pid 4242, started ...)`. `error` is then the RefreshLockedError.
   */
  readonly skipped?: string;
}

/** Runs the refresh with the lock, retries and failure notice; never throws. */
export async function runRefreshJob(options: RefreshJobOptions): Promise<RefreshJobOutcome> {
  const runIds: string[] = [];
  let failedSources: string[] = [];
  const result = await withRetries(
    async () => {
      const ctx = {
        ...runContext(options.projectRoot, options.config, options.log),
        fullRefresh: options.fullRefresh ?? false,
      };
      runIds.push(ctx.runId);
      try {
        return await withRefreshLock(ctx.paths.dataDir, ctx.runId, options.log, async () => {
          const outcome = await refresh(ctx, {
            ...(options.reports === undefined ? {} : { reports: options.reports }),
            ...(options.check === undefined ? {} : { check: options.check }),
          });
          failedSources = outcome.failedStreams.map((f) => `${f.source}.${f.stream}: ${f.error}`);
          // Published and every source loaded: the brief goes to the configured group robots (never throws).
          if (outcome.ok) await sendBriefToRobots(ctx);
          return outcome.ok;
        });
      } catch (error) {
        // The steps say so themselves; a disk too full to take even the lock file or the run's first record is
        // reported the same way, not as Node's bare `ENOSPC: no space left on device, write`.
        throw isDiskFull(ctx.paths, error) ? diskFullError(ctx.paths, "start", error) : error;
      }
    },
    {
      retries: options.retries ?? 0,
      delayMs: options.retryDelayMs ?? 60_000,
      log: options.log,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    },
  );
  if (result.error instanceof RefreshLockedError) {
    return {
      ok: false,
      attempts: result.attempts,
      runIds,
      error: result.error,
      failedSources,
      skipped: `a refresh is already running (${describeHolder(result.error.holder)})`,
    };
  }
  if (!result.ok) {
    const url = (() => {
      try {
        return webhookUrl(options.config);
      } catch (error) {
        options.log(`cannot notify: ${(error as Error).message}`);
        return undefined;
      }
    })();
    if (url) {
      const error =
        result.error instanceof Error
          ? result.error.message
          : result.error
            ? String(result.error)
            : "some sources failed to load";
      const sent = await postWebhook(url, {
        event: "refresh_failed",
        run_id: runIds.at(-1) ?? "",
        finished_at: new Date().toISOString(),
        attempts: result.attempts,
        error: error.split("\n")[0]!.slice(0, 500),
        failed_sources: failedSources.map((f) => f.split(":")[0]!),
      });
      options.log(sent.ok ? "failure notice sent to the webhook" : `failure notice could not be sent (${sent.detail})`);
    }
  }
  return {
    ok: result.ok,
    attempts: result.attempts,
    runIds,
    ...(result.error !== undefined ? { error: result.error } : {}),
    failedSources,
  };
}
