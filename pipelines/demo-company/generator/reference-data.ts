/**
 * Fixed facts about the demo company's world: China's 31 mainland provincial regions, the
 * channels the company sells through, and its product catalogue (household and commercial
 * water purification). Numbers are chosen so the economics land where the plan's analyses are
 * interesting: gross margins 30-60%, partner price well below list, a floor price partners
 * must respect, and emerging channels with high fees and commissions.
 */
import type { ChannelType } from "../../shared/contracts/order-system.js";

export const COMPANY = {
  name: "Qingyuan Water Technology Co., Ltd.",
  name_zh: "清源水科技有限公司",
  business: "Household and commercial water purifiers, filters and heaters",
} as const;

export interface RegionRef {
  readonly id: string;
  readonly name: string;
  readonly nameZh: string;
  readonly area: string;
  readonly populationMillions: number;
  /** Spending power relative to the national average (drives demand per head). */
  readonly income: number;
  /** Cities (or districts, for the municipalities) used in addresses. */
  readonly cities: readonly string[];
}

/** 2020 census populations, rounded; areas as Chinese businesses usually group provinces. */
// prettier-ignore
export const REGIONS: readonly RegionRef[] = [
  { id: "CN-BJ", name: "Beijing", nameZh: "北京市", area: "North China", populationMillions: 21.9, income: 2.0, cities: ["朝阳区", "海淀区", "丰台区", "通州区"] },
  { id: "CN-TJ", name: "Tianjin", nameZh: "天津市", area: "North China", populationMillions: 13.9, income: 1.3, cities: ["和平区", "南开区", "滨海新区"] },
  { id: "CN-HE", name: "Hebei", nameZh: "河北省", area: "North China", populationMillions: 74.6, income: 0.85, cities: ["石家庄市", "唐山市", "保定市", "廊坊市"] },
  { id: "CN-SX", name: "Shanxi", nameZh: "山西省", area: "North China", populationMillions: 34.9, income: 0.8, cities: ["太原市", "大同市", "运城市"] },
  { id: "CN-NM", name: "Inner Mongolia", nameZh: "内蒙古自治区", area: "North China", populationMillions: 24.0, income: 0.95, cities: ["呼和浩特市", "包头市", "鄂尔多斯市"] },
  { id: "CN-LN", name: "Liaoning", nameZh: "辽宁省", area: "Northeast China", populationMillions: 42.6, income: 0.95, cities: ["沈阳市", "大连市", "鞍山市"] },
  { id: "CN-JL", name: "Jilin", nameZh: "吉林省", area: "Northeast China", populationMillions: 24.1, income: 0.8, cities: ["长春市", "吉林市", "延边州"] },
  { id: "CN-HL", name: "Heilongjiang", nameZh: "黑龙江省", area: "Northeast China", populationMillions: 31.9, income: 0.75, cities: ["哈尔滨市", "大庆市", "齐齐哈尔市"] },
  { id: "CN-SH", name: "Shanghai", nameZh: "上海市", area: "East China", populationMillions: 24.9, income: 2.0, cities: ["浦东新区", "徐汇区", "闵行区", "静安区"] },
  { id: "CN-JS", name: "Jiangsu", nameZh: "江苏省", area: "East China", populationMillions: 84.7, income: 1.5, cities: ["南京市", "苏州市", "无锡市", "常州市", "南通市"] },
  { id: "CN-ZJ", name: "Zhejiang", nameZh: "浙江省", area: "East China", populationMillions: 64.6, income: 1.55, cities: ["杭州市", "宁波市", "温州市", "绍兴市"] },
  { id: "CN-AH", name: "Anhui", nameZh: "安徽省", area: "East China", populationMillions: 61.0, income: 0.9, cities: ["合肥市", "芜湖市", "蚌埠市"] },
  { id: "CN-FJ", name: "Fujian", nameZh: "福建省", area: "East China", populationMillions: 41.5, income: 1.25, cities: ["福州市", "厦门市", "泉州市"] },
  { id: "CN-JX", name: "Jiangxi", nameZh: "江西省", area: "East China", populationMillions: 45.2, income: 0.85, cities: ["南昌市", "赣州市", "九江市"] },
  { id: "CN-SD", name: "Shandong", nameZh: "山东省", area: "East China", populationMillions: 101.5, income: 1.05, cities: ["济南市", "青岛市", "烟台市", "潍坊市"] },
  { id: "CN-HA", name: "Henan", nameZh: "河南省", area: "Central China", populationMillions: 99.4, income: 0.85, cities: ["郑州市", "洛阳市", "南阳市", "新乡市"] },
  { id: "CN-HB", name: "Hubei", nameZh: "湖北省", area: "Central China", populationMillions: 57.8, income: 1.0, cities: ["武汉市", "宜昌市", "襄阳市"] },
  { id: "CN-HN", name: "Hunan", nameZh: "湖南省", area: "Central China", populationMillions: 66.4, income: 0.9, cities: ["长沙市", "株洲市", "岳阳市", "衡阳市"] },
  { id: "CN-GD", name: "Guangdong", nameZh: "广东省", area: "South China", populationMillions: 126.0, income: 1.35, cities: ["广州市", "深圳市", "东莞市", "佛山市", "珠海市"] },
  { id: "CN-GX", name: "Guangxi", nameZh: "广西壮族自治区", area: "South China", populationMillions: 50.1, income: 0.75, cities: ["南宁市", "柳州市", "桂林市"] },
  { id: "CN-HI", name: "Hainan", nameZh: "海南省", area: "South China", populationMillions: 10.1, income: 0.9, cities: ["海口市", "三亚市"] },
  { id: "CN-CQ", name: "Chongqing", nameZh: "重庆市", area: "Southwest China", populationMillions: 32.1, income: 1.0, cities: ["渝中区", "江北区", "渝北区", "沙坪坝区"] },
  { id: "CN-SC", name: "Sichuan", nameZh: "四川省", area: "Southwest China", populationMillions: 83.7, income: 0.9, cities: ["成都市", "绵阳市", "德阳市", "宜宾市"] },
  { id: "CN-GZ", name: "Guizhou", nameZh: "贵州省", area: "Southwest China", populationMillions: 38.6, income: 0.75, cities: ["贵阳市", "遵义市", "六盘水市"] },
  { id: "CN-YN", name: "Yunnan", nameZh: "云南省", area: "Southwest China", populationMillions: 47.2, income: 0.8, cities: ["昆明市", "曲靖市", "大理州", "玉溪市"] },
  { id: "CN-XZ", name: "Tibet", nameZh: "西藏自治区", area: "Southwest China", populationMillions: 3.6, income: 0.7, cities: ["拉萨市", "日喀则市"] },
  { id: "CN-SN", name: "Shaanxi", nameZh: "陕西省", area: "Northwest China", populationMillions: 39.5, income: 0.95, cities: ["西安市", "宝鸡市", "咸阳市"] },
  { id: "CN-GS", name: "Gansu", nameZh: "甘肃省", area: "Northwest China", populationMillions: 25.0, income: 0.65, cities: ["兰州市", "天水市", "酒泉市"] },
  { id: "CN-QH", name: "Qinghai", nameZh: "青海省", area: "Northwest China", populationMillions: 5.9, income: 0.75, cities: ["西宁市", "海东市"] },
  { id: "CN-NX", name: "Ningxia", nameZh: "宁夏回族自治区", area: "Northwest China", populationMillions: 7.2, income: 0.8, cities: ["银川市", "石嘴山市"] },
  { id: "CN-XJ", name: "Xinjiang", nameZh: "新疆维吾尔自治区", area: "Northwest China", populationMillions: 25.9, income: 0.8, cities: ["乌鲁木齐市", "克拉玛依市", "喀什地区"] },
];

