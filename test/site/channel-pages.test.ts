// The channel pages (reports/channels/) in the one shared offline build of the planted demo company
// (helpers/shared-site.ts): every page is built in both languages (Chinese at /channels/..., English under
// /en/channels/...), every partner has its prerendered page in both, and the pages show the planted channel truths of
// the demo manifest exactly — the cross-territory partner, region and months, the below-floor partner, product and
// month, the loss-making channel and the blind-spot region. Exact figures are read from the English twin (money in
// whole units there; the Chinese pages show it in 万 / 亿); the Chinese pages are checked to be Chinese: their title,
// channel names and labels, and no English heading.
//
// What a reader sees is read from the build itself, never re-queried from the warehouse: the prerendered HTML (the
// findings are written out as text, so they are in it) and the prerendered query results Evidence ships with each
// page (api/<md5(route id)>/<md5(params)>/all-queries.json -> api/prerendered_queries/<hash>.arrow), which hold
// exactly the rows the page's tables and charts show for the default filters.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { DemoManifest } from "../../pipelines/demo-company/index.js";
import { readReportingCurrency } from "../../pipelines/site/number-formats.js";
import { demoWarehouse, readManifest } from "../support/demo-warehouse.js";
import { formatMoney } from "./helpers/overview-expected.js";
import { REPO_ROOT, sharedSite } from "./helpers/shared-site.js";
import type { SharedSite } from "./helpers/shared-site.js";

const require = createRequire(import.meta.url);
const { tableFromIPC } = require("apache-arrow") as typeof import("apache-arrow");

type Row = Record<string, unknown>;

/** Every channel page (its Chinese route) and the question it answers, as its title says in each language. */
const CHANNEL_PAGES: Record<string, { zh: string; en: string }> = {
  "/channels/profitability": { zh: "渠道盈利能力", en: "Channel profitability" },
  "/channels/coverage": { zh: "区域覆盖", en: "Coverage by region" },
  "/channels/emerging": { zh: "新兴渠道与传统渠道", en: "Emerging vs traditional channels" },
  "/channels/attribution": { zh: "渠道归因：谁创造需求，谁收割需求", en: "Who creates demand, who closes it" },
  "/channels/segment-fit": { zh: "细分市场与渠道匹配", en: "Segment–channel fit" },
  "/channels/conflict": { zh: "渠道冲突与合规", en: "Conflict & compliance" },
  "/channels/partners": { zh: "合作伙伴评分卡", en: "Partner scorecards" },
  "/channels/goals": { zh: "目标与实际", en: "Goals vs actuals" },
  "/channels/risks": { zh: "风险评估与应对预案", en: "Risk register" },
  "/channels/glossary": { zh: "指标释义", en: "Metric glossary" },
};
/** The English twin of a Chinese route. */
const en = (route: string): string => `/en${route}`;
const PARTNER_ROUTE = "/channels/partners/[partner_id]";
const EN_PARTNER_ROUTE = en(PARTNER_ROUTE);

/** The text of every heading (h1-h6) of a page's HTML. */
function headings(html: string): string[] {
  return [...html.matchAll(/<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1>/g)].map((m) => visibleText(m[2] ?? "").trim());
}
/** A Chinese text without its spaces (tag boundaries leave some between Chinese words and figures). */
const compact = (text: string): string => text.replace(/\s+/g, "");
/** English words (three letters or more) in a text: a Chinese page's heading holds none. */
const englishWords = (text: string): string[] => text.match(/[A-Za-z]{3,}/g) ?? [];

const md5 = (text: string): string => createHash("md5").update(text).digest("hex");

/**
 * The visible text of an HTML page, roughly as a reader sees it, with the spaces that tag boundaries leave inside
 * brackets and before punctuation removed ("( LIVE-KS )" -> "(LIVE-KS)").
 */
function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, " ")
    .replace(/\( /g, "(")
    .replace(/ ([),.:;])/g, "$1");
}

/** A whole number as the pages show counts (fmt=count). */
const whole = (value: number): string =>
  Math.round(value).toLocaleString("en-US", { maximumFractionDigits: 0 }).replace("-0", "0");
/** An amount as the pages show money (fmt=money), with the symbol of the warehouse's reporting currency. */
let money: (value: number) => string;

