/**
 * The demo CRM as a REST API on 127.0.0.1 (node:http, no framework):
 *
 *   GET /api/v1/<entity>?limit=&cursor=&updated_since=     Authorization: Bearer <token>
 *   -> 200 {"data": [records], "next_cursor": "<opaque>" | null}
 *
 * Records come back exactly as the contract defines them, ordered by (updated_at, primary key),
 * so paging is stable. `limit` defaults to 500; values above 1000 are capped at 1000. `cursor`
 * is the opaque `next_cursor` of the previous page. `updated_since` (ISO timestamp) keeps
 * records with updated_at >= it. Errors are JSON `{"error": code, "message": text}`: 401
 * without the right bearer token, 400 for a bad parameter, 404 for an unknown path, 405 for
 * anything but GET.
 */
import { readFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { crmTables } from "../../shared/contracts/crm.js";

export const DEMO_CRM_TOKEN = "demo-crm-token";
export const DEFAULT_PAGE_SIZE = 500;
export const MAX_PAGE_SIZE = 1000;

interface EntityIndex {
  /** updated_at as epoch ms, in serving order. */
  readonly updatedMs: Float64Array;
  readonly keys: string[];
  /** Each record's JSON text, served as stored. */
  readonly json: string[];
}

function loadEntity(file: string, primaryKey: string): EntityIndex {
  const text = readFileSync(file, "utf8");
  const records: { ms: number; key: string; json: string }[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    const record = JSON.parse(line) as Record<string, unknown>;
    const ms = Date.parse(String(record.updated_at));
    if (Number.isNaN(ms)) throw new Error(`${file}: record without a valid updated_at`);
    records.push({ ms, key: String(record[primaryKey]), json: line });
  }
  records.sort((a, b) => a.ms - b.ms || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    updatedMs: Float64Array.from(records.map((r) => r.ms)),
    keys: records.map((r) => r.key),
    json: records.map((r) => r.json),
  };
}

/** First index whose (ms, key) is after the given position (or at/after, when `inclusive`). */
function seek(index: EntityIndex, ms: number, key: string | null): number {
  let lo = 0;
  let hi = index.keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const midMs = index.updatedMs[mid] as number;
    const before = midMs < ms || (midMs === ms && key !== null && (index.keys[mid] as string) <= key);
    if (before) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function encodeCursor(ms: number, key: string): string {
  return Buffer.from(JSON.stringify([ms, key]), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): { ms: number; key: string } | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "number" && typeof value[1] === "string") {
      return { ms: value[0], key: value[1] };
    }
  } catch {
    // fall through: not one of ours
  }
  return null;
}

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function sendError(
  res: ServerResponse,
  status: number,
  error: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, JSON.stringify({ error, message }), headers);
}

export interface CrmServer {
  readonly baseUrl: string;
  readonly token: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startCrmServer(
  crmDir: string,
  options: { token?: string; port?: number } = {},
): Promise<CrmServer> {
  const token = options.token ?? DEMO_CRM_TOKEN;
  const entities = new Map<string, EntityIndex>();
  for (const spec of crmTables) {
    entities.set(spec.name, loadEntity(join(crmDir, `${spec.name}.ndjson`), spec.primaryKey[0] as string));
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const match = /^\/api\/v1\/([a-z_]+)\/?$/.exec(url.pathname);
    if (!match) return sendError(res, 404, "not_found", `no such endpoint: ${url.pathname}`);
    if (req.method !== "GET")
      return sendError(res, 405, "method_not_allowed", "only GET is supported", { allow: "GET" });
    if (req.headers.authorization !== `Bearer ${token}`) {
      return sendError(res, 401, "unauthorized", "missing or invalid bearer token", {
        "www-authenticate": 'Bearer realm="crm"',
      });
    }
    const index = entities.get(match[1] as string);
    if (!index)
      return sendError(res, 404, "not_found", `unknown entity ${match[1]}; one of ${[...entities.keys()].join(", ")}`);

    let limit = DEFAULT_PAGE_SIZE;
    const limitParam = url.searchParams.get("limit");
    if (limitParam !== null) {
      if (!/^\d+$/.test(limitParam) || Number(limitParam) < 1)
        return sendError(res, 400, "bad_request", "limit must be a positive integer");
      limit = Math.min(MAX_PAGE_SIZE, Number(limitParam));
    }
    let start = 0;
    const since = url.searchParams.get("updated_since");
    if (since !== null) {
      const ms = Date.parse(since);
      if (Number.isNaN(ms)) return sendError(res, 400, "bad_request", "updated_since must be an ISO timestamp");
      start = seek(index, ms, null);
    }
    const cursorParam = url.searchParams.get("cursor");
    if (cursorParam !== null && cursorParam !== "") {
      const cursor = decodeCursor(cursorParam);
      if (!cursor) return sendError(res, 400, "bad_request", "cursor is not one this API issued");
      start = Math.max(start, seek(index, cursor.ms, cursor.key));
    }
    const end = Math.min(index.json.length, start + limit);
    const next =
      end < index.json.length && end > start
        ? encodeCursor(index.updatedMs[end - 1] as number, index.keys[end - 1] as string)
        : null;
    const body = `{"data":[${index.json.slice(start, end).join(",")}],"next_cursor":${JSON.stringify(next)}}`;
    sendJson(res, 200, body);
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      sendError(res, 500, "internal", error instanceof Error ? error.message : String(error));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    port,
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
