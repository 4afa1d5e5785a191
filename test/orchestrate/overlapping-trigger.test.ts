// A scheduled trigger that fires while another process refreshes (a manual `npm run refresh`) is skipped and logged
// with the holder, not reported as a failure, and no alarm goes to the webhook.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../pipelines/shared/config.js";
import { runRefreshJob } from "../../pipelines/orchestrate/refresh-job.js";
import { lockPath } from "../../pipelines/orchestrate/refresh-lock.js";
import { startScheduler } from "../../pipelines/orchestrate/scheduler.js";
import { tempDir } from "../helpers/temp-dir.js";
import { REPO_ROOT } from "../support/paths.js";

/** Another process holding the refresh lock of `dataDir` (as a manual refresh would) until killed. */
async function holdLock(dataDir: string): Promise<{ child: ChildProcess; startedAt: string }> {
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      `import("${join(REPO_ROOT, "pipelines/orchestrate/refresh-lock.ts")}").then((m) => { m.acquireRefreshLock(${JSON.stringify(dataDir)}, "manual-run"); console.log("locked"); setInterval(() => {}, 1000); })`,
    ],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
    child.on("exit", (code) => reject(new Error(`the process holding the lock exited early (${code})`)));
  });
  const holder = JSON.parse(readFileSync(lockPath(dataDir), "utf8")) as { pid: number; startedAt: string };
  expect(holder.pid).toBe(child.pid);
  return { child, startedAt: holder.startedAt };
}

describe("a trigger while another refresh holds the lock", () => {
  const dir = tempDir();
  const dataDir = join(dir, "data");
  const received: string[] = [];
  let webhook: Server;
  let url = "";
  let holder: { child: ChildProcess; startedAt: string };

  beforeAll(async () => {
    webhook = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    const address = webhook.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hook`;
    holder = await holdLock(dataDir);
  });

  afterAll(async () => {
    holder?.child.kill("SIGKILL");
    await new Promise<void>((resolve) => webhook.close(() => resolve()));
  });

  const config = () =>
    configSchema.parse({
      data_dir: dataDir,
      // A source that would fail if the refresh ran: it must not run at all.
      sources: { partner_files: { drop_dir: join(dir, "no-such-folder") } },
      notify: { webhook_url: url },
    });
  /** `a refresh is already running (pid N, started T)`, as a pattern. */
  const alreadyRunning = () =>
    `a refresh is already running \\(pid ${holder.child.pid}, started ${holder.startedAt.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)`;

  it("the refresh job reports a skip, not a failure, and sends no failure notice", async () => {
    const log: string[] = [];
    const outcome = await runRefreshJob({
      projectRoot: REPO_ROOT,
      config: config(),
      log: (l) => log.push(l),
      reports: false,
      retries: 2,
      retryDelayMs: 1,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts).toBe(1);
    expect(outcome.skipped).toMatch(new RegExp(`^${alreadyRunning()}$`));
    expect(log.join("\n")).not.toMatch(/failure notice/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toEqual([]);
  });

  it("the scheduler logs the skip with the holder's pid and start time, never FAILED", async () => {
    const log: string[] = [];
    const scheduler = startScheduler({
      cron: "0 2 * * *",
      timezone: "Asia/Shanghai",
      log: (l) => log.push(l),
      job: () => runRefreshJob({ projectRoot: REPO_ROOT, config: config(), log: (l) => log.push(l), reports: false }),
    });
    try {
      await scheduler.task.execute(); // what `npm run schedule -- --now` does
    } finally {
      await scheduler.stop();
    }
    expect(log).toContainEqual(expect.stringMatching(new RegExp(`scheduled refresh skipped: ${alreadyRunning()}$`)));
    expect(log.join("\n")).not.toMatch(/FAILED|failure notice/);
    expect(received).toEqual([]);
  });

  it("`npm run schedule -- --now` says so, sends nothing to the webhook, and exits 0 when stopped", async () => {
    const configFile = join(dir, "company.yaml");
    writeFileSync(
      configFile,
      [
        `data_dir: ${dataDir}`,
        "sources:",
        `  partner_files: { drop_dir: ${join(dir, "no-such-folder")} }`,
        "notify:",
        `  webhook_url: ${url}`,
        "",
      ].join("\n"),
    );
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "pipelines", "cli.ts"), "schedule", "--now", "--config", configFile],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no skip line within 60 s:\n${stdout}\n${stderr}`)), 60_000);
      child.stdout!.on("data", (d: Buffer) => {
        stdout += d.toString();
        if (/scheduled refresh (skipped|succeeded|FAILED)/.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // cli.ts installs its SIGTERM handler once the --now run has returned, just after the line above is printed.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    child.kill("SIGTERM");
    expect(await exited, stderr).toBe(0);
    expect(stdout).toMatch(new RegExp(`scheduled refresh skipped: ${alreadyRunning()}`));
    expect(stdout + stderr).not.toMatch(/FAILED|failure notice|error:/);
    expect(received).toEqual([]);
  });
});
