// Types for spreadsheet-safe.js (plain JavaScript: it is also installed into Evidence's universal-sql package).
/** The characters a spreadsheet reads as the start of a formula (OWASP's list). */
export declare const FORMULA_TRIGGERS: readonly string[];
/** True when a spreadsheet opening the text in a CSV would take it for a formula. */
export declare function startsLikeFormula(value: string): boolean;
/** Text starting like a formula gets a leading single quote; every other value is returned as it is. */
export declare function spreadsheetSafe<T>(value: T): T | string;
