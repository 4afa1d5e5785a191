// Types for spreadsheet-safe.js (plain JavaScript: it is installed into Evidence's universal-sql package).
/** The characters a spreadsheet reads as the start of a formula (OWASP's list). */
export declare const FORMULA_TRIGGERS: readonly string[];
/** Text starting like a formula gets a leading single quote; every other value is returned as it is. */
export declare function spreadsheetSafe<T>(value: T): T | string;
