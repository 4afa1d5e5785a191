import { createServer } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, resolvePaths } from "../../pipelines/shared/config.js";
import { customers, touches } from "../../pipelines/shared/contracts/crm.js";
import { loadRecordStream } from "../../pipelines/load/record-loader.js";
import { connectSources } from "../../pipelines/orchestrate/connect-sources.js";
import { CrmApiError, crmApiSource, crmErrorClass } from "../../pipelines/extract/crm-api-source.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { startFlakyCrm, type FlakyCrm } from "../helpers/flaky-crm-server.js";
import { freePort } from "../helpers/postgres-server.js";
import { tempDir } from "../helpers/temp-dir.js";

function customer(id: string, updatedAt: string, overrides: Record<string, unknown> = {}) {
  return {
    customer_id: id,
    customer_type: "consumer",
    name: "张伟",
    email: `${id.toLowerCase()}@example.cn`,
    phone: "13800138000",
    address: null,
    region_id: "CN-31",
    industry: null,
    age_band: "25-34",
    acquisition_channel_id: null,
    referred_by_customer_id: null,
    created_at: "2025-01-01T00:00:00Z",
    updated_at: updatedAt,
    ...overrides,
  };
}

let crm: FlakyCrm;
beforeAll(async () => {
  crm = await startFlakyCrm({
    customers: [
      customer("C1", "2026-01-01T00:00:00Z"),
      customer("C2", "2026-01-02T00:00:00Z"),
      customer("C3", "2026-01-03T00:00:00Z", { customer_type: "robot" }), // breaks the contract
      customer("C4", "2026-01-04T00:00:00Z"),
      customer("C5", "2026-01-05T00:00:00Z", { phone: 13800138000 }), // wrong type
    ],
  });
});
afterAll(() => crm.close());

describe("CRM REST source against a real HTTP server", () => {
  const dir = tempDir();
  const rawPath = join(dir, "raw.duckdb");
  const retries: string[] = [];
  const waits: number[] = [];
  const source = (overrides: Partial<Parameters<typeof crmApiSource>[0]> = {}) =>
    crmApiSource({
      name: "crm",
      baseUrl: crm.baseUrl,
      token: crm.token,
      tables: [customers],
      pageSize: 2,
      timeoutMs: 300,
      backoffMs: 5,
      sleep: async (ms) => {
        waits.push(ms);
      },
      onRetry: (e) => retries.push(e.reason),
      ...overrides,
    });
  const load = (runId: string, s = source()) =>
    withDatabase(rawPath, async (c) => {
      await ensureMetaSchema(c);
      return loadRecordStream(c, runId, s.streams[0]!);
    });

  it("pages through everything, retrying 429 (honouring Retry-After), 500s, a stalled request and a garbled page; bad records are quarantined", async () => {
    crm.faults.push("429", "ok", "500", "stall", "malformed");
    const result = await load("run-1");
    expect(result).toMatchObject({ read: 5, loaded: 3, rejected: 2 });
    expect(retries).toEqual([
      expect.stringMatching(/rate limited \(HTTP 429\)/),
      expect.stringMatching(/server error HTTP 500/),
      expect.stringMatching(/no answer within 300 ms/),
      expect.stringMatching(/not JSON/),
    ]);
    expect(waits[0]).toBe(1000); // Retry-After: 1
    const quarantined = await withDatabase(rawPath, (c) =>
      queryRows<{ location: string; reason: string }>(
        c,
        "select location, reason from meta.quarantine order by location",
      ),
    );
    expect(quarantined).toEqual([
      { location: "/api/v1/customers page 2 item 1", reason: expect.stringMatching(/customer_type/) },
      { location: "/api/v1/customers page 3 item 1", reason: expect.stringMatching(/phone/) },
    ]);
  });

  it("the next run asks only for what changed since the newest record seen", async () => {
    crm.requests.length = 0;
    crm.records = { customers: [...crm.records["customers"]!, customer("C6", "2026-02-01T00:00:00Z")] };
    const result = await load("run-2");
    expect(crm.requests[0]).toContain("updated_since=2026-01-05T00%3A00%3A00Z");
    expect(result).toMatchObject({ read: 2, loaded: 1, rejected: 1 }); // C5 (still bad) and C6
    const ids = await withDatabase(rawPath, (c) =>
      queryRows<{ customer_id: string }>(c, "select customer_id from crm.customers order by 1"),
    );
    expect(ids.map((r) => r.customer_id)).toEqual(["C1", "C2", "C4", "C6"]);
  });

  it("gives up after the retries with a clear message, and a bad token is named as such — never echoing the token", async () => {
    crm.faults.push("500", "500", "500");
    const failure = await load("run-3", source({ maxRetries: 2, fullRefresh: true })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CrmApiError);
    expect((failure as Error).message).toMatch(/server error HTTP 500; gave up after 3 attempts/);
    expect(crmErrorClass((failure as Error).message)).toBe("server_error");

    const denied = await load("run-4", source({ token: "wrong-token-123" })).catch((e: unknown) => e);
    expect((denied as Error).message).toMatch(/authorization failed \(HTTP 401\)\. Set a valid CRM API token/);
    expect((denied as Error).message).not.toContain("wrong-token-123");
    expect(crmErrorClass((denied as Error).message)).toBe("authentication");
  });
});

