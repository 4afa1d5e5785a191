/**
 * The counting rule every load obeys: rows read = rows loaded + rows quarantined. A load whose
 * numbers do not add up fails, because a row that silently vanished is a number nobody can trust.
 *
 * A load that also takes rows out of raw (a corrected file replacing a partner's month) states how
 * many it superseded, and raw itself is counted before and after: its change must be rows loaded
 * minus rows superseded. So rows cannot leave raw without being counted, whatever the plan said.
 */

export interface ReconciliationCounts {
  read: number;
  loaded: number;
  rejected: number;
  /** The row count the source states, when it states one. */
  expected?: number | undefined;
  /** An incremental load merged batches into raw before the check (they cannot be undone by failing). */
  keptMergedBatches?: boolean;
  /** Rows the load took out of raw, replaced by rows it loaded (counted in `loaded`). */
  superseded?: number;
  /** Rows in raw before and after the load, counted there: the change must be loaded - superseded. */
  raw?: { before: number; after: number };
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/** Whether raw changed by exactly what the load says it loaded and superseded (true when raw was not counted). */
function rawMatches({ raw, loaded, superseded = 0 }: ReconciliationCounts): boolean {
  return raw === undefined || raw.after - raw.before === loaded - superseded;
}

export class ReconciliationError extends Error {
  constructor(
    readonly source: string,
    readonly stream: string,
    readonly counts: ReconciliationCounts,
  ) {
    const { read, loaded, rejected, expected, superseded = 0, raw } = counts;
    const rawOnly = (expected === undefined || expected === read) && read === loaded + rejected && raw !== undefined;
    const detail =
      expected !== undefined && expected !== read
        ? `the source reported ${expected} rows but ${read} were read`
        : !rawOnly
          ? `${read} rows read but ${loaded} loaded + ${rejected} quarantined = ${loaded + rejected}`
          : `raw went from ${raw.before} to ${raw.after} rows (${signed(raw.after - raw.before)}) but the load ` +
            `counts ${loaded} loaded - ${superseded} superseded = ${signed(loaded - superseded)}`;
    // Raw not changing as counted is no fault of the source: the loader's own counting is wrong.
    const advice = rawOnly
      ? "run again, and if it persists report it with this run's files: the loader miscounted"
      : "check the source for rows changing during the extract, then run again";
    const kept = counts.keptMergedBatches
      ? "The batches merged before the check stay in raw (real rows, by key), and the read position was put back " +
        "to where this load started, so the next run reads them all again"
      : "Nothing from this load was kept";
    super(`Load of ${source}.${stream} does not reconcile: ${detail}. ${kept}; ${advice}.`);
    this.name = "ReconciliationError";
  }
}

/**
 * Throws ReconciliationError unless read = loaded + rejected (and = expected, when the source states
 * a count; and raw's change = loaded - superseded, when raw was counted).
 */
export function assertReconciles(source: string, stream: string, counts: ReconciliationCounts): void {
  const balanced = counts.read === counts.loaded + counts.rejected;
  const matchesSource = counts.expected === undefined || counts.expected === counts.read;
  if (!balanced || !matchesSource || !rawMatches(counts)) throw new ReconciliationError(source, stream, counts);
}
