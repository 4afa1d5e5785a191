/**
 * The executive brief (经营简报) on leadership's phones: after a successful refresh published the warehouse, its
 * headline lines (reporting.executive_brief: what needs action, with the count, the money in 万 / 亿 and who or where)
 * go to the WeCom (企业微信) and DingTalk (钉钉) group robots the config names (`notify.brief_robots`), each line
 * linking to its evidence page when `notify.site_url` says where readers open the site. Nothing is posted when no
 * robot is configured. Best effort: a robot that is down or refuses the message is one warning line in the run output
 * and a `brief robots` step in the run log, never a failed refresh; the robot's key, URL and secret never appear in
 * either.
 *
 * The two robots' formats (their developer documentation, as quoted by WeCom/DingTalk integration guides):
 * - WeCom group robot: POST `{"msgtype":"markdown","markdown":{"content":"..."}}` to
 *   `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...`; content is UTF-8, at most 4096 bytes (longer is
 *   refused with errcode 40058 "markdown.content exceed max length 4096"); a subset of markdown: `#` headings, bold,
 *   links, `>` quotes, `<font color="info|comment|warning">`. Answers `{"errcode":0,"errmsg":"ok"}`, a non-zero
 *   errcode (with HTTP 200) when it refuses.
 * - DingTalk custom robot: POST `{"msgtype":"markdown","markdown":{"title":"...","text":"..."}}` to
 *   `https://oapi.dingtalk.com/robot/send?access_token=...`; with signing (加签) on, the URL also carries
 *   `&timestamp=<ms>&sign=<urlencode(base64(HmacSHA256(key: secret, message: timestamp + "\n" + secret)))>` (the
 *   timestamp within an hour of DingTalk's clock). Answers `{"errcode":0,"errmsg":"ok"}` the same way.
 */
import { createHmac } from "node:crypto";
import { ConfigError, secretFromEnv, type BriefRobotConfig, type WarehouseConfig } from "../shared/config.js";
import { redactSecrets } from "../shared/redact.js";
import { queryRows, withDatabase } from "../shared/warehouse/duckdb.js";
import { CHINESE_UNITS, formatChineseUnits } from "../site/evidence-offline/chinese-units.js";
import { RunLog } from "./run-log.js";

/** WeCom's limit on a markdown message's content, in UTF-8 bytes; DingTalk's messages are held to it too. */
export const MAX_MESSAGE_BYTES = 4096;

/** How long a robot may take to answer. */
export const ROBOT_TIMEOUT_MS = 10_000;

/** One row of reporting.executive_brief, as the message needs it. */
export interface BriefFinding {
  readonly finding: string;
  readonly title_zh: string;
  readonly items: number;
  /** Money in the reporting currency, null for a finding without a money figure. */
  readonly amount: number | null;
  /** Who or where, in Chinese (reporting.executive_brief.detail_zh). */
  readonly detail: string | null;
  /** The evidence page's path on the site (`/channels/profitability`), null when there is none. */
  readonly link: string | null;
  readonly needs_action: boolean;
}

/** What the message is built from: the brief and the data's as-of date (marts.warehouse_status). */
export interface Brief {
  /** `YYYY-MM-DD`, the latest order date; null before the first order is loaded. */
  readonly asOfDate: string | null;
  readonly findings: readonly BriefFinding[];
  /** The reporting currency's symbol (ops.reporting_settings); ¥ when absent. */
  readonly currencySymbol?: string;
}

export type RobotKind = BriefRobotConfig["kind"];

export interface BriefMessage {
  /** DingTalk's title (the chat list's preview); WeCom has none. */
  readonly title: string;
  /** The markdown body, at most MAX_MESSAGE_BYTES bytes. */
  readonly markdown: string;
}

