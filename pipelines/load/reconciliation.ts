/**
 * The counting rule every load obeys: rows read = rows loaded + rows quarantined. A load whose
 * numbers do not add up fails, because a row that silently vanished is a number nobody can trust.
 */

export interface ReconciliationCounts {
  read: number;
  loaded: number;
  rejected: number;
  /** The row count the source states, when it states one. */
  expected?: number | undefined;
  /** An incremental load merged batches into raw before the check (they cannot be undone by failing). */
  keptMergedBatches?: boolean;
}

export class ReconciliationError extends Error {
  constructor(
    readonly source: string,
    readonly stream: string,
    readonly counts: ReconciliationCounts,
  ) {
    const { read, loaded, rejected, expected } = counts;
    const detail =
      expected !== undefined && expected !== read
        ? `the source reported ${expected} rows but ${read} were read`
        : `${read} rows read but ${loaded} loaded + ${rejected} quarantined = ${loaded + rejected}`;
    const kept = counts.keptMergedBatches
      ? "The batches merged before the check stay in raw (real rows, by key), and the read position was put back " +
        "to where this load started, so the next run reads them all again"
      : "Nothing from this load was kept";
    super(
      `Load of ${source}.${stream} does not reconcile: ${detail}. ${kept}; ` +
        `check the source for rows changing during the extract, then run again.`,
    );
    this.name = "ReconciliationError";
  }
}

/** Throws ReconciliationError unless read = loaded + rejected (and = expected, when the source states a count). */
export function assertReconciles(source: string, stream: string, counts: ReconciliationCounts): void {
  const balanced = counts.read === counts.loaded + counts.rejected;
  const matchesSource = counts.expected === undefined || counts.expected === counts.read;
  if (!balanced || !matchesSource) throw new ReconciliationError(source, stream, counts);
}
