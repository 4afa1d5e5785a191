import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../pipelines/shared/config.js";
import { ModelTestFailedError } from "../../pipelines/transform/build-warehouse.js";
import { postWebhook } from "../../pipelines/orchestrate/notify.js";
import { runRefreshJob } from "../../pipelines/orchestrate/refresh-job.js";
import { acquireRefreshLock, lockPath, RefreshLockedError } from "../../pipelines/orchestrate/refresh-lock.js";
import { withRetries } from "../../pipelines/orchestrate/retry.js";
import { startScheduler } from "../../pipelines/orchestrate/scheduler.js";
import { formatStatus, readStatus } from "../../pipelines/orchestrate/status.js";
import { freePort } from "../helpers/postgres-server.js";
import { tempDir } from "../helpers/temp-dir.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { REPO_ROOT } from "../support/paths.js";

describe("the refresh lock", () => {
  const dir = tempDir();

  it("refuses a second refresh while the first holds the lock, naming the holder", () => {
    const release = acquireRefreshLock(dir, "run-a");
    try {
      expect(() => acquireRefreshLock(dir, "run-b")).toThrow(RefreshLockedError);
      expect(() => acquireRefreshLock(dir, "run-b")).toThrow(new RegExp(`pid ${process.pid}`));
    } finally {
      release();
    }
    expect(existsSync(lockPath(dir))).toBe(false);
  });

  it("detects a stale lock left by a dead process and clears it", async () => {
    // A real process that takes the lock and is then killed with SIGKILL (it cannot clean up).
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `import("${join(REPO_ROOT, "pipelines/orchestrate/refresh-lock.ts")}").then((m) => { m.acquireRefreshLock(${JSON.stringify(dir)}, "doomed"); console.log("locked"); setInterval(() => {}, 1000); })`,
      ],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) =>
      child.stdout.on("data", (d: Buffer) => d.toString().includes("locked") && resolve()),
    );
    expect(JSON.parse(readFileSync(lockPath(dir), "utf8")).pid).toBe(child.pid);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.on("exit", resolve));
    const log: string[] = [];
    const release = acquireRefreshLock(dir, "run-c", (line) => log.push(line));
    expect(log.join("\n")).toMatch(new RegExp(`clearing a stale refresh lock left by pid ${child.pid}`));
    release();
  });
});

describe("retries", () => {
  it("retries a failure that may pass with doubling waits, but not one the same data would repeat", async () => {
    const waits: number[] = [];
    let calls = 0;
    const flaky = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw new Error("connect ECONNREFUSED");
        return true;
      },
      { retries: 3, delayMs: 100, log: () => undefined, sleep: async (ms) => void waits.push(ms) },
    );
    expect(flaky).toMatchObject({ ok: true, attempts: 3 });
    expect(waits).toEqual([100, 200]);

    let permanentCalls = 0;
    const permanent = await withRetries(
      async () => {
        permanentCalls++;
        throw new ModelTestFailedError([]);
      },
      { retries: 3, delayMs: 100, log: () => undefined, sleep: async () => undefined },
    );
    expect(permanent.ok).toBe(false);
    expect(permanentCalls).toBe(1);
  });
});

describe("failure notice", () => {
  it("a refresh that fails after its retries posts a short JSON message to the webhook", async () => {
    const received: unknown[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hook`;
    try {
      const dir = tempDir();
      // The order system is down (nothing listens on its port): the source fails, every attempt.
      process.env["TEST_DEAD_ORDER_SYSTEM"] = `postgres://reader:pw@127.0.0.1:${await freePort()}/erp`;
      const config = configSchema.parse({
        data_dir: join(dir, "data"),
        sources: { order_system: { connection_string_env: "TEST_DEAD_ORDER_SYSTEM" } },
        notify: { webhook_url: url },
      });
      const log: string[] = [];
      const outcome = await runRefreshJob({
        projectRoot: REPO_ROOT,
        config,
        log: (l) => log.push(l),
        reports: false,
        retries: 1,
        retryDelayMs: 1,
      });
      expect(outcome.ok).toBe(false);
      expect(outcome.attempts).toBe(2);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        event: "refresh_failed",
        run_id: outcome.runIds[1],
        attempts: 2,
        error: "some sources failed to load",
        failed_sources: expect.arrayContaining(["order_system.orders"]),
      });
      expect(log.join("\n")).toContain("failure notice sent to the webhook");

      // The run history says what happened, and status reports the source as stale.
      const status = await readStatus(join(dir, "data", "raw.duckdb"), config);
      expect(status.runs.map((r) => r.status)).toEqual(["failed", "failed"]);
      const text = formatStatus(status).join("\n");
      expect(text).toMatch(
        /order_system\s+never loaded\s+STALE: the last attempt failed \(Order system .* could not be reached/,
      );

      // The published warehouse says the same to the reports (their freshness banner reads this mart).
      const flagged = await withDatabase(
        join(dir, "data", "warehouse.duckdb"),
        (c) =>
          queryRows<{ source: string; is_stale: boolean; is_overdue: boolean; max_age_hours: number }>(
            c,
            "select distinct source, is_stale, is_overdue, max_age_hours from marts.source_freshness",
          ),
        { readOnly: true },
      );
      expect(flagged).toEqual([{ source: "order_system", is_stale: true, is_overdue: true, max_age_hours: 36 }]);
    } finally {
      server.close();
    }
  });

  it("a webhook that is down is reported, not thrown", async () => {
    const result = await postWebhook("http://127.0.0.1:9/none", {
      event: "refresh_failed",
      run_id: "r",
      finished_at: "",
      attempts: 1,
      error: "x",
      failed_sources: [],
    });
    expect(result.ok).toBe(false);
  });
});

describe("the scheduler", () => {
  it("runs the job on its cron expression and skips a trigger that fires while the job still runs", async () => {
    const log: string[] = [];
    let runs = 0;
    const scheduler = startScheduler({
      cron: "* * * * * *", // every second
      timezone: "Asia/Shanghai",
      log: (l) => log.push(l),
      job: async () => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 2_500)); // longer than the interval
        return { ok: true };
      },
    });
    expect(scheduler.nextRun()).toBeInstanceOf(Date);
    await new Promise((resolve) => setTimeout(resolve, 4_200));
    await scheduler.stop();
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(2);
    expect(log.filter((l) => l.includes("skipped: the previous one is still running")).length).toBeGreaterThanOrEqual(
      1,
    );
    expect(log.some((l) => l.includes("scheduled refresh succeeded"))).toBe(true);
  });

  it("a bad cron expression or timezone in the config is a clear error", () => {
    const parsed = configSchema.safeParse({ schedule: { cron: "every night", timezone: "Mars/Olympus" } });
    expect(parsed.success).toBe(false);
    const messages = parsed.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
    expect(messages).toMatch(/schedule\.cron: not a valid cron expression/);
    expect(messages).toMatch(/schedule\.timezone: not a known IANA timezone/);
  });
});
