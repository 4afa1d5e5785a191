/**
 * The quarantine reasons that quote a record's own values, and the same reasons with the values left out.
 *
 * meta.quarantine in the raw database keeps the whole reason for operators (`npm run quarantine`): a cell that is
 * not a number says what it holds, `quantity: not a integer ("12 boxes")`, which is what makes it quick to fix at
 * the source. The published warehouse gets each reason without the values (ops.quarantine_summary): a bad cell can
 * hold anything — a phone number typed into the amount, a customer's name in the partner id column — and what
 * readers get never carries a record's content. Both forms are made here, so they cannot drift apart.
 */
import { sellThroughFileScope } from "./contracts/partner-files.js";
import { quoteLiteral } from "./warehouse/duckdb.js";

/** How much of a bad cell a reason quotes. */
const QUOTED_CHARACTERS = 40;

/**
 * SQL: ` ("<the cell's first 40 characters>")`. Quoted as a JSON string (quotes and backslashes escaped), so
 * where the quote ends is certain whatever the cell holds, and the published form can cut exactly that out.
 */
export function quotedValueSql(valueSql: string): string {
  return `' (' || to_json(left(${valueSql}, ${QUOTED_CHARACTERS}))::varchar || ')'`;
}

/** A quoted value in a reason, as quotedValueSql writes it (RE2; in an SQL string literal backslashes are plain). */
const QUOTED_VALUE = String.raw` \("(?:[^"\\]|\\.)*"\)`;
/** What quoted a value before values were quoted as JSON strings: `<column>: not a <type> (<up to 40 characters>)`. */
const OLD_QUOTED_VALUE = String.raw`: not a [a-z]+ \(`;
/** Such a reason up to its first value (everything before it is the contract's words). */
const BEFORE_OLD_QUOTED_VALUE = String.raw`^(.*?: not a [a-z]+) \(`;

/**
 * SQL: why a valid row is not in the part of the data its file's name declares (`row is for partner PA0013 but
 * the file declares PA0014 (from its name): send it in that partner's file`). It names the row's own value.
 */
export function outOfScopeReasonSql(part: string, rowValueSql: string, declaredSql: string): string {
  return (
    `'row is for ${part} ' || coalesce(${rowValueSql}, '(none)') || ' but the file declares ' || ${declaredSql} || ` +
    `${quoteLiteral(` (from its name): send it in that ${part}'s file`)}`
  );
}

/** The parts a file name can declare (partner, month): the only words a published out-of-scope reason names. */
const SCOPE_PARTS = sellThroughFileScope.parts.map((part) => part.name);

/**
 * SQL: the reason `reasonSql` without any value of the record, for the published warehouse.
 *
 * - Quoted cells (quotedValueSql) are cut out exactly: `quantity: not a integer`.
 * - An out-of-scope row's reason is rewritten from fixed words (which parts differ), never from its text: the
 *   row's value sits in the middle of it and may itself contain anything.
 * - A reason from before values were quoted as JSON cannot be cut exactly (where the value ends is unknown), so
 *   only its part before the first value is kept.
 */
export function publishedReasonSql(reasonSql: string): string {
  const stripped = `regexp_replace(${reasonSql}, ${quoteLiteral(QUOTED_VALUE)}, '', 'g')`;
  const parts = SCOPE_PARTS.map(
    (part) =>
      `case when regexp_matches(${reasonSql}, ${quoteLiteral(`(^|; )row is for ${part} `)}) then ${quoteLiteral(part)} end`,
  ).join(", ");
  const differing = `coalesce(nullif(concat_ws(' and ', ${parts}), ''), 'scope')`;
  return `case
    when prefix(${reasonSql}, 'row is for ')
      then 'row is for another ' || ${differing} || ' than its file declares (from its name): send it in the file for its ' || ${differing}
    when regexp_matches(${stripped}, ${quoteLiteral(OLD_QUOTED_VALUE)})
      then regexp_extract(${reasonSql}, ${quoteLiteral(BEFORE_OLD_QUOTED_VALUE)}, 1) || ' (the value and any further reason left out)'
    else ${stripped}
  end`;
}
