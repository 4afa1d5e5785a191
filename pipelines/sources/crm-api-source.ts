/**
 * The CRM: entities read from a REST API that serves paged JSON
 * (`GET <baseUrl>/api/v1/<entity>?limit=&cursor=` -> `{ data: [...], next_cursor }`).
 * Each page is one batch; every record is later parsed with the entity's zod contract.
 */
import { z } from "zod";
import type { TableSpec } from "../contracts/column-spec.js";
import type { RecordStream } from "../load/source-stream.js";
import { redactSecrets } from "./redact.js";

export interface CrmApiSourceConfig {
  readonly name: string;
  readonly baseUrl: string;
  readonly token: string;
  readonly tables: readonly TableSpec[];
  readonly pageSize?: number;
  readonly timeoutMs?: number;
  /** Injectable for tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

export class CrmApiError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CrmApiError";
  }
}

const pageSchema = z.object({
  data: z.array(z.unknown()),
  next_cursor: z.string().nullable(),
});

/** One record stream per CRM entity. */
export function crmApiSource(config: CrmApiSourceConfig): { streams: RecordStream[]; close(): Promise<void> } {
  const doFetch = config.fetch ?? fetch;
  const pageSize = config.pageSize ?? 500;
  const timeoutMs = config.timeoutMs ?? 30_000;

  async function getPage(entity: string, cursor: string | null): Promise<z.infer<typeof pageSchema>> {
    const url = new URL(`api/v1/${entity}`, config.baseUrl.endsWith("/") ? config.baseUrl : `${config.baseUrl}/`);
    url.searchParams.set("limit", String(pageSize));
    if (cursor) url.searchParams.set("cursor", cursor);
    const where = `CRM ${url.pathname}${cursor ? ` (cursor ${cursor})` : ""}`;
    let response: Response;
    try {
      response = await doFetch(url, {
        headers: { authorization: `Bearer ${config.token}`, accept: "application/json" },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason = redactSecrets(
        error instanceof Error
          ? `${error.message}${error.cause ? ` (${String((error.cause as Error).message ?? error.cause)})` : ""}`
          : String(error),
        [config.token],
      );
      throw new CrmApiError(
        `${where} could not be reached at ${url.origin}: ${reason}. Is the CRM API up? Check its base URL.`,
        { cause: error },
      );
    }
    if (response.status === 401 || response.status === 403) {
      throw new CrmApiError(`${where}: authorization failed (HTTP ${response.status}). Set a valid CRM API token.`);
    }
    if (!response.ok) {
      throw new CrmApiError(`${where}: HTTP ${response.status} ${response.statusText}.`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CrmApiError(`${where}: response is not JSON (starts with ${JSON.stringify(text.slice(0, 60))}).`);
    }
    const page = pageSchema.safeParse(body);
    if (!page.success)
      throw new CrmApiError(`${where}: response is not a page of records ({ data: [...], next_cursor }).`);
    return page.data;
  }

  const streams = config.tables.map(
    (table): RecordStream => ({
      source: config.name,
      table,
      async *read() {
        let cursor: string | null = null;
        let pageNumber = 0;
        do {
          const page = await getPage(table.name, cursor);
          pageNumber++;
          yield {
            records: page.data.map((record, index) => ({
              record,
              location: `/api/v1/${table.name} page ${pageNumber} item ${index + 1}`,
            })),
          };
          cursor = page.next_cursor;
        } while (cursor);
      },
    }),
  );
  return { streams, close: async () => undefined };
}