/** Land borders between provinces (used for territory extensions and for cross-territory selling). */
export const NEIGHBOURS: Record<string, readonly string[]> = {
  "CN-BJ": ["CN-TJ", "CN-HE"],
  "CN-TJ": ["CN-BJ", "CN-HE"],
  "CN-HE": ["CN-BJ", "CN-TJ", "CN-SX", "CN-NM", "CN-LN", "CN-SD", "CN-HA"],
  "CN-SX": ["CN-HE", "CN-NM", "CN-SN", "CN-HA"],
  "CN-NM": ["CN-HE", "CN-SX", "CN-LN", "CN-JL", "CN-HL", "CN-SN", "CN-GS", "CN-NX"],
  "CN-LN": ["CN-HE", "CN-NM", "CN-JL"],
  "CN-JL": ["CN-LN", "CN-NM", "CN-HL"],
  "CN-HL": ["CN-JL", "CN-NM"],
  "CN-SH": ["CN-JS", "CN-ZJ"],
  "CN-JS": ["CN-SH", "CN-ZJ", "CN-AH", "CN-SD"],
  "CN-ZJ": ["CN-SH", "CN-JS", "CN-AH", "CN-JX", "CN-FJ"],
  "CN-AH": ["CN-JS", "CN-ZJ", "CN-JX", "CN-HB", "CN-HA", "CN-SD"],
  "CN-FJ": ["CN-ZJ", "CN-JX", "CN-GD"],
  "CN-JX": ["CN-ZJ", "CN-AH", "CN-FJ", "CN-GD", "CN-HN", "CN-HB"],
  "CN-SD": ["CN-HE", "CN-HA", "CN-AH", "CN-JS"],
  "CN-HA": ["CN-HE", "CN-SX", "CN-SN", "CN-HB", "CN-AH", "CN-SD"],
  "CN-HB": ["CN-HA", "CN-SN", "CN-CQ", "CN-HN", "CN-JX", "CN-AH"],
  "CN-HN": ["CN-HB", "CN-CQ", "CN-GZ", "CN-GX", "CN-GD", "CN-JX"],
  "CN-GD": ["CN-FJ", "CN-JX", "CN-HN", "CN-GX", "CN-HI"],
  "CN-GX": ["CN-GD", "CN-HN", "CN-GZ", "CN-YN"],
  "CN-HI": ["CN-GD"],
  "CN-CQ": ["CN-HB", "CN-HN", "CN-GZ", "CN-SC", "CN-SN"],
  "CN-SC": ["CN-CQ", "CN-GZ", "CN-YN", "CN-XZ", "CN-QH", "CN-GS", "CN-SN"],
  "CN-GZ": ["CN-CQ", "CN-SC", "CN-YN", "CN-GX", "CN-HN"],
  "CN-YN": ["CN-SC", "CN-GZ", "CN-GX", "CN-XZ"],
  "CN-XZ": ["CN-XJ", "CN-QH", "CN-SC", "CN-YN"],
  "CN-SN": ["CN-SX", "CN-NM", "CN-NX", "CN-GS", "CN-SC", "CN-CQ", "CN-HB", "CN-HA"],
  "CN-GS": ["CN-NM", "CN-NX", "CN-SN", "CN-SC", "CN-QH", "CN-XJ"],
  "CN-QH": ["CN-GS", "CN-XJ", "CN-XZ", "CN-SC"],
  "CN-NX": ["CN-NM", "CN-SN", "CN-GS"],
  "CN-XJ": ["CN-GS", "CN-QH", "CN-XZ"],
};

