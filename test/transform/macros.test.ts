// The project's own SQL macros (models/macros/) on small hand-made tables: each gives the answer its comment promises.
import { fileURLToPath } from "node:url";
import type { DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMacros } from "../../pipelines/transform/macros.js";
import { openDatabase, queryRows, type OpenDatabase } from "../../pipelines/shared/warehouse/duckdb.js";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

let db: OpenDatabase;
let connection: DuckDBConnection;
let created: string[];

beforeAll(async () => {
  db = await openDatabase(":memory:");
  connection = db.connection;
  created = await createMacros(connection, projectRoot);
});

afterAll(() => db?.close());

it("the project's macro files create the macros the models call", () => {
  expect(created).toEqual(
    expect.arrayContaining(["contribution_margin", "in_goal_scope", "ratio_or_null", "return_on_channel_costs"]),
  );
});

describe("macros.in_goal_scope", () => {
  it("counts everything for the company, and for the other scopes only what matches its channel type, channel or region", async () => {
    // one sale of a distributor (CH-D1, type distributor) shipped to R-E, against a goal of every scope
    const rows = await queryRows<{ goal: string; in_scope: boolean | null }>(
      connection,
      `select goal, macros.in_goal_scope(scope_type, scope_id, 'distributor', 'CH-D1', 'R-E') as in_scope
       from (values
           ('company', 'company', 'all'),
           ('its channel type', 'channel_type', 'distributor'),
           ('another channel type', 'channel_type', 'ecommerce'),
           ('its channel', 'channel', 'CH-D1'),
           ('another channel', 'channel', 'CH-D2'),
           ('its region', 'region', 'R-E'),
           ('another region', 'region', 'R-W'),
           ('a region goal named like its channel', 'region', 'CH-D1'),
           ('an unknown scope type', 'partner', 'CH-D1')
       ) as goals (goal, scope_type, scope_id)
       order by goal`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.goal, r.in_scope]))).toEqual({
      company: true,
      "its channel type": true,
      "another channel type": false,
      "its channel": true,
      "another channel": false,
      "its region": true,
      "another region": false,
      "a region goal named like its channel": false,
      "an unknown scope type": false,
    });
  });

  it("a thing whose compared column is unknown is in no goal of that scope, but in the company's", async () => {
    const [row] = await queryRows<Record<string, boolean | null>>(
      connection,
      `select
           macros.in_goal_scope('company', 'all', null, null, null) as company,
           macros.in_goal_scope('channel', 'CH-D1', 'distributor', null, 'R-E') as channel,
           macros.in_goal_scope('region', 'R-E', 'distributor', 'CH-D1', null) as region`,
    );
    expect(row).toEqual({ company: true, channel: null, region: null });
  });
});

describe("the ratio macros", () => {
  it("divide, and give null (no figure) on a zero or unknown base instead of failing or infinity", async () => {
    const rows = await queryRows<{ label: string; ratio: number | null; margin: number | null; roi: number | null }>(
      connection,
      `select
           label,
           macros.ratio_or_null(numerator, denominator) as ratio,
           macros.contribution_margin(numerator, denominator) as margin,
           macros.return_on_channel_costs(numerator, denominator) as roi
       from (values
           ('a base', 30.00::decimal(18, 2), 120.00::decimal(18, 2)),
           ('a loss', -30.00, 120.00),
           ('a zero base', 30.00, 0.00),
           ('an unknown base', 30.00, null),
           ('an unknown numerator', null, 120.00)
       ) as cases (label, numerator, denominator)
       order by label`,
    );
    expect(rows).toEqual([
      { label: "a base", ratio: 0.25, margin: 0.25, roi: 0.25 },
      { label: "a loss", ratio: -0.25, margin: -0.25, roi: -0.25 },
      { label: "a zero base", ratio: null, margin: null, roi: null },
      { label: "an unknown base", ratio: null, margin: null, roi: null },
      { label: "an unknown numerator", ratio: null, margin: null, roi: null },
    ]);
  });
});
