// The executive brief posted to WeCom (企业微信) and DingTalk (钉钉) group robots after a successful refresh: the
// message (findings, all clear, WeCom's 4096-byte cap), the two robots' request bodies and DingTalk's signature,
// robot failures as warnings without the key or secret, the config's errors naming the variable, and the refresh job
// calling the robots after a successful publish only. Robots are a local HTTP server on 127.0.0.1; the refresh itself
// is replaced by a stub, so no warehouse is built.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  buildBriefMessage,
  MAX_MESSAGE_BYTES,
  postToRobot,
  readBrief,
  resolveBriefRobot,
  sendBriefToRobots,
  type Brief,
  type BriefFinding,
} from "../../pipelines/orchestrate/brief-robots.js";
import { runRefreshJob } from "../../pipelines/orchestrate/refresh-job.js";
import { configSchema, ConfigError, loadConfig, type WarehouseConfig } from "../../pipelines/shared/config.js";
import { PermanentError } from "../../pipelines/shared/errors.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { tempDir } from "../helpers/temp-dir.js";

const refreshStub = vi.hoisted(() => vi.fn());
vi.mock("../../pipelines/orchestrate/refresh.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../pipelines/orchestrate/refresh.js")>()),
  refresh: refreshStub,
}));

const WECOM_KEY = "693a91f6-7f00-4bc4-97a0-0ec2b1fa5aaa";
const DING_TOKEN = "0c7d5f0e9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5";
const DING_SECRET = "SECd1ng-test-secret-42";
const FIXED_TIMESTAMP = 1767225600000;
// Computed apart from the product, with Python's hmac/base64/urllib:
// quote_plus(b64encode(hmac.new(secret, f"{ts}\n{secret}", sha256).digest()))
const EXPECTED_SIGN = "Y/AHK8aks6v6wANVYMiZYOXA6O6HKbPTFLFV0cOFKsg=";

const finding = (overrides: Partial<BriefFinding> & Pick<BriefFinding, "finding" | "title_zh">): BriefFinding => ({
  items: 0,
  amount: null,
  detail: null,
  link: null,
  needs_action: false,
  ...overrides,
});

/** The brief of a company with findings (three need action) and of an all-clear one, as the model shapes them. */
const FINDINGS: Brief = {
  asOfDate: "2026-11-30",
  findings: [
    finding({
      finding: "loss_making_channels",
      title_zh: "渠道亏损",
      items: 1,
      amount: -123456.78,
      detail: "直播电商",
      link: "/channels/profitability",
      needs_action: true,
    }),
    finding({ finding: "cross_territory_selling", title_zh: "窜货（跨区域销售）", link: "/channels/conflict" }),
    finding({
      finding: "below_floor_price",
      title_zh: "低于最低限价销售",
      items: 2,
      amount: 45000,
      detail: "华东[一级]经销商、*星*商贸",
      link: "/channels/conflict",
      needs_action: true,
    }),
    finding({
      finding: "stale_sources",
      title_zh: "数据源未按时更新",
      items: 1,
      detail: "partner_files",
      link: null,
      needs_action: true,
    }),
  ],
};
const ALL_CLEAR: Brief = {
  asOfDate: "2026-11-30",
  findings: FINDINGS.findings.map((f) => ({ ...f, items: 0, amount: null, detail: null, needs_action: false })),
};

/** A published warehouse holding only the two tables the robots read. */
async function tinyWarehouse(path: string, brief: Brief): Promise<void> {
  await withDatabase(path, async (c) => {
    await c.run(`
      create schema if not exists reporting;
      create schema if not exists marts;
      create or replace table reporting.executive_brief (
        finding_order integer, finding varchar, title_zh varchar, title_en varchar, items bigint,
        amount decimal(18, 2), detail_zh varchar, link varchar, needs_action boolean);
      create or replace table marts.warehouse_status (as_of_date date, refreshed_at timestamp, run_id varchar);`);
    for (const [index, f] of brief.findings.entries()) {
      await c.run("insert into reporting.executive_brief values ($1, $2, $3, $4, $5, $6, $7, $8, $9)", [
        index + 1,
        f.finding,
        f.title_zh,
        f.finding,
        f.items,
        f.amount === null ? null : String(f.amount),
        f.detail,
        f.link,
        f.needs_action,
      ] as never);
    }
    await c.run("insert into marts.warehouse_status values ($1::date, now(), 'r1')", [brief.asOfDate] as never);
  });
}