/** The hub province of each area, home of that area's national distributor. */
export const AREA_HUBS: Record<string, string> = {
  "North China": "CN-BJ",
  "Northeast China": "CN-LN",
  "East China": "CN-SH",
  "Central China": "CN-HB",
  "South China": "CN-GD",
  "Southwest China": "CN-SC",
  "Northwest China": "CN-SN",
};

/** The region left without any partner when truths are planted (demand without an outlet). */
export const UNCOVERED_REGION_ID = "CN-YN";

export type ProductMix = "consumer_first" | "consumer_repeat" | "community" | "business" | "partner";

export interface ChannelRef {
  readonly id: string;
  readonly name: string;
  /** The channel's Chinese name (the order system's optional channel_name_zh). */
  readonly nameZh: string;
  readonly type: ChannelType;
  readonly online: boolean;
  readonly platformFeeRate: number;
  readonly commissionRate: number;
  /** Monthly cost of running the channel at scale 1 (team, store operations), CNY. */
  readonly monthlyManagementCost: number;
  readonly launchedOn: string;
  /** Relative weight for acquiring new consumers (0 = channel does not acquire consumers). */
  readonly acquisitionWeight: number;
  /** Monthly growth of that weight (emerging channels grow, traditional ones flatten). */
  readonly monthlyGrowth: number;
  /** Range of the price actually paid, as a share of list price. */
  readonly priceRate: readonly [number, number];
  readonly returnRate: number;
  readonly cancelRate: number;
  /** Marketing spend as a share of the channel's monthly revenue. */
  readonly marketingRate: number;
  /** Cost of one visit (traffic cost), CNY. */
  readonly costPerVisit: number;
  /** Satisfaction tilt for surveys (negative = less satisfied customers). */
  readonly satisfactionShift: number;
}

