/**
 * What a dropped file may replace, and when a replacement waits for a person.
 *
 * A file states in its name what it covers (for sell-through: `<anything>_<PARTNER_ID>_<YYYY-MM>[_<anything>]`,
 * see the partner-files contract), and a file so named replaces the rows earlier files gave that
 * scope. The rows themselves never decide it: a stray line for another partner is quarantined, not
 * taken as a reason to delete that partner's month. A file whose name declares no scope replaces
 * nothing; its rows are merged by key.
 *
 * A replacement that would shrink its scope sharply (a one-line "resend" replacing a 41-row month)
 * is more likely a partial file than a real correction, so it is held: none of its rows are
 * applied, the run says so, and `npm run accept-replacement -- <file>` lets the next refresh apply it.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { FileNameScope } from "../shared/contracts/partner-files.js";
import { kyselyOn } from "../shared/warehouse/kysely-dialect.js";
import type { MetaDatabase } from "../shared/warehouse/meta-schema.js";

/** A replacement is held when the scope had at least this many rows... */
export const HOLD_FROM_ROWS = 10;
/** ... and the file brings fewer than this share of them. */
export const HOLD_BELOW_SHARE = 0.5;

/** The values a file's name declares, one per part of the scope (in the rule's order); undefined when it declares none. */
export function declaredScope(rule: FileNameScope | undefined, fileName: string): string[] | undefined {
  const groups = rule?.pattern.exec(fileName)?.groups;
  if (!rule || !groups) return undefined;
  const values = rule.parts.map((part) => groups[part.name]);
  return values.every((v): v is string => v !== undefined && v !== "") ? values : undefined;
}

/** `partner PA0013, month 2026-10`: a declared scope as the run output and meta.file_loads show it. */
export function describeScope(rule: FileNameScope, values: readonly string[]): string {
  return rule.parts.map((part, i) => `${part.name} ${values[i]}`).join(", ");
}

function rows(n: number): string {
  return `${n} row${n === 1 ? "" : "s"}`;
}

/**
 * Why a replacement is held, or undefined when it may be applied: `replaced` rows in the scope now,
 * `fresh` valid rows in the file (and `invalid` more that break the contract). Held: under half of
 * a scope of at least HOLD_FROM_ROWS rows, or nothing valid at all in place of some rows.
 */
export function holdReason(
  file: string,
  scope: string,
  counts: { replaced: number; fresh: number; invalid: number },
): string | undefined {
  const { replaced, fresh, invalid } = counts;
  // A file none of whose rows can be loaded would leave its scope empty: held too, however small the scope.
  const emptied = replaced > 0 && fresh === 0 && invalid > 0;
  if (!emptied && (replaced < HOLD_FROM_ROWS || fresh >= replaced * HOLD_BELOW_SHARE)) return undefined;
  const broken = invalid ? ` (and ${rows(invalid)} breaking the contract)` : "";
  return (
    `held, not applied: the file would replace the ${rows(replaced)} of ${scope} with ${rows(fresh)}${broken}, ` +
    `${fresh ? "under half of them" : "leaving it empty"}. If that is right, run \`npm run accept-replacement -- ${file}\` and refresh again; ` +
    `if not, ask the partner for the complete file`
  );
}

export interface AcceptedReplacement {
  readonly file: string;
  readonly declaredScope: string | null;
  readonly heldReason: string;
  /** It had been accepted before (and not yet applied). */
  readonly alreadyAccepted: boolean;
}

/**
 * Marks the held replacement in `fileName` as accepted: the next refresh applies it even though it
 * shrinks its scope. The acceptance is for exactly the bytes that were held (by content hash): a
 * different file under the same name is judged afresh.
 */
export async function acceptHeldReplacement(
  connection: DuckDBConnection,
  fileName: string,
): Promise<AcceptedReplacement> {
  const db = kyselyOn<MetaDatabase>(connection);
  const [held] = await db
    .selectFrom("meta.file_loads")
    .select(["content_sha256", "declared_scope", "held_reason", "accepted_at"])
    .where("file_name", "=", fileName)
    .where("held_reason", "is not", null)
    .orderBy("loaded_at", "desc")
    .limit(1)
    .execute();
  if (!held) {
    const waiting = await db
      .selectFrom("meta.file_loads")
      .select("file_name")
      .where("held_reason", "is not", null)
      .where("accepted_at", "is", null)
      .orderBy("file_name")
      .execute();
    throw new Error(
      `No held replacement is named ${fileName}: ` +
        (waiting.length
          ? `the held files are ${waiting.map((w) => w.file_name).join(", ")}.`
          : "no file is held. (Held files are named in the refresh output and by `npm run quarantine`.)"),
    );
  }
  const result = { file: fileName, declaredScope: held.declared_scope, heldReason: held.held_reason! };
  if (held.accepted_at !== null) return { ...result, alreadyAccepted: true };
  await db
    .updateTable("meta.file_loads")
    .set({ accepted_at: new Date().toISOString() })
    .where("file_name", "=", fileName)
    .where("content_sha256", "=", held.content_sha256)
    .where("held_reason", "is not", null)
    .execute();
  return { ...result, alreadyAccepted: false };
}
