// Types for chinese-units.js (plain JavaScript: it is installed into Evidence's component-utilities package).
/** The prefix that marks a format code as "money in 万 / 亿"; what follows it is the currency symbol. */
export declare const CHINESE_UNITS: string;
/** True for a format code starting with CHINESE_UNITS. */
export declare function isChineseUnitsCode(code: unknown): boolean;
/** The value in 万 / 亿 with the code's symbol (¥7,044.6万), or undefined for a value that is not a number. */
export declare function formatChineseUnits(code: string, value: unknown): string | undefined;
