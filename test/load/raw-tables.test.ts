// A raw table made by an earlier version of a contract (pipelines/load/raw-tables.ts): after an upgrade that adds an
// optional column (channels.channel_name_zh) or changes a column's type (price_list's prices, once money as
// DECIMAL(18,2), are prices as DECIMAL(18,4)), the next load must not fail on the old table's shape, shift values
// between columns or round them to the old type. The table is brought to the contract's columns, in order and in
// their types, keeping every row by column name.
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import type { TableSpec } from "../../pipelines/shared/contracts/column-spec.js";
import { priceList } from "../../pipelines/shared/contracts/order-system.js";
import { ensureRawTables } from "../../pipelines/load/raw-tables.js";
import { loadRecordStream } from "../../pipelines/load/record-loader.js";
import type { RecordStream } from "../../pipelines/shared/source-stream.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
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

/** price_list's raw table as it was when its prices were money (DECIMAL(18,2)), with two rows already loaded. */
const PRICE_LIST_TO_THE_CENT = `create schema order_system;
  create table order_system.price_list (product_id varchar, valid_from date, valid_to date,
    list_price decimal(18,2), partner_price decimal(18,2), floor_price decimal(18,2), updated_at timestamp,
    _run_id varchar not null, _loaded_at timestamp not null, _source_location varchar not null);
  insert into order_system.price_list values
    ('P-1', '2025-01-01', null, 100.00, 70.00, 80.00, '2025-01-01 00:00:00', 'r1', now(), 'db'),
    ('P-2', '2025-01-01', '2025-06-30', 0.13, 0.09, 0.11, '2025-01-01 00:00:00', 'r1', now(), 'db');`;

const priceColumns = (c: DuckDBConnection) =>
  queryRows<{ column_name: string; data_type: string }>(
    c,
    `select column_name, data_type from duckdb_columns()
     where schema_name = 'order_system' and table_name = 'price_list' and column_name like '%price'
     order by column_index`,
  );

describe("a raw table whose column types changed", () => {
  it("widens prices kept to the cent (DECIMAL(18,2)) to DECIMAL(18,4), every value unchanged", async () => {
    await withDatabase(join(dir, "widen.duckdb"), async (c) => {
      await c.run(PRICE_LIST_TO_THE_CENT);
      await ensureRawTables(c, [{ source: "order_system", table: priceList }]);
      expect(await priceColumns(c)).toEqual([
        { column_name: "list_price", data_type: "DECIMAL(18,4)" },
        { column_name: "partner_price", data_type: "DECIMAL(18,4)" },
        { column_name: "floor_price", data_type: "DECIMAL(18,4)" },
      ]);
      expect(
        await queryRows(
          c,
          `select product_id, valid_to::varchar as valid_to, list_price::varchar as list_price,
                  partner_price::varchar as partner_price, floor_price::varchar as floor_price, _run_id
           from order_system.price_list order by product_id`,
        ),
      ).toEqual([
        {
          product_id: "P-1",
          valid_to: null,
          list_price: "100.0000",
          partner_price: "70.0000",
          floor_price: "80.0000",
          _run_id: "r1",
        },
        {
          product_id: "P-2",
          valid_to: "2025-06-30",
          list_price: "0.1300",
          partner_price: "0.0900",
          floor_price: "0.1100",
          _run_id: "r1",
        },
      ]);
    });
  });

  it("the next load after the upgrade merges 4-decimal prices into it, exactly, beside the rows already there", async () => {
    await withDatabase(join(dir, "widen-load.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      await c.run(PRICE_LIST_TO_THE_CENT);
      const stream: RecordStream = {
        source: "order_system",
        table: priceList,
        mode: "incremental",
        async *read() {
          yield {
            records: [
              {
                location: "price_list row P-3",
                record: {
                  product_id: "P-3",
                  valid_from: "2025-01-01",
                  valid_to: null,
                  list_price: "0.0150",
                  partner_price: "0.0110",
                  floor_price: "0.0125",
                  updated_at: "2025-02-01T00:00:00Z",
                },
              },
            ],
            state: { cursor: "2025-02-01T00:00:00Z" },
          };
        },
      };
      const result = await loadRecordStream(c, "run-2", stream);
      expect(result).toMatchObject({ read: 1, loaded: 1, rejected: 0 });
      expect(
        await queryRows(
          c,
          "select product_id, floor_price::varchar as floor_price from order_system.price_list order by product_id",
        ),
      ).toEqual([
        { product_id: "P-1", floor_price: "80.0000" },
        { product_id: "P-2", floor_price: "0.1100" },
        { product_id: "P-3", floor_price: "0.0125" },
      ]);
      expect((await priceColumns(c)).map((col) => col.data_type)).toEqual([
        "DECIMAL(18,4)",
        "DECIMAL(18,4)",
        "DECIMAL(18,4)",
      ]);
    });
  });

  it("a value the contract's type cannot hold stops the upgrade with the column named, the old table kept whole", async () => {
    const counted: TableSpec = {
      name: "stock",
      description: "an earlier contract kept the count as text",
      primaryKey: ["sku"],
      columns: [
        { name: "sku", type: "text" },
        { name: "units", type: "integer" },
      ],
    };
    await withDatabase(join(dir, "narrow.duckdb"), async (c) => {
      await c.run(`create schema shop;
        create table shop.stock (sku varchar, units varchar,
          _run_id varchar not null, _loaded_at timestamp not null, _source_location varchar not null);
        insert into shop.stock values ('A', '12', 'r1', now(), 'f'), ('B', 'a dozen', 'r1', now(), 'f');`);
      await expect(ensureRawTables(c, [{ source: "shop", table: counted }])).rejects.toThrow(
        /raw table shop\.stock could not be brought to the contract's types \(units VARCHAR -> INTEGER\)/,
      );
      expect(
        await queryRows(
          c,
          "select column_name, data_type from duckdb_columns() where table_name like 'stock%' order by column_index",
        ),
      ).toEqual([
        { column_name: "sku", data_type: "VARCHAR" },
        { column_name: "units", data_type: "VARCHAR" },
        { column_name: "_run_id", data_type: "VARCHAR" },
        { column_name: "_loaded_at", data_type: "TIMESTAMP" },
        { column_name: "_source_location", data_type: "VARCHAR" },
      ]);
      expect(await queryRows(c, "select sku, units from shop.stock order by sku")).toEqual([
        { sku: "A", units: "12" },
        { sku: "B", units: "a dozen" },
      ]);
    });
  });
});
