// A raw table made by an earlier version of a contract (pipelines/load/raw-tables.ts): after an upgrade that adds an
// optional column (channels.channel_name_zh), the next load must not fail on the old table's shape or shift values
// between columns. The table is brought to the contract's columns, in order, keeping every row by column name.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TableSpec } from "../../pipelines/shared/contracts/column-spec.js";
import { ensureRawTables } from "../../pipelines/load/raw-tables.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { tempDir } from "../helpers/temp-dir.js";

const dir = tempDir("raw-tables-");

const channels: TableSpec = {
  name: "channels",
  description: "sales channels (an earlier contract had no Chinese name)",
  primaryKey: ["channel_id"],
  columns: [
    { name: "channel_id", type: "text" },
    { name: "channel_name", type: "text" },
    { name: "channel_name_zh", type: "text", nullable: true, whenMissing: "the channel's name" },
    { name: "is_online", type: "boolean" },
  ],
};

describe("a raw table of an earlier contract", () => {
  it("gets the contract's columns in order, its rows kept by name, a new optional column empty, a dropped one gone", async () => {
    const file = join(dir, "raw.duckdb");
    await withDatabase(file, async (c) => {
      // The earlier shape: no channel_name_zh, a column since dropped, the columns in another order.
      await c.run(`create schema order_system;
        create table order_system.channels (channel_name varchar, channel_id varchar, legacy_code varchar,
          is_online boolean, _run_id varchar not null, _loaded_at timestamp not null, _source_location varchar not null);
        insert into order_system.channels values ('Web shop', 'WEB', 'x1', true, 'r1', now(), 'db'),
          ('Stores', 'STO', 'x2', false, 'r1', now(), 'db');`);
      await ensureRawTables(c, [{ source: "order_system", table: channels }]);
      const columns = await queryRows<{ column_name: string }>(
        c,
        "select column_name from duckdb_columns() where table_name = 'channels' order by column_index",
      );
      expect(columns.map((col) => col.column_name)).toEqual([
        "channel_id",
        "channel_name",
        "channel_name_zh",
        "is_online",
        "_run_id",
        "_loaded_at",
        "_source_location",
      ]);
      expect(
        await queryRows(
          c,
          "select channel_id, channel_name, channel_name_zh, is_online from order_system.channels order by 1",
        ),
      ).toEqual([
        { channel_id: "STO", channel_name: "Stores", channel_name_zh: null, is_online: false },
        { channel_id: "WEB", channel_name: "Web shop", channel_name_zh: null, is_online: true },
      ]);
      // In shape now: a second pass changes nothing, and a positional append lands in the right columns.
      await ensureRawTables(c, [{ source: "order_system", table: channels }]);
      await c.run("insert into order_system.channels values ('APP', 'App', '应用', true, 'r2', now(), 'db')");
      expect(await queryRows(c, "select channel_name_zh from order_system.channels where channel_id = 'APP'")).toEqual([
        { channel_name_zh: "应用" },
      ]);
    });
  });
});
