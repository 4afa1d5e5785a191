import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, resolvePaths } from "../../pipelines/shared/config.js";
import { customers } from "../../pipelines/shared/contracts/crm.js";
import { loadRecordStream } from "../../pipelines/load/record-loader.js";
import { connectSources } from "../../pipelines/orchestrate/connect-sources.js";
import { CrmApiError, crmApiSource } from "../../pipelines/extract/crm-api-source.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { startFlakyCrm, type FlakyCrm } from "../helpers/flaky-crm-server.js";
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

    const denied = await load("run-4", source({ token: "wrong-token-123" })).catch((e: unknown) => e);
    expect((denied as Error).message).toMatch(/authorization failed \(HTTP 401\)\. Set a valid CRM API token/);
    expect((denied as Error).message).not.toContain("wrong-token-123");
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
          /^ {2}crm\.customers: retry 1 of 5 in \d+\.\d s — CRM \/api\/v1\/customers \(cursor 2\): server error HTTP 500$/,
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
