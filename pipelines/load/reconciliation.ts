/**
 * The counting rule every load obeys: rows read = rows loaded + rows quarantined. A load whose
 * numbers do not add up fails, because a row that silently vanished is a number nobody can trust.
 */

export class ReconciliationError extends Error {
  constructor(
    readonly source: string,
    readonly stream: string,
    readonly counts: { read: number; loaded: number; rejected: number; expected?: number },
  ) {
    const { read, loaded, rejected, expected } = counts;
    const detail =
      expected !== undefined && expected !== read
        ? `the source reported ${expected} rows but ${read} were read`
        : `${read} rows read but ${loaded} loaded + ${rejected} quarantined = ${loaded + rejected}`;
    super(
      `Load of ${source}.${stream} does not reconcile: ${detail}. Nothing from this load was kept; ` +
        `check the source for rows changing during the extract, then run again.`,
    );
    this.name = "ReconciliationError";
  }
}

/** Throws ReconciliationError unless read = loaded + rejected (and = expected, when the source states a count). */
export function assertReconciles(
  source: string,
  stream: string,
  counts: { read: number; loaded: number; rejected: number; expected?: number | undefined },
): void {
  const balanced = counts.read === counts.loaded + counts.rejected;
  const matchesSource = counts.expected === undefined || counts.expected === counts.read;
  if (!balanced || !matchesSource) throw new ReconciliationError(source, stream, counts);
}
