/**
 * The risk register's settings (风险评估与应对预案): for each risk of the plan, the threshold its indicator must stay
 * at or under, the risk's own parameters, and the prepared response (应对预案) in Chinese and English. The defaults
 * below apply to every risk the config file (`risks:`) does not override; the build writes the resolved settings to
 * `ops.risk_settings`, which `marts.risk_register` reads. What each indicator measures: README, "Risk register".
 */

/** The risks, in the order the plan names them (the register's `risk_order`). */
export const RISK_IDS = [
  "market_acceptance",
  "partner_choice",
  "channel_conflict",
  "input_output_imbalance",
  "key_customer_churn",
  "coverage_gap",
] as const;
export type RiskId = (typeof RISK_IDS)[number];

/** One row of ops.risk_settings. Parameters a risk does not use are null. */
export interface RiskSetting {
  readonly risk_id: RiskId;
  /** The indicator may be at most this; above it the risk is "above threshold" and its response is due. */
  readonly threshold: number;
  /** input_output_imbalance: the lowest acceptable return (contribution / channel costs) of a channel; 0 = break even. */
  readonly min_roi: number | null;
  /** market_acceptance: an emerging channel's lead conversion below this share of the other channels' is weak. */
  readonly min_conversion_ratio: number | null;
  /** market_acceptance: an emerging channel's completed revenue goal attained below this share is weak. */
  readonly min_target_attainment: number | null;
  readonly response_zh: string;
  readonly response_en: string;
}

/** What the config file may say about one risk: any of its settings, the rest keep their defaults. */
export type RiskOverride = Partial<Omit<RiskSetting, "risk_id">>;

export const RISK_DEFAULTS: Readonly<Record<RiskId, RiskSetting>> = {
  market_acceptance: {
    risk_id: "market_acceptance",
    // a count of emerging channels with weak uptake: none is tolerated
    threshold: 0,
    min_roi: null,
    min_conversion_ratio: 0.5,
    min_target_attainment: 0.5,
    response_zh:
      "暂停对该渠道追加投放，先小范围试点：逐个渠道复盘目标人群与产品的匹配（选品、价格带、内容形式），调整后按月复测线索转化率与销售目标达成；连续两个季度仍偏弱的渠道收缩投入或退出。",
    response_en:
      "Stop adding spend to the channel and run a small pilot: review audience-product fit channel by channel (range, price band, content format), then retest lead conversion and revenue attainment monthly; a channel still weak after two quarters is scaled back or exited.",
  },
  partner_choice: {
    risk_id: "partner_choice",
    // a share of partner sell-in: any flagged partner is above it
    threshold: 0,
    min_roi: null,
    min_conversion_ratio: null,
    min_target_attainment: null,
    response_zh:
      "对被标记的合作伙伴逐一复核：约谈并限期整改（窜货、乱价、压货），整改期间暂停返利与新增授权；整改不到位的按合同降级或终止合作，同时在该区域按资质、渠道能力与合规记录甄选替补伙伴。",
    response_en:
      "Review every flagged partner: meet them and set a deadline to stop cross-territory selling, price breaking or stock piling, suspending rebates and new authorisations meanwhile; downgrade or terminate those that do not comply under the contract, and select a replacement in the region on credentials, reach and compliance record.",
  },
  channel_conflict: {
    risk_id: "channel_conflict",
    // a share of the lines sold to end customers: zero tolerance, every 窜货 or 乱价 line breaks the partner contract
    threshold: 0,
    min_roi: null,
    min_conversion_ratio: null,
    min_target_attainment: null,
    response_zh:
      "按渠道管理制度处理：核实证据行（来源文件与行号），对窜货方扣减返利或保证金并补偿受损区域的伙伴；对低于最低限价的销售追回差价并重申价格体系；对高发产品启用区域专供编码和防窜货追踪。",
    response_en:
      "Apply the channel policy: verify the evidence lines (source file and line), deduct the offender's rebate or deposit and compensate the partner whose territory was entered; recover the shortfall on sales below the floor price and restate the price policy; give frequently diverted products region-specific codes and track them.",
  },
  input_output_imbalance: {
    risk_id: "input_output_imbalance",
    // a share of channel costs: any channel under its minimum return is above it
    threshold: 0,
    min_roi: 0,
    min_conversion_ratio: null,
    min_target_attainment: null,
    response_zh:
      "对回报低于下限的渠道做投入复盘：按流量成本与转化率砍掉低效投放，重新谈判平台费率与佣金，设定三个月止损线；到期仍为负贡献的渠道缩减至维持规模或退出，预算转给回报最高的渠道。",
    response_en:
      "Review the spend of every channel under its minimum return: cut the least efficient marketing (by traffic cost and conversion), renegotiate platform fees and commissions and set a three-month stop-loss; a channel still losing money then is cut to maintenance or exited, its budget moved to the channels with the best return.",
  },
  key_customer_churn: {
    risk_id: "key_customer_churn",
    // a share of key customers: more than one in twenty gone quiet
    threshold: 0.05,
    min_roi: null,
    min_conversion_ratio: null,
    min_target_attainment: null,
    response_zh:
      "客户经理一周内逐一回访沉默的关键客户，结合服务工单、退货与满意度调查找出原因；有针对性地提供专属服务或商务方案挽回，按月跟踪挽回结果，并把原因反馈给产品与服务团队。",
    response_en:
      "Account managers call every key customer gone quiet within a week and find out why (service tickets, returns, surveys); offer dedicated service or commercial terms to win them back, track the outcome monthly and feed the reasons back to the product and service teams.",
  },
  coverage_gap: {
    risk_id: "coverage_gap",
    // a count of regions with demand and no outlet: none is tolerated
    threshold: 0,
    min_roi: null,
    min_conversion_ratio: null,
    min_target_attainment: null,
    response_zh:
      "对有需求无网点的区域：先由线上渠道和直营承接需求，同时按需求规模排序启动当地经销商或代理商招募，明确签约与首单时间表。",
    response_en:
      "For each region with demand and no outlet: serve the demand online and directly meanwhile, and start recruiting a local distributor or agent in order of demand, with dates for signing and the first order.",
  },
};

/** Every risk's settings: the defaults with the config's overrides applied, in RISK_IDS order. */
export function resolveRiskSettings(overrides: Partial<Record<RiskId, RiskOverride>> = {}): RiskSetting[] {
  return RISK_IDS.map((id) => {
    const override = overrides[id] ?? {};
    const defined = Object.fromEntries(Object.entries(override).filter(([, value]) => value !== undefined));
    return { ...RISK_DEFAULTS[id], ...defined, risk_id: id };
  });
}
