// What a failing source leaves behind: operators keep the (redacted) error text in the raw database's run log; the
// published warehouse and the report site get a status and an error class per source, never a password fragment,
// never the contents of a broken CRM page, and the site no error text at all.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../pipelines/shared/config.js";
import { runRefreshJob, type RefreshJobOutcome } from "../../pipelines/orchestrate/refresh-job.js";
import { formatStatus, readStatus } from "../../pipelines/orchestrate/status.js";
import { classifyLoadError, splitLoadError, taggedLoadError } from "../../pipelines/orchestrate/run-log.js";
import { ReconciliationError } from "../../pipelines/load/reconciliation.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { freePort } from "../helpers/postgres-server.js";
import { tempDir } from "../helpers/temp-dir.js";
import { REPO_ROOT } from "../support/paths.js";

/** Pieces of the review's password `p@ss#word-xyz` that must show nowhere (`word` alone is in "password"). */
const PASSWORD_PIECES = ["ss#word", "#word", "word-xyz", "xyz"];
/** A customer record the broken CRM page carries. */
const CUSTOMER = { customer_id: "C77", name: "欧阳娜娜", email: "ouyang.nana@example.cn", phone: "13912345678" };
const PERSONAL = [CUSTOMER.name, CUSTOMER.email, "ouyang.nana", CUSTOMER.phone];

function expectClean(text: string, where: string): void {
  for (const piece of [...PASSWORD_PIECES, ...PERSONAL]) expect(text, `${piece} in ${where}`).not.toContain(piece);
}