/**
 * Fees: platforms charge 5-15% (technical service fee plus payment). Live-streaming adds the
 * streamer's commission (15-30%), content commerce the creators' affiliate commission, community
 * group buying the group leader's commission, agents and key-account sales a sales commission.
 */
// prettier-ignore
export const CHANNELS: readonly ChannelRef[] = [
  { id: "DIST-NAT", name: "National distributors", nameZh: "全国经销商", type: "distributor", online: false, platformFeeRate: 0, commissionRate: 0, monthlyManagementCost: 9000, launchedOn: "2016-03-01", acquisitionWeight: 0, monthlyGrowth: 0, priceRate: [1, 1], returnRate: 0.008, cancelRate: 0.01, marketingRate: 0.025, costPerVisit: 6, satisfactionShift: 0 },
  { id: "DIST-REG", name: "Regional distributors", nameZh: "区域经销商", type: "distributor", online: false, platformFeeRate: 0, commissionRate: 0, monthlyManagementCost: 7000, launchedOn: "2017-05-01", acquisitionWeight: 0, monthlyGrowth: 0, priceRate: [1, 1], returnRate: 0.01, cancelRate: 0.01, marketingRate: 0.03, costPerVisit: 6, satisfactionShift: 0 },
  { id: "AGENT-CTY", name: "County agents", nameZh: "县级代理商", type: "agent", online: false, platformFeeRate: 0, commissionRate: 0.03, monthlyManagementCost: 3500, launchedOn: "2018-09-01", acquisitionWeight: 0, monthlyGrowth: 0, priceRate: [1, 1], returnRate: 0.01, cancelRate: 0.015, marketingRate: 0.03, costPerVisit: 5, satisfactionShift: 0 },
  { id: "RET-APPL", name: "Appliance retail chains", nameZh: "家电连锁卖场", type: "retailer", online: false, platformFeeRate: 0, commissionRate: 0, monthlyManagementCost: 4500, launchedOn: "2016-03-01", acquisitionWeight: 0, monthlyGrowth: 0, priceRate: [1, 1], returnRate: 0.012, cancelRate: 0.01, marketingRate: 0.04, costPerVisit: 4, satisfactionShift: 0.1 },
  { id: "RET-SMKT", name: "Supermarkets and hypermarkets", nameZh: "商超卖场", type: "retailer", online: false, platformFeeRate: 0, commissionRate: 0, monthlyManagementCost: 3000, launchedOn: "2019-04-01", acquisitionWeight: 0, monthlyGrowth: 0, priceRate: [1, 1], returnRate: 0.012, cancelRate: 0.01, marketingRate: 0.04, costPerVisit: 3, satisfactionShift: 0 },
  { id: "EC-TMALL", name: "Tmall flagship store", nameZh: "天猫旗舰店", type: "ecommerce_platform", online: true, platformFeeRate: 0.055, commissionRate: 0, monthlyManagementCost: 3500, launchedOn: "2017-06-18", acquisitionWeight: 20, monthlyGrowth: 0.002, priceRate: [0.84, 0.97], returnRate: 0.035, cancelRate: 0.03, marketingRate: 0.12, costPerVisit: 1.8, satisfactionShift: 0.1 },
  { id: "EC-JD", name: "JD.com store", nameZh: "京东自营", type: "ecommerce_platform", online: true, platformFeeRate: 0.08, commissionRate: 0, monthlyManagementCost: 3000, launchedOn: "2018-03-01", acquisitionWeight: 16, monthlyGrowth: 0.004, priceRate: [0.85, 0.97], returnRate: 0.03, cancelRate: 0.025, marketingRate: 0.1, costPerVisit: 2.0, satisfactionShift: 0.2 },
  { id: "SOC-WXMP", name: "WeChat mini-program mall", nameZh: "微信小程序商城", type: "social_commerce", online: true, platformFeeRate: 0.05, commissionRate: 0.05, monthlyManagementCost: 1500, launchedOn: "2020-08-01", acquisitionWeight: 6, monthlyGrowth: 0.01, priceRate: [0.88, 1.0], returnRate: 0.025, cancelRate: 0.02, marketingRate: 0.06, costPerVisit: 0.8, satisfactionShift: 0.25 },
  { id: "SOC-PDD", name: "Pinduoduo store", nameZh: "拼多多店铺", type: "social_commerce", online: true, platformFeeRate: 0.06, commissionRate: 0, monthlyManagementCost: 1500, launchedOn: "2021-05-01", acquisitionWeight: 8, monthlyGrowth: 0.008, priceRate: [0.8, 0.9], returnRate: 0.05, cancelRate: 0.04, marketingRate: 0.09, costPerVisit: 0.9, satisfactionShift: -0.1 },
  { id: "CNT-XHS", name: "Xiaohongshu store", nameZh: "小红书店铺", type: "content_commerce", online: true, platformFeeRate: 0.05, commissionRate: 0.1, monthlyManagementCost: 600, launchedOn: "2025-04-01", acquisitionWeight: 5, monthlyGrowth: 0.05, priceRate: [0.88, 0.98], returnRate: 0.045, cancelRate: 0.03, marketingRate: 0.12, costPerVisit: 1.2, satisfactionShift: 0.1 },
  { id: "CNT-DYSV", name: "Douyin short-video shop", nameZh: "抖音短视频小店", type: "content_commerce", online: true, platformFeeRate: 0.05, commissionRate: 0.1, monthlyManagementCost: 1500, launchedOn: "2022-10-01", acquisitionWeight: 6, monthlyGrowth: 0.02, priceRate: [0.82, 0.93], returnRate: 0.06, cancelRate: 0.04, marketingRate: 0.1, costPerVisit: 0.6, satisfactionShift: -0.05 },
  { id: "LIVE-DY", name: "Douyin live-streaming", nameZh: "抖音直播", type: "live_streaming", online: true, platformFeeRate: 0.05, commissionRate: 0.18, monthlyManagementCost: 1800, launchedOn: "2023-03-01", acquisitionWeight: 10, monthlyGrowth: 0.035, priceRate: [0.78, 0.88], returnRate: 0.08, cancelRate: 0.05, marketingRate: 0.08, costPerVisit: 0.5, satisfactionShift: -0.2 },
  { id: "LIVE-KS", name: "Kuaishou live-streaming", nameZh: "快手直播", type: "live_streaming", online: true, platformFeeRate: 0.05, commissionRate: 0.22, monthlyManagementCost: 1200, launchedOn: "2025-02-10", acquisitionWeight: 7, monthlyGrowth: 0.04, priceRate: [0.78, 0.86], returnRate: 0.09, cancelRate: 0.05, marketingRate: 0.06, costPerVisit: 0.5, satisfactionShift: -0.3 },
  { id: "CGB-MT", name: "Meituan community group buying", nameZh: "美团优选社区团购", type: "community_group_buying", online: true, platformFeeRate: 0.08, commissionRate: 0.1, monthlyManagementCost: 1200, launchedOn: "2024-12-02", acquisitionWeight: 6, monthlyGrowth: 0.03, priceRate: [0.8, 0.9], returnRate: 0.03, cancelRate: 0.03, marketingRate: 0.05, costPerVisit: 0.4, satisfactionShift: 0 },
  { id: "DKA", name: "Direct key accounts", nameZh: "直销大客户", type: "direct_key_account", online: false, platformFeeRate: 0, commissionRate: 0.03, monthlyManagementCost: 12000, launchedOn: "2016-03-01", acquisitionWeight: 0, monthlyGrowth: 0, priceRate: [0.8, 0.92], returnRate: 0.01, cancelRate: 0.01, marketingRate: 0.02, costPerVisit: 250, satisfactionShift: 0.3 },
];

