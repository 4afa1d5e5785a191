/**
 * The CRM: entities read from a REST API that serves paged JSON
 * (`GET <baseUrl>/api/v1/<entity>?limit=&cursor=&updated_since=` -> `{ data: [...], next_cursor }`).
 * Each page is one batch; every record is then parsed with the entity's zod contract by the loader.
 *
 * Production APIs rate-limit and fail: 429 waits as long as `Retry-After` says, 5xx answers,
 * timeouts, dropped connections and garbled pages are retried with exponential backoff, and only
 * then does the stream fail with a message saying what to check. Incremental by `updated_since`:
 * the saved state is the newest `updated_at` seen, saved when the whole entity has been read
 * (pages need not be in `updated_at` order), and the next run asks from there (ties re-read and merged).
 * Each retry is reported through `onRetry` (the run prints one line per retry, see `describeRetry`);
 * the token is sent only in the Authorization header and scrubbed from every reason and error.
 *
 * No reason or error quotes what the CRM sent: a broken page or an error page can hold customer
 * records, and error text travels to the run log and on into the published warehouse. A response is
 * described by its HTTP status, content type and size; a page by its number, never by the cursor
 * the CRM handed out (cursors can encode the last record's key).
 */
import { z } from "zod";
import type { TableSpec } from "../shared/contracts/column-spec.js";
import type { RecordStream } from "../shared/source-stream.js";
import { redactSecrets } from "../shared/redact.js";

export interface CrmApiSourceConfig {
  readonly name: string;
  readonly baseUrl: string;
  readonly token: string;
  readonly tables: readonly TableSpec[];
  readonly pageSize?: number;
  /** Per request. */
  readonly timeoutMs?: number;
  /** Retries per request after the first attempt. */
  readonly maxRetries?: number;
  /** First backoff delay; doubles each retry (with jitter). */
  readonly backoffMs?: number;
  /** Longest wait honoured from a Retry-After header. */
  readonly maxRetryAfterMs?: number;
  /** Read everything instead of what changed since the last run. */
  readonly fullRefresh?: boolean;
  /** Injectable for tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (event: CrmRetryEvent) => void;
  /** Told when an optional entity is not served (one line for the run's output). */
  readonly onNotice?: (line: string) => void;
}

/** A request that failed and will be tried again after `waitMs`. */
export interface CrmRetryEvent {
  /** The entity being read, e.g. `customers`. */
  readonly entity: string;
  /** Path and query of the request (the token is never in it: it travels in a header). */
  readonly url: string;
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly maxRetries: number;
  readonly reason: string;
  readonly waitMs: number;
}

/** One line of run output for a retry: `crm.customers: retry 1 of 5 in 1.0 s — <reason>`. */
export function describeRetry(source: string, event: CrmRetryEvent): string {
  return `${source}.${event.entity}: retry ${event.attempt} of ${event.maxRetries} in ${(event.waitMs / 1000).toFixed(1)} s — ${event.reason}`;
}

export class CrmApiError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CrmApiError";
  }
}

/** The kinds of failure the published warehouse may show for the CRM (never the message). */
export type CrmErrorClass =
  | "authentication"
  | "rate_limited"
  | "server_error"
  | "timeout"
  | "unreachable"
  | "bad_response"
  | "other";

/**
 * The phrase each kind of failure puts in its message (see `attempt`), so the run log, which receives only the
 * message, can tell the kind.
 */
const PHRASES: ReadonlyArray<readonly [string, CrmErrorClass]> = [
  ["authorization failed (HTTP", "authentication"],
  ["rate limited (HTTP 429)", "rate_limited"],
  ["server error HTTP", "server_error"],
  ["no answer within", "timeout"],
  ["could not be reached at", "unreachable"],
  ["the CRM refused the request (HTTP", "bad_response"],
  ["response is not JSON", "bad_response"],
  ["response is not a page of records", "bad_response"],
];

/** The kind of failure an error message of this source describes, or undefined for a message it did not write. */
export function crmErrorClass(message: string): CrmErrorClass | undefined {
  if (!message.startsWith("CRM ")) return undefined;
  return PHRASES.find(([text]) => message.includes(text))?.[1] ?? "other";
}

/** A response as it may be described in a message: status, content type and size, never its content. */
function describeResponse(response: Response, body: string): string {
  const type =
    response.headers
      .get("content-type")
      ?.replace(/[^\x20-\x7e]/g, "")
      .slice(0, 80) || "no content type";
  return `HTTP ${response.status}, ${type}, ${Buffer.byteLength(body)} bytes`;
}

/** A failure worth trying again (rate limit, server error, timeout, broken page). */
class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The CRM answered 404 for an entity: it does not serve it (an optional entity is then skipped). */
class EntityNotServedError extends Error {}

const pageSchema = z.object({
  data: z.array(z.unknown()),
  next_cursor: z.string().nullable(),
});

interface CrmState {
  readonly updated_since: string;
}