describe("a refresh whose order system and CRM fail", () => {
  const dir = tempDir();
  const dataDir = join(dir, "data");
  const log: string[] = [];
  let crm: Server;
  let outcome: RefreshJobOutcome;

  beforeAll(async () => {
    // The CRM answers every request with an HTML error page quoting a customer record.
    crm = createServer((_req, res) => {
      res
        .writeHead(404, { "content-type": "text/html" })
        .end(`<html><body>no such page; last record: ${JSON.stringify(CUSTOMER)}</body></html>`);
    });
    await new Promise<void>((resolve) => crm.listen(0, "127.0.0.1", resolve));
    const address = crm.address();
    const crmUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const drops = join(dir, "drops");
    mkdirSync(drops, { recursive: true });
    // A partner file with no rows loads (a row would need the order system's partners for the model tests to pass).
    writeFileSync(
      join(drops, "p1.csv"),
      "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id\n",
    );
    // The review's connection string: an unencoded # in the password.
    process.env["TEST_HOSTILE_ORDER_SYSTEM"] = `postgres://reader:p@ss#word-xyz@127.0.0.1:${await freePort()}/erp`;
    process.env["TEST_BROKEN_CRM_TOKEN"] = "crm-token-0451";
    const config = configSchema.parse({
      data_dir: dataDir,
      sources: {
        order_system: { connection_string_env: "TEST_HOSTILE_ORDER_SYSTEM" },
        crm: { base_url: crmUrl, token_env: "TEST_BROKEN_CRM_TOKEN" },
        partner_files: { drop_dir: drops },
      },
    });
    outcome = await runRefreshJob({ projectRoot: REPO_ROOT, config, log: (l) => log.push(l), reports: false });
  }, 300_000);

  afterAll(async () => {
    delete process.env["TEST_HOSTILE_ORDER_SYSTEM"];
    delete process.env["TEST_BROKEN_CRM_TOKEN"];
    await new Promise<void>((resolve) => crm.close(() => resolve()));
  });

  it("finishes (the partner files load and publish) with failed sources, saying what failed in words", () => {
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toBeUndefined();
    const output = log.join("\n");
    expect(output).toMatch(/order_system\.orders: Order system \(postgres:\/\/reader:\*\*\*@127\.0\.0\.1:\d+\/erp\)/);
    expect(output).toMatch(/crm\.customers: CRM \/api\/v1\/customers: .*HTTP 404.*text\/html, \d+ bytes/);
    expect(output).toMatch(/partner_files\.sell_through: 0 read, 0 loaded/);
    expectClean(output, "the run output");
  });

  it("operators keep the redacted error text in the raw run log, with its class", async () => {
    const loads = await withDatabase(
      join(dataDir, "raw.duckdb"),
      (c) => queryRows<{ source: string; status: string; error: string | null }>(c, "select * from meta.loads"),
      { readOnly: true },
    );
    for (const load of loads) expectClean(load.error ?? "", `meta.loads ${load.source}`);
    expect(loads.find((l) => l.source === "order_system")?.error).toMatch(/percent-encode/i);
    const status = formatStatus(await readStatus(join(dataDir, "raw.duckdb"), configSchema.parse({}))).join("\n");
    expect(status).toMatch(
      /order_system\s+never loaded\s+STALE: the last attempt failed \(Order system .*\) — configuration/,
    );
    expect(status).toMatch(/crm\s+never loaded\s+STALE: the last attempt failed \(CRM .*HTTP 404.*\) — bad_response/);
    expectClean(status, "npm run status");
  });

  it("the published warehouse carries no password fragment and no customer record, in ops or marts", async () => {
    await withDatabase(
      join(dataDir, "warehouse.duckdb"),
      async (c) => {
        const ops = await queryRows<{ error: string | null }>(c, "select error from ops.loads");
        for (const row of ops) expectClean(row.error ?? "", "ops.loads");
        const columns = await queryRows<{ column_name: string }>(
          c,
          "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = 'source_freshness' order by column_index",
        );
        expect(columns.map((col) => col.column_name)).not.toContain("last_error");
        expect(columns.map((col) => col.column_name)).toContain("last_error_class");
        const classes = await queryRows<{ source: string; last_status: string; last_error_class: string | null }>(
          c,
          "select distinct source, last_status, last_error_class from marts.source_freshness order by all",
        );
        expect(classes).toEqual([
          { source: "crm", last_status: "failed", last_error_class: "bad_response" },
          // the optional touches entity: a CRM answering 404 for it does not have it, which is no failure
          { source: "crm", last_status: "succeeded", last_error_class: null },
          { source: "order_system", last_status: "failed", last_error_class: "configuration" },
          { source: "partner_files", last_status: "succeeded", last_error_class: null },
        ]);
      },
      { readOnly: true },
    );
  });

  it("the site's source query returns a status and a class per source, and no text but names and classes", async () => {
    const sql = readFileSync(join(REPO_ROOT, "sources", "warehouse", "source_freshness.sql"), "utf8");
    const rows = await withDatabase(
      join(dataDir, "warehouse.duckdb"),
      (c) => queryRows<Record<string, unknown>>(c, sql),
      { readOnly: true },
    );
    expect(rows.length).toBeGreaterThan(0);
    const textColumns = new Set<string>();
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (typeof value !== "string") continue;
        textColumns.add(column);
        expectClean(value, `source_freshness.${column}`);
        // Names and classes only: a word or two, no sentence of an error message.
        expect(value, `source_freshness.${column}`).toMatch(/^[a-z_]+$/);
      }
    }
    expect([...textColumns].sort()).toEqual(["last_error_class", "last_status", "source", "stream"]);
  });
});

describe("the class of a load error", () => {
  it("is kept in front of the message in meta.loads and read back from there; anything unknown is other", () => {
    const mismatch = new ReconciliationError("crm", "customers", { read: 5, loaded: 3, rejected: 1 }).message;
    expect(classifyLoadError(mismatch)).toBe("reconciliation");
    expect(taggedLoadError(mismatch)).toBe(`[reconciliation] ${mismatch}`);
    expect(splitLoadError(taggedLoadError(mismatch))).toEqual({ errorClass: "reconciliation", message: mismatch });
    expect(classifyLoadError("IO Error: disk full")).toBe("other");
    // A row from before the tags (or a tag nobody knows) reads as `other`, its text untouched.
    expect(splitLoadError("Order system (x) could not be reached")).toEqual({
      errorClass: "other",
      message: "Order system (x) could not be reached",
    });
    expect(splitLoadError("[made_up] text")).toEqual({ errorClass: "other", message: "[made_up] text" });
  });
});