/** The channel whose contribution turns negative when truths are planted, and its marketing rate then. */
export const NEGATIVE_CHANNEL_ID = "LIVE-KS";
export const NEGATIVE_CHANNEL_MARKETING_RATE = 0.36;

/**
 * The channels of the planted journey truths (marketing touches): the assisting channel opens many journeys that end
 * in a first order elsewhere but is hardly ever the last touch; the closing channel takes first orders of people other
 * channels brought in.
 */
export const ASSISTING_CHANNEL_ID = "CNT-DYSV";
export const CLOSING_CHANNEL_ID = "EC-TMALL";

export type ProductCategory =
  | "household_purifier"
  | "filter"
  | "heater_dispenser"
  | "whole_house"
  | "commercial"
  | "commercial_filter"
  | "accessory";

export interface ProductRef {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  /** The product's Chinese name (the order system's optional product_name_zh). */
  readonly nameZh: string;
  readonly category: ProductCategory;
  /** List price before the 2026 price change, CNY. */
  readonly listPrice: number;
  /** Unit cost as a share of the first list price. */
  readonly costRate: number;
  readonly launchedOn: string;
  /** Price increase applied from 1 January 2026 (0 = unchanged). */
  readonly increase2026: number;
  /** Popularity within its category. */
  readonly popularity: number;
}