/** Reads the brief from the published warehouse (read-only). */
export async function readBrief(warehousePath: string): Promise<Brief> {
  return withDatabase(
    warehousePath,
    async (c) => {
      const findings = await queryRows<BriefFinding>(
        c,
        `select finding, title_zh, items::integer as items, amount::double as amount, detail_zh as detail, link,
           needs_action
         from reporting.executive_brief order by finding_order`,
      );
      // A warehouse published before the currency was configurable has no settings table, and its money is CNY.
      const [settings] = await queryRows<{ currency_symbol: string }>(
        c,
        "select currency_symbol from ops.reporting_settings limit 1",
      ).catch(() => []);
      const [status] = await queryRows<{ as_of_date: string | null }>(
        c,
        "select strftime(as_of_date, '%Y-%m-%d') as as_of_date from marts.warehouse_status",
      );
      return { asOfDate: status?.as_of_date ?? null, findings, currencySymbol: settings?.currency_symbol ?? "¥" };
    },
    { readOnly: true },
  );
}

/**
 * Text from the warehouse (names of channels, partners, regions) as plain text in either robot's markdown: the
 * characters markdown reads as syntax become their full-width forms (readers see the same name), line breaks spaces.
 */
function plain(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/[[\]()<>*`#|]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
    .trim();
}

/** A site path under site_url, safe inside a markdown link's parentheses. */
function siteLink(siteUrl: string, path: string): string {
  const url = `${siteUrl.replace(/\/+$/, "")}${path.startsWith("/") ? path : `/${path}`}`;
  return url.replace(/[\s()<>]/g, (c) => encodeURIComponent(c));
}

/** Money as the Chinese site shows it (¥7,044.6万, ¥1.23亿, £8,532): the same formatter the pages use. */
function wan(amount: number, symbol: string): string {
  return formatChineseUnits(`${CHINESE_UNITS}${symbol}`, amount) ?? String(amount);
}

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** Cuts text to at most `max` UTF-8 bytes without splitting a character. */
function cutToBytes(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  let out = "";
  let size = 0;
  for (const char of text) {
    const charBytes = bytes(char);
    if (size + charBytes > max - 3) break;
    out += char;
    size += charBytes;
  }
  return `${out}…`;
}

/**
 * The message for one robot: a heading with the as-of date, then one line per finding that needs action (Chinese
 * title, count, amount in 万 / 亿, who or where), each linking to its evidence page when siteUrl is given, or 一切正常
 * when nothing needs action. Lines that would take it past maxBytes are left off for a closing `… 另有 N 项`.
 */
export function buildBriefMessage(
  brief: Brief,
  options: { kind: RobotKind; siteUrl?: string | undefined; maxBytes?: number },
): BriefMessage {
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  const wecom = options.kind === "wecom";
  const asOf = brief.asOfDate ? `数据截至 ${brief.asOfDate}` : "尚无订单数据";
  const actions = brief.findings.filter((f) => f.needs_action);
  const title =
    `经营简报 ${brief.asOfDate ?? ""}`.trim() + (actions.length ? `：需要关注 ${actions.length} 项` : "：一切正常");

  const head: string[] = [`${wecom ? "#" : "###"} 经营简报 · ${asOf}`];
  if (actions.length === 0) {
    head.push(wecom ? '<font color="info">**一切正常**</font>' : "**一切正常**");
    head.push("没有需要关注的事项。");
  } else {
    const count = wecom ? `<font color="warning">${actions.length}</font>` : String(actions.length);
    head.push(`**需要关注 ${count} 项**`);
  }
  const lines = actions.map((f) => {
    const name = plain(f.title_zh);
    const linked = options.siteUrl && f.link ? `[${name}](${siteLink(options.siteUrl, f.link)})` : `**${name}**`;
    const parts = [`${f.items.toLocaleString("en-US")} 项`];
    if (f.amount !== null) parts.push(wan(f.amount, brief.currencySymbol ?? "¥"));
    if (f.detail) parts.push(plain(f.detail));
    return `${wecom ? "" : "- "}${linked}：${parts.join(" · ")}`;
  });
  const foot = options.siteUrl ? [`[打开经营简报](${siteLink(options.siteUrl, "/")})`] : [];

  // WeCom breaks lines at "\n"; DingTalk's markdown needs a blank line between paragraphs (its list items take one "\n").
  const render = (shown: string[], more: number) => {
    const body = [...shown, ...(more ? [`${wecom ? "" : "- "}… 另有 ${more} 项`] : [])];
    return wecom
      ? [...head, ...body, ...foot].join("\n")
      : [head.join("\n\n"), body.join("\n"), ...foot].filter((part) => part !== "").join("\n\n");
  };
  let shown = lines.length;
  let markdown = render(lines, 0);
  while (bytes(markdown) > maxBytes && shown > 0) {
    shown--;
    markdown = render(lines.slice(0, shown), lines.length - shown);
  }
  return { title, markdown: cutToBytes(markdown, maxBytes) };
}

/** The JSON a robot of the kind takes for a markdown message. */
export function robotBody(kind: RobotKind, message: BriefMessage): unknown {
  return kind === "wecom"
    ? { msgtype: "markdown", markdown: { content: message.markdown } }
    : { msgtype: "markdown", markdown: { title: message.title, text: message.markdown } };
}

/** DingTalk's signature: urlencode(base64(HmacSHA256(secret, `${timestamp}\n${secret}`))). */
export function dingTalkSign(secret: string, timestamp: number): string {
  const digest = createHmac("sha256", secret).update(`${timestamp}\n${secret}`, "utf8").digest("base64");
  return encodeURIComponent(digest);
}

/** The webhook URL with DingTalk's `timestamp` and `sign` added. */
export function signedDingTalkUrl(url: string, secret: string, timestamp: number): string {
  return `${url}${url.includes("?") ? "&" : "?"}timestamp=${timestamp}&sign=${dingTalkSign(secret, timestamp)}`;
}

/** A configured robot with its URL and secret read from the environment. */
export interface BriefRobot {
  readonly kind: RobotKind;
  /** How messages name it: `notify.brief_robots[0] (wecom)`; never its URL. */
  readonly label: string;
  readonly url: string;
  readonly secret?: string;
}

const KIND_NAMES: Record<RobotKind, string> = { wecom: "WeCom group robot", dingtalk: "DingTalk robot" };

/** Reads robot `index`'s URL and secret from the environment; a ConfigError naming the variable when one is unset. */
export function resolveBriefRobot(robot: BriefRobotConfig, index: number): BriefRobot {
  const where = `notify.brief_robots[${index}]`;
  const url = secretFromEnv(
    robot.webhook_url_env,
    `The executive brief's ${KIND_NAMES[robot.kind]} (${where}.webhook_url_env)`,
  );
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    // The value is never quoted: it is the robot's key.
    throw new ConfigError(
      `The environment variable ${robot.webhook_url_env} (${where}.webhook_url_env) does not hold an http(s) URL: ` +
        `set it to the robot's webhook URL.`,
    );
  }
  const secret = robot.secret_env
    ? secretFromEnv(robot.secret_env, `The executive brief's ${KIND_NAMES[robot.kind]} (${where}.secret_env)`)
    : undefined;
  return { kind: robot.kind, label: `${where} (${robot.kind})`, url, ...(secret ? { secret } : {}) };
}