/** yyyy-mm of a date as Arrow hands it over (epoch milliseconds, or a Date). */
const yearMonth = (value: unknown): string => new Date(Number(value)).toISOString().slice(0, 7);

let site: SharedSite;
let manifest: DemoManifest;
let truths: DemoManifest["planted_truths"]["truths"];

beforeAll(async () => {
  site = await sharedSite();
  const { symbol } = await readReportingCurrency(site.warehousePath);
  money = (value) => formatMoney(value, symbol);
  manifest = readManifest(await demoWarehouse("planted"));
  truths = manifest.planted_truths.truths;
  console.log(`[reports] shared site (with the channel pages): built in ${(site.buildMs / 1000).toFixed(1)} s`);
});

function htmlFile(urlPath: string): string {
  return path.join(site.siteDir, urlPath.replace(/^\//, ""), "index.html");
}

async function pageText(urlPath: string): Promise<string> {
  return visibleText(await readFile(htmlFile(urlPath), "utf8"));
}

/** The rows a page's query returned when the site was built (its default filters). */
async function pageQuery(routeId: string, name: string, params: Record<string, string> = {}): Promise<Row[]> {
  const paramsHash = md5(
    Object.entries(params)
      .sort()
      .map(([key, value]) => `${key}\x1F${value}`)
      .join("\x1E"),
  );
  const index = JSON.parse(
    await readFile(path.join(site.siteDir, "api", md5(routeId), paramsHash, "all-queries.json"), "utf8"),
  ) as Record<string, string>;
  const hash = index[`${name}_data`];
  if (!hash) throw new Error(`${routeId} has no prerendered query ${name} (has: ${Object.keys(index).join(", ")})`);
  const file = path.join(site.siteDir, "api/prerendered_queries", `${hash}.arrow`);
  return tableFromIPC(await readFile(file))
    .toArray()
    .map((row: { toJSON(): Row }) => row.toJSON());
}

describe("the channel pages in the built site", () => {
  it("builds every channel page in both languages, each with its title, the freshness partial's query and the as-of line", async () => {
    for (const [route, title] of Object.entries(CHANNEL_PAGES)) {
      for (const [page, language] of [
        [route, "zh"],
        [en(route), "en"],
      ] as const) {
        expect(existsSync(htmlFile(page)), page).toBe(true);
        const text = await pageText(page);
        expect(text, page).toContain(title[language]);
        expect(text, page).toContain(language === "zh" ? `数据截至 ${manifest.as_of}` : `Data as of ${manifest.as_of}`);
        // The date runs straight into the sentence, with no space before its punctuation ("2026-10-31 , the latest"
        // until Evidence's Value was patched): the value's element ends with the value.
        expect(await readFile(htmlFile(page), "utf8"), page).toContain(`>${manifest.as_of}</span>`);
        // {@partial "as-of.md"} brings its queries with it.
        await expect(pageQuery(page, "warehouse_status")).resolves.toHaveLength(1);
        await expect(pageQuery(page, "freshness_status")).resolves.toHaveLength(1);
      }
    }
  });

  it("shows every Chinese channel page in Chinese: its Chinese title, no English heading, Chinese labels", async () => {
    for (const [route, title] of Object.entries(CHANNEL_PAGES)) {
      const html = await readFile(htmlFile(route), "utf8");
      expect(html, route).toContain(`<title>${title.zh}`);
      expect(visibleText(html), route).not.toContain(title.en);
      expect(visibleText(html), route).not.toContain("Data as of");
      for (const heading of headings(html)) expect(englishWords(heading), `${route}: ${heading}`).toEqual([]);
    }
    // labels from the marts in the reader's language: channel types, and channel names where the source has them
    const options = await pageQuery("/channels/profitability", "Dropdown-channel_type");
    expect(options.map((r) => String(r.label))).toContain("社区团购");
    const byChannel = await pageQuery("/channels/profitability", "economics_by_channel");
    const names = byChannel.map((r) => String(r.channel_name));
    expect(names).toContain("快手直播");
    expect(
      names.every((name) => /[\u4e00-\u9fff]/.test(name)),
      names.join(", "),
    ).toBe(true);
    const partnerHtml = await readFile(htmlFile("/channels/partners"), "utf8");
    for (const heading of headings(partnerHtml)) expect(englishWords(heading), heading).toEqual([]);
  });

  it("opens on the executive brief: the five planted findings and the risks above threshold, each linked to its evidence page", async () => {
    const text = await pageText("/");
    expect(text).toContain("经营简报");
    expect(text).toContain("需要关注 6 项");
    expect(await pageText("/en")).toContain("Executive brief");
    const links = [
      "/channels/profitability",
      "/channels/conflict",
      "/channels/conflict",
      "/channels/coverage",
      "/customers/churn",
      "/channels/risks",
    ];
    const brief = await pageQuery("/en", "brief_actions");
    expect(brief.map((row) => [row.finding, row.link])).toEqual(
      [
        "Channels losing money",
        "Cross-territory selling",
        "Sales below the floor price",
        "Regions with demand and no outlet",
        "Key customers gone quiet",
        "Risks above threshold",
      ].map((finding, i) => [finding, en(links[i]!)]),
    );
    const quiet = truths.high_value_customers_gone_quiet.expected as { count: number };
    expect(Number(brief[4]!.items)).toBe(quiet.count);
    // Chinese at the root: every line in Chinese, linked to the Chinese evidence page
    const zhBrief = await pageQuery("/", "brief_actions");
    const region = truths.demand_without_outlet.expected as { region_name_zh: string };
    expect(zhBrief[3]!.detail).toBe(region.region_name_zh);
    expect(zhBrief.map((row) => [row.finding, row.link])).toEqual(
      [
        "渠道亏损",
        "窜货（跨区域销售）",
        "低于最低限价销售",
        "有需求无网点的区域",
        "关键客户流失预警",
        "风险高于阈值",
      ].map((finding, i) => [finding, links[i]]),
    );
  });

  it("links every channel page from the overview", async () => {
    const html = await readFile(htmlFile("/"), "utf8");
    for (const route of Object.keys(CHANNEL_PAGES)) expect(html).toContain(`href="${route}"`);
  });

  it("prerenders a page for every partner in both languages, linked from the scorecard, with its name and scorecard", async () => {
    const scorecard = await pageQuery(en("/channels/partners"), "scorecard");
    expect(scorecard).toHaveLength(manifest.row_counts["partners"] ?? -1);
    const ranks = scorecard.map((r) => Number(r.risk_rank));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b)); // ranked by risk
    const ids = scorecard.map((r) => String(r.partner_id)).sort();
    const zhScorecardHtml = await readFile(htmlFile("/channels/partners"), "utf8");
    const enScorecardHtml = await readFile(htmlFile(en("/channels/partners")), "utf8");
    for (const dir of [
      path.join(site.siteDir, "channels", "partners"),
      path.join(site.siteDir, "en", "channels", "partners"),
    ]) {
      const built = (await readdir(dir, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
      expect(built, dir).toEqual(ids);
    }
    for (const row of scorecard) {
      const id = String(row.partner_id);
      expect(zhScorecardHtml).toContain(`href="/channels/partners/${id}"`);
      expect(enScorecardHtml).toContain(`href="/en/channels/partners/${id}"`);
      const text = await pageText(en(`/channels/partners/${id}`));
      expect(text).toContain(`${id} ${String(row.partner_name)}`);
      expect(text).toContain(`Data as of ${manifest.as_of}`);
      const partner = await pageQuery(EN_PARTNER_ROUTE, "partner", { partner_id: id });
      expect(partner.map((r) => r.partner_id)).toEqual([id]);
      // the Chinese page: the same partner, in Chinese, with no English heading
      const zhHtml = await readFile(htmlFile(`/channels/partners/${id}`), "utf8");
      expect(visibleText(zhHtml)).toContain(`${id} ${String(row.partner_name)}`);
      expect(visibleText(zhHtml)).toContain(`数据截至 ${manifest.as_of}`);
      for (const heading of headings(zhHtml)) expect(englishWords(heading), `${id}: ${heading}`).toEqual([]);
      const flags = await pageQuery(PARTNER_ROUTE, "risk_flags", { partner_id: id });
      expect(flags.map((r) => String(r.raised)).every((raised) => raised === "是" || raised === "否")).toBe(true);
    }
  });

  it("shows the planted cross-territory partner, region and months (窜货), with the evidence lines", async () => {
    const truth = truths.cross_territory_sales.expected as {
      partner_id: string;
      partner_name: string;
      region_id: string;
      home_region_id: string;
      months: string[];
      lines: number;
      lines_by_month: Record<string, number>;
    };
    const findings = await pageQuery(en("/channels/conflict"), "cross_territory");
    expect(
      findings.map((r) => ({
        partner_id: r.partner_id,
        region_id: r.region_id,
        home_region_id: r.home_region_id,
        month: yearMonth(r.month),
        lines: Number(r.lines),
      })),
    ).toEqual(
      truth.months.map((month) => ({
        partner_id: truth.partner_id,
        region_id: truth.region_id,
        home_region_id: truth.home_region_id,
        month,
        lines: truth.lines_by_month[month],
      })),
    );
    const text = await pageText(en("/channels/conflict"));
    for (const [i, month] of truth.months.entries()) {
      const amount = money(Number(findings[i]?.amount)).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      expect(text).toContain(`${truth.partner_id} ${truth.partner_name}`);
      expect(text).toMatch(
        new RegExp(`sold into ${truth.region_id} [^:]* in ${month}: ${truth.lines_by_month[month]} lines, ${amount}`),
      );
    }
    // The lines an account manager acts on: every one, with date, region and the file line it was reported in.
    const evidence = await pageQuery(en("/channels/conflict"), "cross_territory_evidence");
    expect(evidence).toHaveLength(truth.lines);
    for (const line of evidence) {
      expect(line.partner_id).toBe(truth.partner_id);
      expect(line.region_id).toBe(truth.region_id);
      expect(truth.months).toContain(yearMonth(line.sale_date));
      expect(String(line.source_location)).toMatch(new RegExp(`sell_through_${truth.partner_id}_.* line \\d+`));
    }
    // ... and the partner's own page carries the same findings.
    const onPartnerPage = await pageQuery(EN_PARTNER_ROUTE, "partner_cross_territory", {
      partner_id: truth.partner_id,
    });
    expect(onPartnerPage.map((r) => [r.region_id, yearMonth(r.month), Number(r.lines)])).toEqual(
      truth.months.map((m) => [truth.region_id, m, truth.lines_by_month[m]]),
    );
    // The Chinese page says the same in Chinese, its money in 万.
    const zhText = compact(await pageText("/channels/conflict"));
    expect(zhText).toContain("窜货（跨区域销售）");
    for (const month of truth.months) {
      expect(zhText).toMatch(
        new RegExp(`于${month}销往${truth.region_id}[^：]*：${truth.lines_by_month[month]}行，金额¥[\\d,.]+万?`),
      );
    }
  });

  it("shows the planted below-floor partner, product and month, with the evidence lines", async () => {
    const truth = truths.below_price_floor.expected as {
      partner_id: string;
      partner_name: string;
      product_id: string;
      sku: string;
      month: string;
      lines: number;
    };
    const findings = await pageQuery(en("/channels/conflict"), "below_floor");
    expect(
      findings.map((r) => ({
        partner_id: r.partner_id,
        product_id: r.product_id,
        sku: r.sku,
        month: yearMonth(r.month),
        lines: Number(r.lines),
      })),
    ).toEqual([
      {
        partner_id: truth.partner_id,
        product_id: truth.product_id,
        sku: truth.sku,
        month: truth.month,
        lines: truth.lines,
      },
    ]);
    const text = await pageText(en("/channels/conflict"));
    expect(text).toMatch(
      new RegExp(
        `${truth.partner_id} ${truth.partner_name} \\([^)]*\\) sold ${truth.product_id} ${truth.sku} .* below the floor in ${truth.month}: ${truth.lines} lines`,
      ),
    );
    const evidence = await pageQuery(en("/channels/conflict"), "below_floor_evidence");
    expect(evidence).toHaveLength(truth.lines);
    for (const line of evidence) {
      expect([line.partner_id, line.product_id, yearMonth(line.sale_date)]).toEqual([
        truth.partner_id,
        truth.product_id,
        truth.month,
      ]);
      expect(Number(line.unit_price)).toBeLessThan(Number(line.floor_price));
    }
    const onPartnerPage = await pageQuery(EN_PARTNER_ROUTE, "partner_below_floor", { partner_id: truth.partner_id });
    expect(onPartnerPage.map((r) => [r.product_id, yearMonth(r.month), Number(r.lines)])).toEqual([
      [truth.product_id, truth.month, truth.lines],
    ]);
  });

  it("shows the planted loss-making channel with its whole-history contribution, and only it", async () => {
    const truth = truths.negative_contribution_channel.expected as {
      channel_id: string;
      channel_name: string;
      contribution: number;
      revenue: number;
      contribution_margin: number;
    };
    const losing = await pageQuery(en("/channels/profitability"), "loss_making_channels");
    expect(losing.map((r) => r.channel_id)).toEqual([truth.channel_id]);
    expect(Number(losing[0]?.contribution)).toBeCloseTo(truth.contribution, 1);
    expect(Number(losing[0]?.revenue)).toBeCloseTo(truth.revenue, 2);
    expect(Number(losing[0]?.contribution_margin)).toBeCloseTo(truth.contribution_margin, 3);
    const text = await pageText(en("/channels/profitability"));
    expect(text).toContain(
      `${truth.channel_name} (${truth.channel_id}), Live-streaming, loses money after its own costs: ` +
        `contribution ${money(truth.contribution)} on revenue of ${money(truth.revenue)} ` +
        `(${(Number(losing[0]?.contribution_margin) * 100).toFixed(1)}% contribution margin)`,
    );
    // The whole-history waterfall per channel matches the manifest's economics, step by step, for every channel.
    const waterfall = await pageQuery(en("/channels/profitability"), "economics_by_channel");
    expect(waterfall).toHaveLength(Object.keys(manifest.channel_contribution.by_channel).length);
    for (const row of waterfall) {
      const planted = manifest.channel_contribution.by_channel[String(row.channel_id)];
      expect(planted, String(row.channel_id)).toBeDefined();
      expect(Number(row.revenue)).toBeCloseTo(planted?.revenue ?? NaN, 2);
      expect(Number(row.cost_of_goods)).toBeCloseTo(planted?.cogs ?? NaN, 2);
      expect(Number(row.rebates)).toBeCloseTo(planted?.rebates ?? NaN, 2);
      expect(Math.abs(Number(row.contribution) - (planted?.contribution ?? NaN))).toBeLessThanOrEqual(0.51);
    }
    // The Chinese page names the channel in Chinese, its type too, and shows the money in 万.
    const [zhChannel] = await pageQuery("/channels/profitability", "loss_making_channels");
    expect(zhChannel).toMatchObject({ channel_id: truth.channel_id, channel_type_label: "直播带货" });
    expect(String(zhChannel?.channel_name)).toMatch(/[\u4e00-\u9fff]/);
    expect(compact(await pageText("/channels/profitability"))).toMatch(
      new RegExp(
        `${String(zhChannel?.channel_name)}（${truth.channel_id}），直播带货，扣除自身成本后亏损：销售额¥[\\d,.]+万`,
      ),
    );
  });

  it("shows the waterfall steps in order, ending in contribution, and channel types by their labels", async () => {
    const steps = await pageQuery(en("/channels/profitability"), "waterfall");
    expect(steps.map((r) => r.step)).toEqual([
      "1 Revenue",
      "2 Cost of goods",
      "3 Rebates",
      "4 Platform fees",
      "5 Commissions",
      "6 Marketing",
      "7 Management cost",
      "8 Contribution",
    ]);
    const amounts = steps.map((r) => Number(r.amount));
    const sumOfSteps = amounts.slice(0, 7).reduce((a, b) => a + b, 0);
    expect(Math.abs(sumOfSteps - (amounts[7] ?? NaN))).toBeLessThan(1); // rounded parts vs the rounded whole
    const byType = await pageQuery(en("/channels/profitability"), "contribution_by_channel_type");
    const labels = byType.map((r) => String(r.channel_type_label));
    expect(labels).toContain("Live-streaming");
    expect(labels.every((label) => !/_/.test(label))).toBe(true);
    const options = await pageQuery(en("/channels/profitability"), "Dropdown-channel_type");
    expect(options.map((r) => String(r.label))).toContain("Community group buying");
    const zhSteps = await pageQuery("/channels/profitability", "waterfall");
    expect(zhSteps.map((r) => r.step)).toEqual([
      "1 销售额",
      "2 销售成本",
      "3 返利",
      "4 平台费用",
      "5 佣金",
      "6 营销费用",
      "7 管理成本",
      "8 渠道贡献",
    ]);
  });

  it("shows the planted blind-spot region (demand, no outlet), and only it", async () => {
    const truth = truths.demand_without_outlet.expected as {
      region_id: string;
      region_name: string;
      region_name_zh: string;
      customers: number;
      leads: number;
      online_orders: number;
    };
    const blindSpots = await pageQuery(en("/channels/coverage"), "blind_spots");
    expect(blindSpots.map((r) => [r.region_id, Number(r.customers)])).toEqual([[truth.region_id, truth.customers]]);
    const text = await pageText(en("/channels/coverage"));
    expect(text).toContain(
      `${truth.region_name} (${truth.region_id}) has demand and no authorised outlet: ` +
        `${whole(truth.customers)} customers, ${whole(truth.leads)} leads and ${whole(truth.online_orders)} online ` +
        `orders in the last 12 months`,
    );
    const regions = await pageQuery(en("/channels/coverage"), "regions_covered");
    expect(regions).toHaveLength(manifest.row_counts["regions"] ?? -1);
    expect(regions.filter((r) => r.coverage_status === "Blind spot").map((r) => r.region_id)).toEqual([
      truth.region_id,
    ]);
    expect(compact(await pageText("/channels/coverage"))).toContain(
      `${truth.region_name_zh}（${truth.region_id}）有需求但没有授权网点：${whole(truth.customers)}位客户`,
    );
    const zhRegions = await pageQuery("/channels/coverage", "regions_covered");
    expect(zhRegions.filter((r) => r.coverage_status === "覆盖盲区").map((r) => r.region_name)).toEqual([
      truth.region_name_zh,
    ]);
  });

  it("ranks the planted risks first on the risk register, with the loss-making channel and every prepared response", async () => {
    const above = await pageQuery(en("/channels/risks"), "risks_above");
    expect(above.map((r) => String(r.risk_id)).sort()).toEqual(
      ["channel_conflict", "coverage_gap", "input_output_imbalance", "key_customer_churn", "partner_choice"].sort(),
    );
    expect(above.map((r) => Number(r.severity_rank))).toEqual([1, 2, 3, 4, 5]);
    const channel = truths.negative_contribution_channel.expected as { channel_name: string };
    expect(above.find((r) => r.risk_id === "input_output_imbalance")).toMatchObject({ detail: channel.channel_name });
    const text = await pageText(en("/channels/risks"));
    expect(text).toContain("5 risk(s) above threshold");
    expect(text).toContain("Severity = likelihood × impact");
    const risks = await pageQuery(en("/channels/risks"), "risks");
    expect(risks).toHaveLength(6);
    for (const risk of risks) expect(text).toContain(String(risk.response));
    // the Chinese page: the same risks, every one with its Chinese response
    const zhText = compact(await pageText("/channels/risks"));
    expect(zhText).toContain("5项风险高于阈值");
    expect(zhText).toContain("严重度=可能性×影响");
    const zhRisks = await pageQuery("/channels/risks", "risks");
    // the loss-making channel by its Chinese name
    expect(String(zhRisks.find((r) => r.risk_id === "input_output_imbalance")?.detail)).toMatch(/^[\u4e00-\u9fff]+$/);
    expect(zhRisks.map((r) => r.risk_id)).toEqual(risks.map((r) => r.risk_id));
    for (const risk of zhRisks) {
      expect(zhText).toContain(compact(String(risk.response)));
      expect(String(risk.risk_name)).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it("shows the planted assisting channel as creating demand, with its credit under last touch and Markov", async () => {
    const assisting = truths.assisting_channel.expected as { channel_id: string; channel_name: string };
    const closing = truths.closing_channel.expected as { channel_id: string };
    const creators = await pageQuery(en("/channels/attribution"), "demand_creators");
    expect(creators.map((r) => r.channel_id)).toEqual([assisting.channel_id]);
    const [creator] = creators;
    const text = await pageText(en("/channels/attribution"));
    expect(text).toContain(
      `${assisting.channel_name} (${assisting.channel_id}) creates demand others close. In the last 12 ` +
        `months it opened the journeys of ${whole(Number(creator?.first_touch_conversions))} new customers and took ` +
        `the order of ${whole(Number(creator?.last_touch_conversions))}`,
    );
    expect(text).toContain(
      `the Markov model, which asks how many conversions are lost without it, with ${whole(Number(creator?.markov_conversions))}`,
    );
    // the models side by side: every channel, each model sharing out the same new customers, and the roles
    const channels = await pageQuery(en("/channels/attribution"), "attribution");
    const total = (key: string) => channels.reduce((sum, row) => sum + Number(row[key]), 0);
    for (const key of [
      "first_touch_conversions",
      "linear_conversions",
      "position_based_conversions",
      "time_decay_conversions",
      "markov_conversions",
    ]) {
      expect(total(key), key).toBeCloseTo(total("last_touch_conversions"), 6);
    }
    expect(channels.find((r) => r.channel_id === closing.channel_id)?.demand_role_label).toBe("closes demand");
    const zhChannels = await pageQuery("/channels/attribution", "attribution");
    expect(zhChannels.find((r) => r.channel_id === closing.channel_id)?.demand_role_label).toBe("收割");
    expect(compact(await pageText("/channels/attribution"))).toContain("是种草渠道：它创造的需求由其他渠道收割。");
    // what changes in the emerging-channel verdict: the assisting channel is cheaper per new customer under Markov
    const verdict = await pageQuery(en("/channels/attribution"), "emerging_verdict");
    const row = verdict.find((r) => r.channel_id === assisting.channel_id)!;
    expect(Number(row.emerging_cost_rank_markov)).toBeLessThan(Number(row.emerging_cost_rank_last_touch));
  });

  it("shows the metric glossary with English and Chinese names, formula and grain", async () => {
    const glossary = await pageQuery(en("/channels/glossary"), "glossary");
    expect(glossary.length).toBeGreaterThan(20);
    for (const row of glossary) {
      for (const column of ["metric_id", "metric_name", "other_name", "formula", "grain"]) {
        expect(String(row[column] ?? "").length, `${String(row.metric_id)}.${column}`).toBeGreaterThan(0);
      }
    }
    expect(glossary.find((r) => r.metric_id === "contribution")).toMatchObject({
      metric_name: "Contribution",
      other_name: "渠道贡献",
    });
    const zhGlossary = await pageQuery("/channels/glossary", "glossary");
    expect(zhGlossary.find((r) => r.metric_id === "contribution")).toMatchObject({
      metric_name: "渠道贡献",
      other_name: "Contribution",
    });
    expect(zhGlossary.every((r) => /[\u4e00-\u9fff]/.test(String(r.grain)))).toBe(true);
  });

  it("has a source query (one parquet file in the site) for every mart the channel pages read", async () => {
    const pageFiles = (await readdir(path.join(REPO_ROOT, "reports", "channels"), { recursive: true }))
      .map(String)
      .filter((file) => file.endsWith(".md"));
    const marts = new Set<string>();
    for (const file of pageFiles) {
      const markdown = await readFile(path.join(REPO_ROOT, "reports", "channels", file), "utf8");
      for (const match of markdown.matchAll(/\bwarehouse\.(\w+)/g)) marts.add(match[1] as string);
    }
    expect(marts.size).toBeGreaterThan(10);
    const siteManifest = JSON.parse(await readFile(path.join(site.siteDir, "data/manifest.json"), "utf8")) as {
      renderedFiles: Record<string, string[]>;
    };
    const tables = new Set(
      (siteManifest.renderedFiles["warehouse"] ?? []).map((url) => path.basename(url, ".parquet")),
    );
    for (const mart of marts) {
      expect(existsSync(path.join(REPO_ROOT, "sources", "warehouse", `${mart}.sql`)), mart).toBe(true);
      expect(tables.has(mart), mart).toBe(true);
    }
  });
});