/** `Retry-After` is seconds or an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** One record stream per CRM entity. */
export function crmApiSource(config: CrmApiSourceConfig): { streams: RecordStream[]; close(): Promise<void> } {
  const doFetch = config.fetch ?? fetch;
  const sleep = config.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pageSize = config.pageSize ?? 500;
  const timeoutMs = config.timeoutMs ?? 30_000;
  const maxRetries = config.maxRetries ?? 5;
  const backoffMs = config.backoffMs ?? 500;
  const maxRetryAfterMs = config.maxRetryAfterMs ?? 120_000;
  const redact = (text: string) => redactSecrets(text, [config.token]);

  async function attempt(url: URL, where: string): Promise<z.infer<typeof pageSchema>> {
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        headers: { authorization: `Bearer ${config.token}`, accept: "application/json" },
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      if (e.name === "TimeoutError") throw new RetryableError(`${where}: no answer within ${timeoutMs} ms`);
      const reason = `${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ""}`;
      throw new RetryableError(`${where} could not be reached at ${url.origin}: ${redact(reason)}`);
    }
    if (response.status === 401 || response.status === 403) {
      throw new CrmApiError(`${where}: authorization failed (HTTP ${response.status}). Set a valid CRM API token.`);
    }
    if (response.status === 429) {
      throw new RetryableError(`${where}: rate limited (HTTP 429)`, retryAfterMs(response.headers.get("retry-after")));
    }
    if (response.status >= 500) throw new RetryableError(`${where}: server error HTTP ${response.status}`);
    if (!response.ok) {
      throw new (response.status === 404 ? EntityNotServedError : CrmApiError)(
        `${where}: the CRM refused the request (${describeResponse(response, text)}). ` +
          "Check the CRM's base URL and that it serves /api/v1/<entity>; its log says why it refused.",
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new RetryableError(`${where}: response is not JSON (${describeResponse(response, text)})`);
    }
    const page = pageSchema.safeParse(body);
    if (!page.success) {
      throw new RetryableError(
        `${where}: response is not a page of records ({ "data": [...], "next_cursor": ... }; ${describeResponse(response, text)})`,
      );
    }
    return page.data;
  }

  async function getPage(entity: string, pageNumber: number, cursor: string | null, updatedSince: string | undefined) {
    const url = new URL(`api/v1/${entity}`, config.baseUrl.endsWith("/") ? config.baseUrl : `${config.baseUrl}/`);
    url.searchParams.set("limit", String(pageSize));
    if (cursor) url.searchParams.set("cursor", cursor);
    if (updatedSince) url.searchParams.set("updated_since", updatedSince);
    const where = `CRM ${url.pathname}${pageNumber > 1 ? ` (page ${pageNumber})` : ""}`;
    for (let tries = 0; ; tries++) {
      try {
        return await attempt(url, where);
      } catch (error) {
        if (!(error instanceof RetryableError)) throw error;
        if (tries >= maxRetries) {
          throw new CrmApiError(
            `${error.message}; gave up after ${tries + 1} attempts. Is the CRM API up? Check its base URL.`,
          );
        }
        const backoff = backoffMs * 2 ** tries * (0.5 + Math.random() / 2);
        const waitMs = Math.min(error.retryAfterMs ?? backoff, maxRetryAfterMs);
        config.onRetry?.({
          entity,
          url: redact(url.pathname + url.search),
          attempt: tries + 1,
          maxRetries,
          reason: redact(error.message),
          waitMs,
        });
        await sleep(waitMs);
      }
    }
  }

  const streams = config.tables.map(
    (table): RecordStream => ({
      source: config.name,
      table,
      mode: table.cursorColumn && !config.fullRefresh ? "incremental" : "full",
      async *read(savedState) {
        const cursorColumn = table.cursorColumn;
        const since = config.fullRefresh ? undefined : (savedState as CrmState | undefined)?.updated_since;
        let newest = since;
        let cursor: string | null = null;
        let pageNumber = 0;
        do {
          pageNumber++;
          let page: z.infer<typeof pageSchema>;
          try {
            page = await getPage(table.name, pageNumber, cursor, since);
          } catch (error) {
            if (!(error instanceof EntityNotServedError)) throw error;
            // A CRM without an optional entity (marketing touches, say) delivers none of it: not an error.
            if (table.optional && pageNumber === 1) {
              config.onNotice?.(`CRM does not serve /api/v1/${table.name} (HTTP 404): ${table.name} left empty`);
              return;
            }
            throw new CrmApiError(error.message);
          }
          if (cursorColumn) {
            for (const record of page.data) {
              const value = (record as Record<string, unknown> | null)?.[cursorColumn];
              if (
                typeof value === "string" &&
                !Number.isNaN(Date.parse(value)) &&
                (!newest || Date.parse(value) > Date.parse(newest))
              ) {
                newest = value;
              }
            }
          }
          cursor = page.next_cursor;
          const records = page.data.map((record, index) => ({
            record,
            location: `/api/v1/${table.name} page ${pageNumber} item ${index + 1}`,
          }));
          // State only with the last page: earlier pages are merged, but the cursor moves once the entity is complete.
          yield !cursor && newest ? { records, state: { updated_since: newest } satisfies CrmState } : { records };
        } while (cursor);
      },
    }),
  );
  return { streams, close: async () => undefined };
}
