/**
 * The nightly scheduler: a long-running process that runs the refresh job on the configured cron
 * expression and timezone. A trigger that fires while a refresh still runs is skipped and logged
 * (and the refresh lock refuses a second process too).
 */
import cron, { type ScheduledTask } from "node-cron";

export interface SchedulerOptions {
  readonly cron: string;
  readonly timezone: string;
  readonly job: () => Promise<{ ok: boolean }>;
  readonly log: (line: string) => void;
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
        (outcome) =>
          options.log(`${new Date().toISOString()} scheduled refresh ${outcome.ok ? "succeeded" : "FAILED"}`),
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
