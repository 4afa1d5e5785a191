// What a failing source leaves behind: operators keep the (redacted) error text in the raw database's run log; the
// published warehouse and the report site get a status and an error class per source, never a password fragment,
// never the contents of a broken CRM page, and the site no error text at all. Likewise for rejected records:
// meta.quarantine keeps the bad cell's value in its reason for operators; the published summary gives the reason
// without it.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../pipelines/shared/config.js";
import { runRefreshJob, type RefreshJobOutcome } from "../../pipelines/orchestrate/refresh-job.js";
import { formatStatus, readStatus } from "../../pipelines/orchestrate/status.js";
import { classifyLoadError, splitLoadError, taggedLoadError } from "../../pipelines/orchestrate/run-log.js";
import { ReconciliationError } from "../../pipelines/load/reconciliation.js";
import { publishedReasonSql, quotedValueSql } from "../../pipelines/shared/quarantine-reasons.js";
import { queryRows, quoteIdent, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { freePort } from "../helpers/postgres-server.js";
import { tempDir } from "../helpers/temp-dir.js";
import { REPO_ROOT } from "../support/paths.js";

/** Pieces of the review's password `p@ss#word-xyz` that must show nowhere (`word` alone is in "password"). */
const PASSWORD_PIECES = ["ss#word", "#word", "word-xyz", "xyz"];
/** A customer record the broken CRM page carries. */
const CUSTOMER = { customer_id: "C77", name: "欧阳娜娜", email: "ouyang.nana@example.cn", phone: "13912345678" };
const PERSONAL = [CUSTOMER.name, CUSTOMER.email, "ouyang.nana", CUSTOMER.phone];
/** A secret-looking name in the order system's address: the error names it (it is no password, so not hidden). */
const IN_ERROR = "erp_sk-9f8e7d6c5b4a3210";
/** Values typed into a partner file's cells where they do not belong: a secret-looking token, another person's data. */
const IN_CELLS = { token: "sk_live_4eC39HqLyjWDarjtT1zdp7dc", email: "li.lei@example.cn", phone: "13800138000" };
const HEADER = "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id";

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
    writeFileSync(join(drops, "p1.csv"), `${HEADER}\n`);
    // A file whose every row is quarantined, each for a bad value it holds: a secret-looking token in the quantity,
    // an e-mail address in the amount, a phone number in the partner id (a valid id, but not the partner the
    // file's name declares).
    writeFileSync(
      join(drops, "sell_through_PA0001_2026-01.csv"),
      `${HEADER}\n` +
        `PA0001,S202601-000001,2026-01-05,SKU-1001,${IN_CELLS.token},128.00,256.00,CN-31,\n` +
        `PA0001,S202601-000002,2026-01-06,SKU-1001,2,128.00,${IN_CELLS.email},CN-31,\n` +
        `${IN_CELLS.phone},S202601-000003,2026-01-07,SKU-1001,2,128.00,256.00,CN-31,\n`,
    );
    // The review's connection string: an unencoded # in the password.
    process.env["TEST_HOSTILE_ORDER_SYSTEM"] =
      `postgres://reader:p@ss#word-xyz@127.0.0.1:${await freePort()}/${IN_ERROR}`;
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
    expect(output).toMatch(
      new RegExp(
        `order_system\\.orders: Order system \\(postgres://reader:\\*\\*\\*@127\\.0\\.0\\.1:\\d+/${IN_ERROR}\\)`,
      ),
    );
    expect(output).toMatch(/crm\.customers: CRM \/api\/v1\/customers: .*HTTP 404.*text\/html, \d+ bytes/);
    expect(output).toMatch(/partner_files\.sell_through: 3 read, 0 loaded, 3 quarantined/);
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
    expect(loads.find((l) => l.source === "order_system")?.error).toContain(IN_ERROR);
    const status = formatStatus(await readStatus(join(dataDir, "raw.duckdb"), configSchema.parse({}))).join("\n");
    expect(status).toMatch(
      /order_system\s+never loaded\s+STALE: the last attempt failed \(Order system .*\) — configuration/,
    );
    expect(status).toMatch(/crm\s+never loaded\s+STALE: the last attempt failed \(CRM .*HTTP 404.*\) — bad_response/);
    expectClean(status, "npm run status");
  });

  it("operators keep each bad cell's value in meta.quarantine's reason (npm run quarantine)", async () => {
    const reasons = await withDatabase(
      join(dataDir, "raw.duckdb"),
      (c) => queryRows<{ reason: string }>(c, "select reason from meta.quarantine order by location"),
      { readOnly: true },
    );
    expect(reasons.map((r) => r.reason)).toEqual([
      `quantity: not a integer ("${IN_CELLS.token}")`,
      `amount: not a money ("${IN_CELLS.email}")`,
      `row is for partner ${IN_CELLS.phone} but the file declares PA0001 (from its name): send it in that partner's file`,
    ]);
  });

  it("the published warehouse holds no error text and no bad cell's value, in any table", async () => {
    await withDatabase(
      join(dataDir, "warehouse.duckdb"),
      async (c) => {
        // ops.loads: a failed load's class, never its message.
        const loadColumns = await queryRows<{ column_name: string }>(
          c,
          "select column_name from duckdb_columns() where schema_name = 'ops' and table_name = 'loads'",
        );
        expect(loadColumns.map((col) => col.column_name)).not.toContain("error");
        const failed = await queryRows<{ source: string; error_class: string }>(
          c,
          "select distinct source, error_class from ops.loads where status = 'failed' order by all",
        );
        expect(failed).toEqual([
          { source: "crm", error_class: "bad_response" },
          { source: "order_system", error_class: "configuration" },
        ]);
        // ops.quarantine_summary: each reason without the value it quoted.
        const summary = await queryRows<{ reason: string; rows: number }>(
          c,
          "select reason, rows from ops.quarantine_summary order by reason",
        );
        expect(summary).toEqual([
          { reason: "amount: not a money", rows: 1 },
          { reason: "quantity: not a integer", rows: 1 },
          {
            reason:
              "row is for another partner than its file declares (from its name): send it in the file for its partner",
            rows: 1,
          },
        ]);
        // And nowhere else either: every value of every table, as text.
        const tables = await queryRows<{ schema_name: string; table_name: string }>(
          c,
          "select schema_name, table_name from duckdb_tables() where database_name = current_database()",
        );
        expect(tables.length).toBeGreaterThan(50);
        for (const table of tables) {
          const name = `${quoteIdent(table.schema_name)}.${quoteIdent(table.table_name)}`;
          const [all] = await queryRows<{ text: string | null }>(
            c,
            `select string_agg(cast(t as varchar), chr(10)) as text from ${name} as t`,
          );
          const text = all?.text ?? "";
          expectClean(text, name);
          for (const value of [IN_ERROR, ...Object.values(IN_CELLS)])
            expect(text, `${value} in ${name}`).not.toContain(value);
        }
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

describe("a quarantine reason as the published warehouse gets it", () => {
  /** The reasons the loader would write for `values` in a money column, then what ops.quarantine_summary shows. */
  async function published(reasons: string[]): Promise<string[]> {
    return withDatabase(":memory:", async (c) => {
      await c.run("create table q (i integer, reason varchar)");
      for (const [i, reason] of reasons.entries()) await c.run("insert into q values ($1, $2)", [i, reason]);
      const rows = await queryRows<{ reason: string }>(
        c,
        `select ${publishedReasonSql("reason")} as reason from q order by i`,
      );
      return rows.map((r) => r.reason);
    });
  }

  /** The reason the loader writes for a cell holding `value` in a money column (sql-validation.ts), and one more. */
  async function loaderReason(value: string): Promise<string> {
    return withDatabase(":memory:", async (c) => {
      const [row] = await queryRows<{ reason: string }>(
        c,
        `select 'amount: not a money' || ${quotedValueSql("$1::varchar")} || '; quantity: required' as reason`,
        [value],
      );
      return row!.reason;
    });
  }

  it("leaves out a quoted cell whatever it holds: quotes, brackets, separators, backslashes, line breaks", async () => {
    const hostile = [
      'li.lei@example.cn") ; quantity: not a integer ("x',
      'a\\"); row is for month 13800138000 \\',
      "13800138000\n; amount: not a money (",
      "平安 (欧阳娜娜) 13800138000",
    ];
    const reasons = await Promise.all(hostile.map(loaderReason));
    // Operators see the value (its first 40 characters).
    expect(reasons[3]).toBe('amount: not a money ("平安 (欧阳娜娜) 13800138000"); quantity: required');
    expect(await published(reasons)).toEqual(hostile.map(() => "amount: not a money; quantity: required"));
  });

  it("rewrites an out-of-scope row's reason from fixed words, and keeps of an older reason only what precedes its value", async () => {
    expect(
      await published([
        "row is for partner 13800138000 but the file declares PA0001 (from its name): send it in that partner's file",
        "row is for partner x; row is for month y but the file declares PA0001 (from its name): send it in that partner's file",
        // Before values were quoted as JSON strings: where the value ends is unknown.
        "sale_date: required; amount: not a money (li.lei@example.cn); quantity: not a integer (12)",
      ]),
    ).toEqual([
      "row is for another partner than its file declares (from its name): send it in the file for its partner",
      "row is for another partner and month than its file declares (from its name): send it in the file for its partner and month",
      "sale_date: required; amount: not a money (the value and any further reason left out)",
    ]);
  });
});
