// @evidence-offline-patch (ours, installed into @evidence-dev/component-utilities as src/chinese-units.js)
//
// Money for Chinese readers, in 万 (10^4) and 亿 (10^8): ¥7,044.6万, ¥1.23亿, ¥8,532 below ten thousand. Evidence
// formats numbers with Excel-style codes (SheetJS ssf), which can scale only by powers of 1000, so no format code
// can say 万. A format whose code starts with CHINESE_UNITS ("[万亿]", then the currency symbol, e.g. "[万亿]¥") is
// formatted here instead; formatting.js.patch sends such codes here, and pipelines/site/number-formats.ts defines the
// one format that uses it (`moneycn`, which the Chinese pages use wherever a page says `fmt=money`).

/** The prefix that marks a format code as "money in 万 / 亿"; what follows it is the currency symbol. */
export const CHINESE_UNITS = "[万亿]";

/** @param {unknown} code */
export function isChineseUnitsCode(code) {
  return typeof code === "string" && code.startsWith(CHINESE_UNITS);
}

/** The units from the smallest up: the divisor, the unit's character and the decimals shown. */
const STEPS = /** @type {const} */ ([
  [1, "", 0],
  [1e4, "万", 1],
  [1e8, "亿", 2],
]);

/**
 * `value` in the unit that keeps it short, with thousands separators, the symbol before it and a minus sign first.
 * Returns undefined for a value that is not a finite number (the caller then falls back to Evidence's default).
 * @param {string} code a format code starting with CHINESE_UNITS
 * @param {unknown} value
 */
export function formatChineseUnits(code, value) {
  const number = typeof value === "number" ? value : Number(value);
  if (value === null || value === "" || !Number.isFinite(number)) return undefined;
  const symbol = code.slice(CHINESE_UNITS.length);
  const size = Math.abs(number);
  for (const [index, [divisor, unit, decimals]] of STEPS.entries()) {
    // A unit is used while the figure, rounded as shown, stays below 10,000 of it (so 9,999.6 is 1.0万, never
    // 10,000); 亿 is the largest.
    const scaled = Number((size / divisor).toFixed(decimals));
    if (scaled >= 1e4 && index < STEPS.length - 1) continue;
    const digits = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    }).format(scaled);
    const sign = number < 0 && scaled !== 0 ? "-" : "";
    return `${sign}${symbol}${digits}${unit}`;
  }
  return undefined;
}