interface Received {
  readonly url: string;
  readonly body: unknown;
}

/** A robot on 127.0.0.1 answering what `answer` says; records what it got. */
function robotServer(): {
  received: Received[];
  answer: { status: number; body: string } | "hang";
  url: (path: string) => string;
  start: () => Promise<void>;
  stop: () => Promise<void>;
} {
  let server: Server;
  let port = 0;
  const state = {
    received: [] as Received[],
    answer: { status: 200, body: '{"errcode":0,"errmsg":"ok"}' } as { status: number; body: string } | "hang",
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    start: async () => {
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        req.on("end", () => {
          state.received.push({ url: req.url ?? "", body: JSON.parse(body) });
          if (state.answer === "hang") return;
          // `{url}` in the answer: a robot quoting the address it was called at (key, token, signature and all).
          const answer = state.answer.body.replaceAll("{url}", req.url ?? "");
          res.writeHead(state.answer.status, { "content-type": "application/json" }).end(answer);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      port = typeof address === "object" && address ? address.port : 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return state;
}

const robot = robotServer();
beforeAll(() => robot.start());
afterAll(() => robot.stop());
beforeEach(() => {
  robot.received.length = 0;
  robot.answer = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
});

function configWith(notify: Record<string, unknown>, dataDir = "data"): WarehouseConfig {
  return configSchema.parse({ data_dir: dataDir, notify });
}

describe("the message", () => {
  it("a brief with findings: heading with the as-of date, one linked line per finding that needs action", () => {
    const { title, markdown } = buildBriefMessage(FINDINGS, {
      kind: "wecom",
      siteUrl: "https://reports.example.com/",
    });
    expect(title).toBe("经营简报 2026-11-30：需要关注 3 项");
    expect(markdown.split("\n")).toEqual([
      "# 经营简报 · 数据截至 2026-11-30",
      '**需要关注 <font color="warning">3</font> 项**',
      "[渠道亏损](https://reports.example.com/channels/profitability)：1 项 · -¥12.3万 · 直播电商",
      // Markdown syntax in a name is shown as its full-width form, never read as markup.
      "[低于最低限价销售](https://reports.example.com/channels/conflict)：2 项 · ¥4.5万 · 华东［一级］经销商、＊星＊商贸",
      "**数据源未按时更新**：1 项 · partner_files",
      "[打开经营简报](https://reports.example.com/)",
    ]);
    expect(markdown).not.toContain("窜货");
  });

  it("DingTalk's form: a list, paragraphs apart; without site_url no link at all", () => {
    const { markdown } = buildBriefMessage(FINDINGS, { kind: "dingtalk" });
    expect(markdown).toBe(
      [
        "### 经营简报 · 数据截至 2026-11-30",
        "",
        "**需要关注 3 项**",
        "",
        "- **渠道亏损**：1 项 · -¥12.3万 · 直播电商",
        "- **低于最低限价销售**：2 项 · ¥4.5万 · 华东［一级］经销商、＊星＊商贸",
        "- **数据源未按时更新**：1 项 · partner_files",
      ].join("\n"),
    );
    expect(markdown).not.toMatch(/\]\(|https?:/);
  });

  it("an all-clear brief says 一切正常", () => {
    const wecom = buildBriefMessage(ALL_CLEAR, { kind: "wecom", siteUrl: "https://reports.example.com" });
    expect(wecom.title).toBe("经营简报 2026-11-30：一切正常");
    expect(wecom.markdown).toBe(
      [
        "# 经营简报 · 数据截至 2026-11-30",
        '<font color="info">**一切正常**</font>',
        "没有需要关注的事项。",
        "[打开经营简报](https://reports.example.com/)",
      ].join("\n"),
    );
    expect(buildBriefMessage(ALL_CLEAR, { kind: "dingtalk" }).markdown).toContain("**一切正常**");
  });

  it("stays within WeCom's 4096 bytes with many findings, saying how many were left off", () => {
    const many: Brief = {
      asOfDate: "2026-11-30",
      findings: Array.from({ length: 200 }, (_, i) =>
        finding({
          finding: `f${i}`,
          title_zh: `发现第${i + 1}项`,
          items: i + 1,
          amount: 10000 * i,
          detail: "经销商名称".repeat(16),
          link: `/channels/page-${i}`,
          needs_action: true,
        }),
      ),
    };
    for (const kind of ["wecom", "dingtalk"] as const) {
      const { markdown } = buildBriefMessage(many, { kind, siteUrl: "https://reports.example.com" });
      expect(Buffer.byteLength(markdown, "utf8")).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      const shown = markdown.split("\n").filter((line) => line.includes("发现第")).length;
      expect(shown).toBeGreaterThan(3);
      expect(markdown).toContain(`… 另有 ${200 - shown} 项`);
      expect(markdown).toContain("[打开经营简报](https://reports.example.com/)");
    }
  });

  it("is read from the published warehouse's executive_brief and warehouse_status", async () => {
    const path = join(tempDir(), "warehouse.duckdb");
    await tinyWarehouse(path, FINDINGS);
    const brief = await readBrief(path);
    expect(brief.asOfDate).toBe("2026-11-30");
    expect(brief.findings.map((f) => [f.finding, f.items, f.amount, f.needs_action])).toEqual([
      ["loss_making_channels", 1, -123456.78, true],
      ["cross_territory_selling", 0, null, false],
      ["below_floor_price", 2, 45000, true],
      ["stale_sources", 1, null, true],
    ]);
    expect(buildBriefMessage(brief, { kind: "wecom" })).toEqual(buildBriefMessage(FINDINGS, { kind: "wecom" }));
  });
});

describe("posting to the robots", () => {
  const message = buildBriefMessage(FINDINGS, { kind: "wecom", siteUrl: "https://reports.example.com" });

  it("WeCom: the markdown message as its group robot takes it", async () => {
    const url = robot.url(`/cgi-bin/webhook/send?key=${WECOM_KEY}`);
    const result = await postToRobot({ kind: "wecom", label: "r", url }, message);
    expect(result).toEqual({ ok: true, detail: "errcode 0" });
    expect(robot.received).toEqual([
      {
        url: `/cgi-bin/webhook/send?key=${WECOM_KEY}`,
        body: { msgtype: "markdown", markdown: { content: message.markdown } },
      },
    ]);
  });

  it("DingTalk: title and text, and the URL signed with the timestamp and HmacSHA256 of the secret", async () => {
    const dingMessage = buildBriefMessage(FINDINGS, { kind: "dingtalk" });
    const url = robot.url(`/robot/send?access_token=${DING_TOKEN}`);
    const result = await postToRobot({ kind: "dingtalk", label: "r", url, secret: DING_SECRET }, dingMessage, {
      now: () => FIXED_TIMESTAMP,
    });
    expect(result.ok).toBe(true);
    const [got] = robot.received;
    expect(got!.body).toEqual({
      msgtype: "markdown",
      markdown: { title: "经营简报 2026-11-30：需要关注 3 项", text: dingMessage.markdown },
    });
    const query = new URL(got!.url, "http://x").searchParams;
    expect(query.get("access_token")).toBe(DING_TOKEN);
    expect(query.get("timestamp")).toBe(String(FIXED_TIMESTAMP));
    expect(query.get("sign")).toBe(EXPECTED_SIGN);
    expect(got!.url).toContain(`&sign=${encodeURIComponent(EXPECTED_SIGN)}`);
  });

  it("DingTalk without a secret: the URL as configured", async () => {
    const url = robot.url(`/robot/send?access_token=${DING_TOKEN}`);
    await postToRobot({ kind: "dingtalk", label: "r", url }, message);
    expect(robot.received[0]!.url).toBe(`/robot/send?access_token=${DING_TOKEN}`);
  });

  it("a robot that does not answer in time is reported, not waited for", async () => {
    robot.answer = "hang";
    const result = await postToRobot({ kind: "wecom", label: "r", url: robot.url(`/send?key=${WECOM_KEY}`) }, message, {
      timeoutMs: 200,
    });
    expect(result).toEqual({ ok: false, detail: "no answer within 0.2 s" });
  });
});

describe("after a refresh", () => {
  const dir = tempDir();
  const dataDir = join(dir, "data");
  const paths = { publishedWarehouse: join(dataDir, "warehouse.duckdb"), rawDatabase: join(dataDir, "raw.duckdb") };
  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    await tinyWarehouse(paths.publishedWarehouse, FINDINGS);
  });

  function robotsConfig(): WarehouseConfig {
    process.env["TEST_BRIEF_WECOM_URL"] = robot.url(`/cgi-bin/webhook/send?key=${WECOM_KEY}`);
    process.env["TEST_BRIEF_DING_URL"] = robot.url(`/robot/send?access_token=${DING_TOKEN}`);
    process.env["TEST_BRIEF_DING_SECRET"] = DING_SECRET;
    return configWith(
      {
        brief_robots: [
          { kind: "wecom", webhook_url_env: "TEST_BRIEF_WECOM_URL" },
          { kind: "dingtalk", webhook_url_env: "TEST_BRIEF_DING_URL", secret_env: "TEST_BRIEF_DING_SECRET" },
        ],
        site_url: "https://reports.example.com",
      },
      dataDir,
    );
  }

  async function runLogStep(runId: string) {
    return withDatabase(
      paths.rawDatabase,
      (c) =>
        queryRows<{ status: string; rows: number; error: string | null }>(
          c,
          "select status, rows, error from meta.run_steps where run_id = $1 and step = 'brief robots'",
          [runId],
        ),
      { readOnly: true },
    );
  }

  it("posts to every configured robot and records the step in the run log", async () => {
    const log: string[] = [];
    const outcome = await sendBriefToRobots({
      config: robotsConfig(),
      paths,
      runId: "run-ok",
      log: (l) => log.push(l),
    });
    expect(outcome).toEqual({
      sent: ["notify.brief_robots[0] (wecom)", "notify.brief_robots[1] (dingtalk)"],
      warnings: [],
    });
    expect(robot.received.map((r) => Object.keys((r.body as { markdown: object }).markdown))).toEqual([
      ["content"],
      ["title", "text"],
    ]);
    expect(JSON.stringify(robot.received[0]!.body)).toContain("https://reports.example.com/channels/profitability");
    expect(log).toEqual([
      "executive brief sent to notify.brief_robots[0] (wecom)",
      "executive brief sent to notify.brief_robots[1] (dingtalk)",
    ]);
    expect(await runLogStep("run-ok")).toEqual([{ status: "succeeded", rows: 2, error: null }]);
  });

  it("errcode != 0 and HTTP 500 are one warning line each, without the key, URL or secret", async () => {
    const secrets = [WECOM_KEY, DING_TOKEN, DING_SECRET, "127.0.0.1"];
    for (const answer of [
      { status: 200, body: '{"errcode":93000,"errmsg":"invalid webhook url {url}"}' },
      { status: 500, body: "internal error" },
    ]) {
      robot.answer = answer;
      robot.received.length = 0;
      const log: string[] = [];
      const runId = `run-${answer.status}`;
      const outcome = await sendBriefToRobots({ config: robotsConfig(), paths, runId, log: (l) => log.push(l) });
      expect(robot.received).toHaveLength(2);
      expect(outcome.sent).toEqual([]);
      expect(log).toHaveLength(2);
      expect(log[0]).toMatch(
        answer.status === 500
          ? /^⚠ executive brief not sent to notify\.brief_robots\[0\] \(wecom\): HTTP 500$/
          : /^⚠ executive brief not sent to notify\.brief_robots\[0\] \(wecom\): errcode 93000: invalid webhook url/,
      );
      const [step] = await runLogStep(runId);
      expect(step).toMatchObject({ status: "failed", rows: 0 });
      for (const text of [...log, step!.error!]) {
        for (const secret of secrets) expect(text).not.toContain(secret);
        expect(text).not.toMatch(/sign=[^*]/);
      }
    }
  });

  it("a robot that cannot be reached is a warning without its URL", async () => {
    process.env["TEST_BRIEF_DEAD_URL"] = `http://127.0.0.1:9/cgi-bin/webhook/send?key=${WECOM_KEY}`;
    const log: string[] = [];
    const outcome = await sendBriefToRobots({
      config: configWith({ brief_robots: [{ kind: "wecom", webhook_url_env: "TEST_BRIEF_DEAD_URL" }] }, dataDir),
      paths,
      runId: "run-dead",
      log: (l) => log.push(l),
    });
    expect(outcome.warnings).toHaveLength(1);
    expect(log[0]).toMatch(/^⚠ executive brief not sent to notify\.brief_robots\[0\] \(wecom\): /);
    expect(log.join("\n")).not.toContain(WECOM_KEY);
  });

  it("posts nothing, logs nothing and records nothing when no robot is configured", async () => {
    const fetchSpy = vi.fn();
    const log: string[] = [];
    const outcome = await sendBriefToRobots(
      { config: configWith({}, dataDir), paths, runId: "run-none", log: (l) => log.push(l) },
      { fetch: fetchSpy as unknown as typeof fetch },
    );
    expect(outcome).toEqual({ sent: [], warnings: [] });
    expect(
      await sendBriefToRobots({ config: configSchema.parse({}), paths, runId: "x", log: (l) => log.push(l) }),
    ).toEqual({ sent: [], warnings: [] });
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(log).toEqual([]);
    expect(await runLogStep("run-none")).toEqual([]);
  });
});

describe("the config", () => {
  it("a robot's unset environment variable is a ConfigError naming it, and a warning when posting", async () => {
    delete process.env["TEST_BRIEF_UNSET_URL"];
    const config = configWith({ brief_robots: [{ kind: "wecom", webhook_url_env: "TEST_BRIEF_UNSET_URL" }] });
    expect(() => resolveBriefRobot(config.notify!.brief_robots[0]!, 0)).toThrow(ConfigError);
    expect(() => resolveBriefRobot(config.notify!.brief_robots[0]!, 0)).toThrow(
      /notify\.brief_robots\[0\]\.webhook_url_env\) needs the environment variable TEST_BRIEF_UNSET_URL/,
    );

    process.env["TEST_BRIEF_SET_URL"] = robot.url("/robot/send?access_token=t0ken");
    delete process.env["TEST_BRIEF_UNSET_SECRET"];
    const signed = configWith({
      brief_robots: [
        { kind: "dingtalk", webhook_url_env: "TEST_BRIEF_SET_URL", secret_env: "TEST_BRIEF_UNSET_SECRET" },
      ],
    });
    expect(() => resolveBriefRobot(signed.notify!.brief_robots[0]!, 0)).toThrow(/TEST_BRIEF_UNSET_SECRET/);

    process.env["TEST_BRIEF_NOT_A_URL"] = "not-a-url-but-a-secret-key";
    const notUrl = configWith({ brief_robots: [{ kind: "wecom", webhook_url_env: "TEST_BRIEF_NOT_A_URL" }] });
    let message = "";
    try {
      resolveBriefRobot(notUrl.notify!.brief_robots[0]!, 0);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/TEST_BRIEF_NOT_A_URL .* does not hold an http\(s\) URL/);
    expect(message).not.toContain("not-a-url-but-a-secret-key");

    const dir = tempDir();
    const paths = { publishedWarehouse: join(dir, "warehouse.duckdb"), rawDatabase: join(dir, "raw.duckdb") };
    await tinyWarehouse(paths.publishedWarehouse, ALL_CLEAR);
    const log: string[] = [];
    await sendBriefToRobots({ config, paths, runId: "r", log: (l) => log.push(l) });
    expect(log).toEqual([
      expect.stringMatching(/^⚠ executive brief not sent to .*needs the environment variable TEST_BRIEF_UNSET_URL/),
    ]);
    expect(robot.received).toEqual([]);
  });

  it("the config file is checked: robot kind, variable names, secret_env only for DingTalk, site_url", () => {
    const dir = tempDir();
    const file = join(dir, "company.yaml");
    const errorOf = (yaml: string) => {
      writeFileSync(file, yaml);
      try {
        loadConfig(file);
        return "";
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    expect(errorOf("notify:\n  brief_robots:\n    - { kind: feishu, webhook_url_env: X }\n")).toMatch(
      /notify\.brief_robots\.0\.kind: must be wecom \(企业微信\) or dingtalk \(钉钉\)/,
    );
    expect(
      errorOf("notify:\n  brief_robots:\n    - { kind: wecom, webhook_url_env: https://qyapi.weixin.qq.com/x }\n"),
    ).toMatch(/notify\.brief_robots\.0\.webhook_url_env: must be an environment variable's name/);
    expect(errorOf("notify:\n  brief_robots:\n    - { kind: wecom, webhook_url_env: A, secret_env: B }\n")).toMatch(
      /notify\.brief_robots\.0\.secret_env: secret_env is for a DingTalk robot's signing secret/,
    );
    expect(errorOf("notify:\n  site_url: ftp://example.com\n")).toMatch(/notify\.site_url: must be an http\(s\) URL/);
    expect(
      errorOf(
        "notify:\n  site_url: https://reports.example.com\n  brief_robots:\n    - { kind: dingtalk, webhook_url_env: A, secret_env: B }\n",
      ),
    ).toBe("");
    expect(configSchema.parse({}).notify).toBeUndefined();
  });
});

describe("the refresh job", () => {
  const dir = tempDir();
  const dataDir = join(dir, "data");
  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    await tinyWarehouse(join(dataDir, "warehouse.duckdb"), FINDINGS);
  });

  function jobConfig(): WarehouseConfig {
    process.env["TEST_BRIEF_JOB_URL"] = robot.url(`/cgi-bin/webhook/send?key=${WECOM_KEY}`);
    return configWith(
      {
        webhook_url: robot.url("/failure-webhook"),
        brief_robots: [{ kind: "wecom", webhook_url_env: "TEST_BRIEF_JOB_URL" }],
      },
      dataDir,
    );
  }

  it("posts the brief after a successful refresh published the warehouse", async () => {
    const order: string[] = [];
    refreshStub.mockImplementation(async () => {
      order.push(`refresh (robot had ${robot.received.length})`);
      return { ok: true, failedStreams: [] };
    });
    const log: string[] = [];
    const outcome = await runRefreshJob({ projectRoot: dir, config: jobConfig(), log: (l) => log.push(l) });
    expect(outcome.ok).toBe(true);
    expect(order).toEqual(["refresh (robot had 0)"]);
    expect(robot.received.map((r) => r.url)).toEqual([`/cgi-bin/webhook/send?key=${WECOM_KEY}`]);
    expect(log).toContain("executive brief sent to notify.brief_robots[0] (wecom)");
  });

  it("a robot that fails does not fail the refresh", async () => {
    refreshStub.mockResolvedValue({ ok: true, failedStreams: [] });
    robot.answer = { status: 500, body: "" };
    const log: string[] = [];
    const outcome = await runRefreshJob({ projectRoot: dir, config: jobConfig(), log: (l) => log.push(l) });
    expect(outcome).toMatchObject({ ok: true, attempts: 1 });
    expect(log.filter((l) => l.startsWith("⚠"))).toEqual([
      "⚠ executive brief not sent to notify.brief_robots[0] (wecom): HTTP 500",
    ]);
    // The failure webhook hears nothing of it: the refresh did not fail.
    expect(robot.received.map((r) => r.url)).toEqual([`/cgi-bin/webhook/send?key=${WECOM_KEY}`]);
  });

  it("a failed refresh goes to the failure webhook only", async () => {
    refreshStub.mockRejectedValue(new PermanentError("model marts.x failed"));
    const failed = await runRefreshJob({ projectRoot: dir, config: jobConfig(), log: () => undefined });
    expect(failed.ok).toBe(false);
    expect(robot.received.map((r) => r.url)).toEqual(["/failure-webhook"]);

    // Published, but a source failed to load: a failed refresh too.
    robot.received.length = 0;
    refreshStub.mockResolvedValue({
      ok: false,
      failedStreams: [{ source: "order_system", stream: "orders", error: "down" }],
    });
    const partial = await runRefreshJob({ projectRoot: dir, config: jobConfig(), log: () => undefined });
    expect(partial.ok).toBe(false);
    expect(robot.received.map((r) => r.url)).toEqual(["/failure-webhook"]);
  });
});