describe("CRM retries in a configured run", () => {
  const dir = tempDir();

  it("each retry is one line in the run's output (entity, reason, wait); the token is in no line and no error", async () => {
    process.env["CRM_TOKEN_UNDER_TEST"] = crm.token;
    const config = configSchema.parse({
      data_dir: dir,
      sources: { crm: { base_url: crm.baseUrl, token_env: "CRM_TOKEN_UNDER_TEST", page_size: 2, timeout_ms: 2000 } },
    });
    const lines: string[] = [];
    const sources = await connectSources(config, resolvePaths(dir, config), (line) => lines.push(line));
    const stream = sources.recordStreams.find((s) => s.table.name === "customers")!;
    const rawPath = join(dir, "raw.duckdb");
    try {
      crm.faults.length = 0;
      crm.faults.push("500", "ok", "500");
      const result = await withDatabase(rawPath, async (c) => {
        await ensureMetaSchema(c);
        return loadRecordStream(c, "run-r1", stream);
      });
      expect(result.read).toBeGreaterThan(0);
      expect(lines).toEqual([
        expect.stringMatching(
          /^ {2}crm\.customers: retry 1 of 5 in \d+\.\d s — CRM \/api\/v1\/customers: server error HTTP 500$/,
        ),
        expect.stringMatching(
          /^ {2}crm\.customers: retry 1 of 5 in \d+\.\d s — CRM \/api\/v1\/customers \(page 2\): server error HTTP 500$/,
        ),
      ]);

      crm.faults.push("echo-400");
      const failure = await withDatabase(rawPath, (c) => loadRecordStream(c, "run-r2", stream)).catch(
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(CrmApiError);
      expect((failure as Error).message).toMatch(/HTTP 400/);
      for (const text of [...lines, (failure as Error).message, String((failure as Error).stack)]) {
        expect(text).not.toContain(crm.token);
      }
    } finally {
      await sources.close();
      delete process.env["CRM_TOKEN_UNDER_TEST"];
    }
  });
});

describe("a broken CRM page never puts its body into an error", () => {
  // A customer record as a careless CRM puts it in an error page: none of it may reach an error, a retry line or
  // the run log (whose error text reaches the published warehouse's ops.loads).
  const secretCustomer = customer("C9", "2026-03-01T00:00:00Z", {
    name: "欧阳娜娜",
    email: "ouyang.nana@example.cn",
    phone: "13912345678",
  });
  const personal = ["C9", "欧阳娜娜", "ouyang.nana", "13912345678"];
  type Answer = { status: number; type?: string; body: string };
  const answers: Answer[] = [];
  const requests: string[] = [];
  let baseUrl = "";
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const answer = answers.shift() ?? { status: 500, body: "" };
    res.writeHead(answer.status, answer.type ? { "content-type": answer.type } : {}).end(answer.body);
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const dir = tempDir();
  async function failingLoad(runId: string, maxRetries = 0) {
    const reasons: string[] = [];
    const source = crmApiSource({
      name: "crm",
      baseUrl,
      token: "crm-token-7730",
      tables: [customers],
      maxRetries,
      backoffMs: 1,
      sleep: async () => undefined,
      onRetry: (e) => reasons.push(e.reason),
    });
    const failure = await withDatabase(join(dir, "raw.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      return loadRecordStream(c, runId, source.streams[0]!);
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CrmApiError);
    const message = (failure as Error).message;
    for (const text of [message, ...reasons]) {
      for (const value of personal) expect(text, `${value} in: ${text}`).not.toContain(value);
    }
    return { message, reasons };
  }

  it("an HTML error page (HTTP 404) is described by status, type and size only", async () => {
    const html = `<html><body><h1>Not found</h1><pre>${JSON.stringify(secretCustomer)}</pre></body></html>`;
    answers.push({ status: 404, type: "text/html; charset=utf-8", body: html });
    const { message } = await failingLoad("run-b1");
    expect(message).toMatch(/HTTP 404/);
    expect(message).toContain(`text/html; charset=utf-8, ${Buffer.byteLength(html)} bytes`);
    expect(crmErrorClass(message)).toBe("bad_response");
  });

  it("a CRM without the optional touches entity (HTTP 404) loads none and says so; a required entity fails", async () => {
    answers.push({ status: 404, type: "text/html", body: "<h1>Not found</h1>" });
    const notices: string[] = [];
    const source = crmApiSource({
      name: "crm",
      baseUrl,
      token: "crm-token-7730",
      tables: [touches],
      maxRetries: 0,
      onNotice: (line) => notices.push(line),
    });
    const result = await withDatabase(join(dir, "raw-optional.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      return loadRecordStream(c, "run-b0", source.streams[0]!);
    });
    expect(result).toMatchObject({ read: 0, loaded: 0 });
    expect(notices).toEqual(["CRM does not serve /api/v1/touches (HTTP 404): touches left empty"]);
    expect(touches.optional).toBe(true);
    expect(customers.optional).toBeUndefined();
  });

  it("a JSON error that echoes records (HTTP 400) keeps only the status and a description", async () => {
    const body = JSON.stringify({ error: "bad request", records: [secretCustomer] });
    answers.push({ status: 400, type: "application/json", body });
    const { message } = await failingLoad("run-b2");
    expect(message).toMatch(/HTTP 400/);
    expect(message).toContain(`application/json, ${Buffer.byteLength(body)} bytes`);
  });

  it("a page that is not JSON (a CSV dump of customers, HTTP 200) is retried, then fails, never quoting it", async () => {
    const dump = `customer_id,name,email,phone\nC9,欧阳娜娜,ouyang.nana@example.cn,13912345678\n`;
    answers.push(
      { status: 200, type: "text/csv", body: dump },
      { status: 200, type: "text/csv", body: dump },
      { status: 200, body: dump },
    );
    const { message, reasons } = await failingLoad("run-b3", 2);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/not JSON \(HTTP 200, text\/csv, \d+ bytes\)/);
    expect(message).toMatch(/not JSON \(HTTP 200, no content type, \d+ bytes\); gave up after 3 attempts/);
    expect(crmErrorClass(message)).toBe("bad_response");
  });

  it("the next page is named by its number, not by the cursor the CRM sent (which can hold a customer's key)", async () => {
    const page = { data: [secretCustomer], next_cursor: "after:ouyang.nana@example.cn" };
    answers.push({ status: 200, type: "application/json", body: JSON.stringify(page) });
    const busy = { status: 503, type: "text/html", body: "<p>C9 欧阳娜娜 is being updated</p>" };
    answers.push(busy, busy);
    requests.length = 0;
    const { message, reasons } = await failingLoad("run-b4", 1);
    expect(requests[1]).toContain("cursor="); // the cursor is still sent to the CRM, only never shown
    expect(reasons).toEqual([expect.stringMatching(/^CRM \/api\/v1\/customers \(page 2\): server error HTTP 503$/)]);
    expect(message).toMatch(/\(page 2\): server error HTTP 503; gave up after 2 attempts/);
    expect(crmErrorClass(message)).toBe("server_error");
  });

  it("each kind of failure is told apart from its message alone (the published warehouse shows only the kind)", async () => {
    answers.push({ status: 429, body: "" }, { status: 429, body: "" });
    expect(crmErrorClass((await failingLoad("run-c1", 1)).message)).toBe("rate_limited");
    answers.push({ status: 200, type: "application/json", body: JSON.stringify({ rows: [] }) });
    expect(crmErrorClass((await failingLoad("run-c2")).message)).toBe("bad_response");
    const closed = crmApiSource({
      name: "crm",
      baseUrl: `http://127.0.0.1:${await freePort()}`,
      token: "crm-token-7730",
      tables: [customers],
      maxRetries: 0,
    });
    const refused = await withDatabase(join(dir, "raw.duckdb"), (c) =>
      loadRecordStream(c, "run-c3", closed.streams[0]!),
    ).catch((e: unknown) => e);
    expect(crmErrorClass((refused as Error).message)).toBe("unreachable");
    expect(crmErrorClass("Order system (postgres://x) could not be reached")).toBeUndefined();
  });
});
