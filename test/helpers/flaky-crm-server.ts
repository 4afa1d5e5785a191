/**
 * A real HTTP server on 127.0.0.1 that behaves like a difficult production CRM API: it pages,
 * filters by updated_since, and on a scripted plan rate-limits (429 + Retry-After), fails with
 * 500s, stalls past the client's timeout, sends a garbled page, or rejects a request with a body
 * that echoes its Authorization header (as careless APIs do).
 */
import { createServer, type Server } from "node:http";

export type Fault = "ok" | "429" | "500" | "stall" | "malformed" | "echo-400";

export interface FlakyCrm {
  readonly baseUrl: string;
  readonly token: string;
  /** Every request received (path + query), in order. */
  readonly requests: string[];
  /** Faults to apply to the next requests, consumed one per request. */
  readonly faults: Fault[];
  records: Record<string, Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export async function startFlakyCrm(records: FlakyCrm["records"], token = "crm-test-token-5521"): Promise<FlakyCrm> {
  const state = { records, faults: [] as Fault[], requests: [] as string[] };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    state.requests.push(url.pathname + url.search);
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "unauthorized" }));
      return;
    }
    const fault = state.faults.shift() ?? "ok";
    if (fault === "429") {
      res.writeHead(429, { "retry-after": "1", "content-type": "application/json" }).end("{}");
      return;
    }
    if (fault === "500") {
      res.writeHead(500).end("internal error");
      return;
    }
    if (fault === "stall") return; // never answers: the client's timeout must fire
    if (fault === "malformed") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"data": [ {"customer_id": "C1", ');
      return;
    }
    if (fault === "echo-400") {
      const echo = { error: "bad request", received: { authorization: req.headers.authorization } };
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify(echo));
      return;
    }
    const entity = /^\/api\/v1\/(\w+)$/.exec(url.pathname)?.[1];
    const all = entity ? state.records[entity] : undefined;
    if (!all) {
      res.writeHead(404).end();
      return;
    }
    const since = url.searchParams.get("updated_since");
    const matching = all.filter((r) => !since || String(r["updated_at"]) >= since);
    const limit = Number(url.searchParams.get("limit") ?? 100);
    const offset = Number(url.searchParams.get("cursor") ?? 0);
    const page = matching.slice(offset, offset + limit);
    const next = offset + limit < matching.length ? String(offset + limit) : null;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: page, next_cursor: next }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    requests: state.requests,
    faults: state.faults,
    get records() {
      return state.records;
    },
    set records(value) {
      state.records = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
