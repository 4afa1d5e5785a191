/**
 * The demo company served the way real systems are: the order system to the ordinary `pg`
 * client (single client, pool, server-side cursor under concurrency), the CRM as a paged REST
 * API with a bearer token, the partner drops as a folder. Preparing twice reuses the folder.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crmTables } from "../../pipelines/shared/contracts/crm.js";
import { orderSystemTables } from "../../pipelines/shared/contracts/order-system.js";
import {
  type DemoManifest,
  type DemoSources,
  prepareDemoCompany,
  startDemoSources,
} from "../../pipelines/demo-company/index.js";
import { tempDir } from "../helpers/temp-dir.js";
import { readNdjson } from "./helpers.js";

const dir = join(tempDir("demo-sources-"), "demo");

async function getJson(url: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function pageAll(
  sources: DemoSources,
  entity: string,
  params: Record<string, string> = {},
): Promise<{ records: Record<string, unknown>[]; pages: number }> {
  const records: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url = new URL(`${sources.crm.baseUrl}/api/v1/${entity}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    if (cursor) url.searchParams.set("cursor", cursor);
    const { status, body } = await getJson(url.toString(), sources.crm.token);
    expect(status).toBe(200);
    records.push(...(body.data as Record<string, unknown>[]));
    cursor = body.next_cursor as string | null;
    pages++;
  } while (cursor);
  return { records, pages };
}

describe("demo sources", () => {
  let manifest: DemoManifest;
  let sources: DemoSources;

  beforeAll(async () => {
    manifest = await prepareDemoCompany({ dir, seed: 5, scale: 0.3 });
    sources = await startDemoSources(dir);
  });
  afterAll(async () => {
    await sources?.close();
  });

  it("prepares idempotently: a second call with the same options reuses the folder", async () => {
    const started = Date.now();
    const again = await prepareDemoCompany({ dir, seed: 5, scale: 0.3 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(again).toEqual(manifest);
    expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))).toEqual(manifest);
    expect(manifest).toMatchObject({
      seed: 5,
      scale: 0.3,
      plants: true,
      as_of: "2026-10-31",
      history: { start: "2024-11-01", months: 24 },
    });
  });

  it("serves every order-system table to a pg client with the generated row counts", async () => {
    expect(sources.orderSystem.connectionString).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(sources.orderSystem.schema).toBe("public");
    const client = new pg.Client({ connectionString: sources.orderSystem.connectionString });
    await client.connect();
    try {
      for (const spec of orderSystemTables) {
        const { rows } = await client.query(
          `select count(*)::int as n from ${sources.orderSystem.schema}.${spec.name}`,
        );
        expect(rows[0].n, spec.name).toBe(manifest.row_counts[spec.name]);
      }
      const { rows } = await client.query(
        "select sum(l.line_amount)::text as revenue from orders o join order_lines l using (order_id) where o.status = $1",
        ["completed"],
      );
      expect(Number(rows[0].revenue)).toBe(manifest.control_totals.revenue.total);
      const columns = await client.query(
        "select column_name from information_schema.columns where table_schema = 'public' and table_name = 'order_lines' order by ordinal_position",
      );
      expect(columns.rows.map((r) => r.column_name)).toEqual(
        orderSystemTables.find((t) => t.name === "order_lines")!.columns.map((c) => c.name),
      );
    } finally {
      await client.end();
    }
  });

  it("keeps concurrent connections apart: a pool, and a server-side cursor read while the pool queries", async () => {
    const pool = new pg.Pool({ connectionString: sources.orderSystem.connectionString, max: 4 });
    const reader = new pg.Client({ connectionString: sources.orderSystem.connectionString });
    await reader.connect();
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          pool.query("select $1::int * 2 as doubled, (select count(*)::int from regions) as regions", [i]),
        ),
      );
      results.forEach((r, i) => expect(r.rows[0]).toEqual({ doubled: i * 2, regions: 31 }));

      await reader.query("begin isolation level repeatable read read only");
      await reader.query(
        "declare lines no scroll cursor for select order_line_id from order_lines order by order_line_id",
      );
      const background = Promise.all(
        Array.from({ length: 20 }, (_, i) => pool.query("select $1::text as v", [`q${i}`])),
      );
      const seen: string[] = [];
      for (;;) {
        const batch = await reader.query("fetch forward 2000 from lines");
        if (batch.rows.length === 0) break;
        for (const r of batch.rows) seen.push(r.order_line_id);
      }
      await reader.query("close lines");
      await reader.query("commit");
      expect(seen.length).toBe(manifest.row_counts.order_lines);
      expect(new Set(seen).size).toBe(seen.length);
      (await background).forEach((r, i) => expect(r.rows[0].v).toBe(`q${i}`));
    } finally {
      await reader.end();
      await pool.end();
    }
  });

  it("recovers when a client leaves in the middle of a transaction", async () => {
    const leaver = new pg.Client({ connectionString: sources.orderSystem.connectionString });
    await leaver.connect();
    await leaver.query("begin");
    await leaver.query("delete from regions");
    await leaver.end();
    const other = new pg.Client({ connectionString: sources.orderSystem.connectionString });
    await other.connect();
    try {
      const { rows } = await other.query("select count(*)::int as n from regions");
      expect(rows[0].n).toBe(31);
    } finally {
      await other.end();
    }
  });

  it("pages every CRM entity: each record exactly once, in (updated_at, key) order, with exactly the contract's fields", async () => {
    for (const spec of crmTables) {
      const key = spec.primaryKey[0] as string;
      const { records, pages } = await pageAll(sources, spec.name, { limit: "1000" });
      const expected = readNdjson(join(dir, "crm", `${spec.name}.ndjson`));
      expect(records.length, spec.name).toBe(manifest.row_counts[spec.name]);
      expect(new Set(records.map((r) => r[key])).size, spec.name).toBe(records.length);
      expect(new Set(records.map((r) => r[key]))).toEqual(new Set(expected.map((r) => r[key])));
      expect(pages).toBe(Math.ceil(records.length / 1000));
      for (let i = 1; i < records.length; i++) {
        const a = records[i - 1]!;
        const b = records[i]!;
        const order =
          Date.parse(String(a.updated_at)) - Date.parse(String(b.updated_at)) ||
          (String(a[key]) < String(b[key]) ? -1 : 1);
        expect(order, spec.name).toBeLessThan(0);
      }
      expect(Object.keys(records[0]!)).toEqual(spec.columns.map((c) => c.name));
      expect(String(records[0]!.updated_at)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
  });

  it("defaults to 500 per page, caps the page at 1000, and honours updated_since", async () => {
    const url = `${sources.crm.baseUrl}/api/v1/interactions`;
    const first = await getJson(url, sources.crm.token);
    expect((first.body.data as unknown[]).length).toBe(Math.min(500, manifest.row_counts.interactions!));
    const big = await getJson(`${url}?limit=5000`, sources.crm.token);
    expect((big.body.data as unknown[]).length).toBe(Math.min(1000, manifest.row_counts.interactions!));

    const since = "2026-06-15T00:00:00Z";
    const all = readNdjson(join(dir, "crm", "interactions.ndjson"));
    const wanted = all
      .filter((r) => Date.parse(String(r.updated_at)) >= Date.parse(since))
      .map((r) => r.interaction_id);
    const { records } = await pageAll(sources, "interactions", { updated_since: since, limit: "250" });
    expect(records.map((r) => r.interaction_id).sort()).toEqual(wanted.sort());
    expect(wanted.length).toBeGreaterThan(0);
    expect(wanted.length).toBeLessThan(all.length);
  });

  it("rejects requests without the right token, bad parameters and unknown paths with JSON errors", async () => {
    const url = `${sources.crm.baseUrl}/api/v1/customers`;
    const missing = await getJson(url);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe("unauthorized");
    expect((await getJson(url, "wrong-token")).status).toBe(401);
    expect((await getJson(`${url}?cursor=garbage`, sources.crm.token)).status).toBe(400);
    expect((await getJson(`${url}?limit=0`, sources.crm.token)).status).toBe(400);
    expect((await getJson(`${url}?updated_since=yesterday`, sources.crm.token)).status).toBe(400);
    expect((await getJson(`${sources.crm.baseUrl}/api/v1/orders`, sources.crm.token)).status).toBe(404);
  });

  it("exposes the partner drop folder", () => {
    const files = readdirSync(sources.partnerDropsDir);
    expect(files.length).toBe(manifest.row_counts.partner_drop_files);
    expect(files.some((f) => f.endsWith(".xlsx"))).toBe(true);
    expect(files.some((f) => f.endsWith(".csv"))).toBe(true);
  });

  it("starts a second, independent server on the same folder", async () => {
    const second = await startDemoSources(dir);
    try {
      expect(second.orderSystem.connectionString).not.toBe(sources.orderSystem.connectionString);
      const client = new pg.Client({ connectionString: second.orderSystem.connectionString });
      await client.connect();
      await client.query("delete from targets");
      await client.end();
      const check = new pg.Client({ connectionString: sources.orderSystem.connectionString });
      await check.connect();
      const { rows } = await check.query("select count(*)::int as n from targets");
      await check.end();
      expect(rows[0].n).toBe(manifest.row_counts.targets);
    } finally {
      await second.close();
    }
  });
});