// prettier-ignore
export const PRODUCTS: readonly ProductRef[] = [
  { id: "P001", sku: "QY-RO-400G", name: "RO water purifier 400G", nameZh: "RO反渗透净水器 400G", category: "household_purifier", listPrice: 1999, costRate: 0.4, launchedOn: "2021-03-01", increase2026: 0, popularity: 3 },
  { id: "P002", sku: "QY-RO-600G", name: "RO water purifier 600G", nameZh: "RO反渗透净水器 600G", category: "household_purifier", listPrice: 2699, costRate: 0.39, launchedOn: "2022-03-01", increase2026: 0.03, popularity: 5 },
  { id: "P003", sku: "QY-RO-800G", name: "RO water purifier 800G", nameZh: "RO反渗透净水器 800G", category: "household_purifier", listPrice: 3299, costRate: 0.39, launchedOn: "2023-03-01", increase2026: 0.03, popularity: 4 },
  { id: "P004", sku: "QY-RO-1000G", name: "RO water purifier 1000G", nameZh: "RO反渗透净水器 1000G", category: "household_purifier", listPrice: 4299, costRate: 0.41, launchedOn: "2025-03-15", increase2026: 0, popularity: 3 },
  { id: "P005", sku: "QY-RO-1200G-PRO", name: "RO water purifier 1200G Pro", nameZh: "RO反渗透净水器 1200G Pro", category: "household_purifier", listPrice: 5999, costRate: 0.42, launchedOn: "2026-04-01", increase2026: 0, popularity: 2 },
  { id: "P006", sku: "QY-UF-200", name: "Ultrafiltration purifier", nameZh: "超滤净水器", category: "household_purifier", listPrice: 1299, costRate: 0.38, launchedOn: "2020-05-01", increase2026: 0.05, popularity: 2 },
  { id: "P007", sku: "QY-CT-MINI", name: "Countertop purifier mini", nameZh: "台式净水器 mini", category: "household_purifier", listPrice: 1599, costRate: 0.4, launchedOn: "2022-09-01", increase2026: 0, popularity: 3 },
  { id: "P008", sku: "QY-CT-HOT", name: "Countertop purifier with instant heating", nameZh: "台式即热净饮机", category: "household_purifier", listPrice: 2999, costRate: 0.41, launchedOn: "2023-09-01", increase2026: 0.02, popularity: 3 },
  { id: "P009", sku: "QY-F-PP", name: "PP cotton filter", nameZh: "PP棉滤芯", category: "filter", listPrice: 89, costRate: 0.32, launchedOn: "2019-01-01", increase2026: 0.05, popularity: 6 },
  { id: "P010", sku: "QY-F-CB", name: "Carbon block filter", nameZh: "活性炭滤芯", category: "filter", listPrice: 129, costRate: 0.32, launchedOn: "2019-01-01", increase2026: 0.05, popularity: 5 },
  { id: "P011", sku: "QY-F-RO400", name: "RO membrane 400G", nameZh: "RO膜滤芯 400G", category: "filter", listPrice: 399, costRate: 0.34, launchedOn: "2021-03-01", increase2026: 0, popularity: 3 },
  { id: "P012", sku: "QY-F-RO600", name: "RO membrane 600G", nameZh: "RO膜滤芯 600G", category: "filter", listPrice: 499, costRate: 0.34, launchedOn: "2022-03-01", increase2026: 0.03, popularity: 4 },
  { id: "P013", sku: "QY-F-RO800", name: "RO membrane 800G", nameZh: "RO膜滤芯 800G", category: "filter", listPrice: 599, costRate: 0.34, launchedOn: "2023-03-01", increase2026: 0.03, popularity: 3 },
  { id: "P014", sku: "QY-F-RO1000", name: "RO membrane 1000G", nameZh: "RO膜滤芯 1000G", category: "filter", listPrice: 699, costRate: 0.35, launchedOn: "2025-03-15", increase2026: 0, popularity: 2 },
  { id: "P015", sku: "QY-F-COMP", name: "Composite filter (PP + carbon)", nameZh: "复合滤芯（PP+活性炭）", category: "filter", listPrice: 199, costRate: 0.32, launchedOn: "2021-03-01", increase2026: 0.05, popularity: 5 },
  { id: "P016", sku: "QY-F-UF", name: "UF membrane", nameZh: "超滤膜滤芯", category: "filter", listPrice: 159, costRate: 0.33, launchedOn: "2020-05-01", increase2026: 0, popularity: 2 },
  { id: "P017", sku: "QY-F-CT", name: "Countertop filter set", nameZh: "台式机滤芯套装", category: "filter", listPrice: 259, costRate: 0.33, launchedOn: "2022-09-01", increase2026: 0, popularity: 3 },
  { id: "P018", sku: "QY-H-PIPE", name: "Pipeline instant heater", nameZh: "管线机", category: "heater_dispenser", listPrice: 1299, costRate: 0.4, launchedOn: "2021-09-01", increase2026: 0.03, popularity: 3 },
  { id: "P019", sku: "QY-H-WALL", name: "Wall-mounted instant heater", nameZh: "壁挂式即热管线机", category: "heater_dispenser", listPrice: 1899, costRate: 0.41, launchedOn: "2023-05-01", increase2026: 0, popularity: 2 },
  { id: "P020", sku: "QY-D-DESK", name: "Desktop water dispenser", nameZh: "台式饮水机", category: "heater_dispenser", listPrice: 899, costRate: 0.38, launchedOn: "2020-05-01", increase2026: 0, popularity: 3 },
  { id: "P021", sku: "QY-WH-CENTRAL", name: "Whole-house central purifier", nameZh: "全屋中央净水机", category: "whole_house", listPrice: 6999, costRate: 0.42, launchedOn: "2021-06-01", increase2026: 0.04, popularity: 2 },
  { id: "P022", sku: "QY-WH-SOFT", name: "Whole-house water softener", nameZh: "全屋软水机", category: "whole_house", listPrice: 8999, costRate: 0.42, launchedOn: "2022-06-01", increase2026: 0.04, popularity: 1 },
  { id: "P023", sku: "QY-WH-PRE", name: "Whole-house pre-filter", nameZh: "全屋前置过滤器", category: "whole_house", listPrice: 799, costRate: 0.36, launchedOn: "2021-06-01", increase2026: 0, popularity: 3 },
  { id: "P024", sku: "QY-C-OFFICE", name: "Office direct-drinking machine", nameZh: "办公直饮机", category: "commercial", listPrice: 6800, costRate: 0.44, launchedOn: "2020-01-01", increase2026: 0.03, popularity: 4 },
  { id: "P025", sku: "QY-C-RO1T", name: "Commercial RO system 1 t/h", nameZh: "商用RO纯水设备 1吨/时", category: "commercial", listPrice: 28800, costRate: 0.45, launchedOn: "2020-01-01", increase2026: 0, popularity: 2 },
  { id: "P026", sku: "QY-C-RO2T", name: "Commercial RO system 2 t/h", nameZh: "商用RO纯水设备 2吨/时", category: "commercial", listPrice: 46800, costRate: 0.46, launchedOn: "2022-01-01", increase2026: 0, popularity: 1 },
  { id: "P027", sku: "QY-C-SCHOOL", name: "School drinking station", nameZh: "校园直饮水站", category: "commercial", listPrice: 12800, costRate: 0.44, launchedOn: "2021-08-01", increase2026: 0.03, popularity: 2 },
  { id: "P028", sku: "QY-F-C-MEM", name: "Commercial RO membrane", nameZh: "商用RO膜", category: "commercial_filter", listPrice: 1280, costRate: 0.36, launchedOn: "2020-01-01", increase2026: 0.03, popularity: 3 },
  { id: "P029", sku: "QY-F-C-SET", name: "Commercial filter set", nameZh: "商用滤芯套装", category: "commercial_filter", listPrice: 680, costRate: 0.34, launchedOn: "2020-01-01", increase2026: 0.03, popularity: 5 },
  { id: "P030", sku: "QY-A-TDS", name: "TDS test pen", nameZh: "TDS检测笔", category: "accessory", listPrice: 39, costRate: 0.35, launchedOn: "2019-01-01", increase2026: 0, popularity: 3 },
  { id: "P031", sku: "QY-A-FAUCET", name: "Dedicated purifier faucet", nameZh: "净水专用龙头", category: "accessory", listPrice: 159, costRate: 0.36, launchedOn: "2019-01-01", increase2026: 0, popularity: 2 },
  { id: "P032", sku: "QY-A-KIT", name: "Installation kit", nameZh: "安装配件包", category: "accessory", listPrice: 99, costRate: 0.35, launchedOn: "2019-01-01", increase2026: 0, popularity: 2 },
  { id: "P033", sku: "QY-A-BOTTLE", name: "Filter water bottle", nameZh: "过滤水杯", category: "accessory", listPrice: 129, costRate: 0.36, launchedOn: "2023-06-01", increase2026: 0, popularity: 3 },
  { id: "P034", sku: "QY-A-PITCHER", name: "Filter pitcher", nameZh: "滤水壶", category: "accessory", listPrice: 169, costRate: 0.36, launchedOn: "2022-04-01", increase2026: 0, popularity: 3 },
];

/** The product the below-floor partner dumps (a popular purifier). */
export const BELOW_FLOOR_PRODUCT_ID = "P002";

/** Words for partner company names (Chinese trade names are built from two auspicious syllables). */
export const TRADE_NAME_WORDS = [
  "恒通",
  "鑫源",
  "华泰",
  "瑞丰",
  "宏达",
  "嘉禾",
  "永盛",
  "新锐",
  "广联",
  "博远",
  "汇川",
  "鼎盛",
  "润泽",
  "清沣",
  "金诚",
  "天合",
  "海悦",
  "盛世",
  "安信",
  "中联",
  "百川",
  "致远",
  "联创",
  "明辉",
  "祥和",
  "佳源",
  "众邦",
  "丰泰",
] as const;

export const PARTNER_NAME_SUFFIX: Record<string, readonly string[]> = {
  distributor: ["商贸有限公司", "贸易有限公司", "供应链有限公司"],
  agent: ["净水设备经营部", "电器商行", "水处理设备有限公司"],
  retailer: ["电器连锁有限公司", "家电连锁股份有限公司", "超市有限公司", "百货有限公司"],
};