/** Everything of a robot's URL and secret that could identify it, to remove from any message. */
function robotSecrets(robot: BriefRobot, sentUrl: string): string[] {
  const secrets = [sentUrl, robot.url, robot.secret];
  for (const text of [robot.url, sentUrl]) {
    try {
      const url = new URL(text);
      // The key or access token, and DingTalk's signature, as sent and as read back.
      for (const value of url.searchParams.values()) secrets.push(value, encodeURIComponent(value));
      secrets.push(url.password, url.pathname.length > 1 ? url.pathname : undefined, url.search.slice(1));
    } catch {
      // resolveBriefRobot only lets URLs through.
    }
  }
  return secrets.filter((s): s is string => !!s);
}

export interface PostOptions {
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  /** DingTalk's signing timestamp (ms); now by default. */
  readonly now?: () => number;
}

/** Posts the message to one robot. Never throws: `detail` says what happened, with no key, URL or secret in it. */
export async function postToRobot(
  robot: BriefRobot,
  message: BriefMessage,
  options: PostOptions = {},
): Promise<{ ok: boolean; detail: string }> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? ROBOT_TIMEOUT_MS;
  const url =
    robot.kind === "dingtalk" && robot.secret
      ? signedDingTalkUrl(robot.url, robot.secret, (options.now ?? Date.now)())
      : robot.url;
  const clean = (text: string) => redactSecrets(text, robotSecrets(robot, url)).replace(/\s+/g, " ").slice(0, 300);
  try {
    const response = await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(robotBody(robot.kind, message)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) return { ok: false, detail: clean(`HTTP ${response.status}`) };
    let answer: { errcode?: unknown; errmsg?: unknown };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      return { ok: false, detail: `HTTP ${response.status} but the answer is not the robot's JSON` };
    }
    if (answer?.errcode === 0) return { ok: true, detail: "errcode 0" };
    return { ok: false, detail: clean(`errcode ${String(answer?.errcode)}: ${String(answer?.errmsg ?? "")}`) };
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      return { ok: false, detail: `no answer within ${timeoutMs / 1000} s` };
    }
    const message = error instanceof Error ? error.message : String(error);
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return { ok: false, detail: clean(`${message}${cause}`) };
  }
}

