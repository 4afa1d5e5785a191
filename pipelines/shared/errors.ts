/**
 * Failures that the same data and settings would repeat: a bad config, a broken model, a failing model test, a
 * refresh already running. Retrying them only delays the alarm, so the scheduler's retry loop gives up at once on
 * anything that extends this class. Each stage marks its own errors; orchestration never needs to list them.
 */
export class PermanentError extends Error {}

/** How the operating system says a disk (or the user's quota on it) is full. */
const NO_SPACE_CODES = new Set(["ENOSPC", "EDQUOT"]);
const NO_SPACE_TEXT = /No space left on device|Disk quota exceeded|\bENOSPC\b|\bEDQUOT\b/i;

/**
 * Whether `error`, or an error it wraps, comes from a full disk. Node says so with an error code; DuckDB and
 * PGlite only in their message (`IO Error: Could not write file "...": No space left on device`), and a
 * stage often wraps it in an error of its own (a model that failed), so the causes are searched too.
 */
export function isNoSpaceError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NO_SPACE_CODES.has(code)) return true;
    const message = e instanceof Error ? e.message : typeof e === "string" ? e : "";
    if (NO_SPACE_TEXT.test(message)) return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}

/**
 * The disk holding `folder` is full. Permanent: a full disk does not free itself between retries, and every
 * retry would fail the same way after minutes of work, only delaying the alarm.
 */
export class DiskFullError extends PermanentError {
  constructor(
    readonly folder: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DiskFullError";
  }
}

/**
 * The kinds of failure a load can have: all the published warehouse and the report site learn of a
 * failed source. Error text stays in the raw database (meta.loads) for operators: it can quote a
 * server, a file name or a broken response, none of which belongs in what readers get.
 */
export const LOAD_ERROR_CLASSES = [
  "unreachable",
  "timeout",
  "authentication",
  "rate_limited",
  "server_error",
  "bad_response",
  "contract",
  "reconciliation",
  "configuration",
  "other",
] as const;
export type LoadErrorClass = (typeof LOAD_ERROR_CLASSES)[number];
