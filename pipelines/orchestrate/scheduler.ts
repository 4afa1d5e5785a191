/**
 * The nightly scheduler: a long-running process that runs the refresh job on the configured cron
 * expression and timezone. A trigger that fires while a refresh still runs is skipped and logged:
 * one of this scheduler's (seen here), or another process's, such as a manual `npm run refresh`
 * (the job finds the refresh lock taken and says who holds it).
 */
import cron, { type ScheduledTask } from "node-cron";

/** What a run of the job reports (RefreshJobOutcome has these and more). */
export interface ScheduledJobOutcome {
  readonly ok: boolean;
  /** Why the job did not run (another refresh holds the lock); not a failure. */
  readonly skipped?: string;
  readonly error?: unknown;
  /** `source.stream: message` per stream that failed to load. */
  readonly failedSources?: readonly string[];
}

export interface SchedulerOptions {
  readonly cron: string;
  readonly timezone: string;
  readonly job: () => Promise<ScheduledJobOutcome>;
  readonly log: (line: string) => void;
}

/** The log line's ending for a finished job: `succeeded`, `skipped: <why>` or `FAILED: <why>`. */
function describeOutcome(outcome: ScheduledJobOutcome): string {
  if (outcome.skipped) return `skipped: ${outcome.skipped}`;
  if (outcome.ok) return "succeeded";
  if (outcome.error !== undefined) {
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    return `FAILED: ${message.split("\n")[0]}`;
  }
  const streams = (outcome.failedSources ?? []).map((f) => f.split(":")[0]);
  return streams.length
    ? `FAILED: ${streams.length} source stream(s) failed to load (${streams.join(", ")}); see npm run status`
    : "FAILED";
}

export interface Scheduler {
  readonly task: ScheduledTask;
  nextRun(): Date | null;
  stop(): Promise<void>;
}

/** Starts the schedule; the returned scheduler runs until stopped. */
export function startScheduler(options: SchedulerOptions): Scheduler {
  let running: Promise<unknown> | undefined;
  const task = cron.schedule(
    options.cron,
    async () => {
      if (running) {
        options.log(`${new Date().toISOString()} scheduled refresh skipped: the previous one is still running`);
        return;
      }
      options.log(`${new Date().toISOString()} scheduled refresh starting`);
      running = options.job().then(
        (outcome) => options.log(`${new Date().toISOString()} scheduled refresh ${describeOutcome(outcome)}`),
        (error: unknown) => options.log(`${new Date().toISOString()} scheduled refresh FAILED: ${String(error)}`),
      );
      try {
        await running;
      } finally {
        running = undefined;
      }
    },
    { timezone: options.timezone, name: "warehouse-refresh" },
  );
  return {
    task,
    nextRun: () => task.getNextRun(),
    async stop() {
      await task.stop();
      await task.destroy();
      await running;
    },
  };
}