export interface BriefRobotsContext {
  readonly config: WarehouseConfig;
  readonly paths: { readonly publishedWarehouse: string; readonly rawDatabase: string };
  readonly runId: string;
  readonly log: (line: string) => void;
}

/** What happened per robot (for tests and callers); the run output and run log already say it. */
export interface BriefRobotsOutcome {
  readonly sent: string[];
  readonly warnings: string[];
}

/**
 * Posts the just-published warehouse's brief to every configured robot. Call only after a successful refresh
 * published the warehouse. Never throws; does nothing at all (no read, no log line, no request) when no robot is
 * configured.
 */
export async function sendBriefToRobots(
  ctx: BriefRobotsContext,
  options: PostOptions = {},
): Promise<BriefRobotsOutcome> {
  const configured = ctx.config.notify?.brief_robots ?? [];
  const outcome: BriefRobotsOutcome = { sent: [], warnings: [] };
  if (configured.length === 0) return outcome;
  const started = new Date();
  const warn = (line: string) => {
    outcome.warnings.push(line);
    ctx.log(`⚠ ${line}`);
  };
  let brief: Brief | undefined;
  try {
    brief = await readBrief(ctx.paths.publishedWarehouse);
  } catch (error) {
    warn(`executive brief not sent to the group robots: cannot read it (${(error as Error).message.split("\n")[0]})`);
  }
  if (brief) {
    for (const [index, config] of configured.entries()) {
      let robot: BriefRobot;
      try {
        robot = resolveBriefRobot(config, index);
      } catch (error) {
        warn(`executive brief not sent to notify.brief_robots[${index}] (${config.kind}): ${(error as Error).message}`);
        continue;
      }
      const message = buildBriefMessage(brief, { kind: robot.kind, siteUrl: ctx.config.notify?.site_url });
      const result = await postToRobot(robot, message, options);
      if (result.ok) {
        outcome.sent.push(robot.label);
        ctx.log(`executive brief sent to ${robot.label}`);
      } else {
        warn(`executive brief not sent to ${robot.label}: ${result.detail}`);
      }
    }
  }
  try {
    await withDatabase(ctx.paths.rawDatabase, async (c) =>
      (await RunLog.open(c, ctx.runId)).recordStep(
        "brief robots",
        started,
        outcome.warnings.length ? "failed" : "succeeded",
        outcome.sent.length,
        outcome.warnings.length ? outcome.warnings.join("\n") : null,
      ),
    );
  } catch (error) {
    ctx.log(
      `⚠ the brief robots' step could not be written to the run log: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  return outcome;
}
