import { writeFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { sellThrough, sellThroughHeaderAliases } from "../../pipelines/contracts/partner-files.js";
import { loadFileStream } from "../../pipelines/load/file-loader.js";
import { queryRows, withDatabase } from "../../pipelines/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/warehouse/meta-schema.js";
import { tempDir } from "../helpers/temp-dir.js";

describe("file loader", () => {
  const dir = tempDir();

  it("loads CSV (canonical and Chinese headers) and XLSX, quarantining bad and unreadable lines with file and line", async () => {
    const canonical = join(dir, "sell_through_P001_2026-01.csv");
    writeFileSync(
      canonical,
      [
        "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id",
        "P001,S1,2026-01-05,SKU-1,2,10.00,20.00,CN-31,",
        "P001,S2,2026-01-06,SKU-2,x,10.00,20.00,CN-31,C9", // bad quantity
        "P001,S3,2026-01-07,SKU-1,1,5.00,5.00,CN-31,C1,extra,fields", // unreadable: too many fields
        "P001,S4,,SKU-1,1,5.00,5.00,CN-32,", // missing date
        "P001,S5,2026-01-08,SKU-3,3,1.50,4.50,CN-32,C2",
      ].join("\n") + "\n",
    );
    const chinese = join(dir, "sell_through_P002_2026-01.csv");
    writeFileSync(
      chinese,
      "经销商编码,销售单号,销售日期,商品编码,数量,单价,金额,收货地区,客户编号\nP002,T1,2026-01-09,SKU-1,1,9.99,9.99,CN-44,\n",
    );
    const xlsx = join(dir, "sell_through_P003_2026-01.xlsx");
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("sales");
    sheet.addRow([
      "partner_id",
      "sale_id",
      "sale_date",
      "sku",
      "quantity",
      "unit_price",
      "amount",
      "ship_to_region_id",
      "customer_id",
    ]);
    sheet.addRow(["P003", "X1", "2026-01-10", "SKU-2", 4, 2.5, 10, "CN-11", "C3"]);
    sheet.addRow(["P003", "X2", "2026-01-11", "SKU-2", -1, "abc", 10, "CN-11", null]);
    await workbook.xlsx.writeFile(xlsx);

    await withDatabase(join(dir, "raw.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", {
        source: "partner_files",
        table: sellThrough,
        files: [canonical, chinese, xlsx],
        headerAliases: sellThroughHeaderAliases,
      });
      expect(result).toMatchObject({ read: 8, loaded: 4, rejected: 4 });
      const loaded = await queryRows<{ sale_id: string; amount: number; _source_location: string }>(
        c,
        "select sale_id, amount::double as amount, _source_location from partner_files.sell_through order by sale_id",
      );
      expect(loaded.map((r) => r.sale_id)).toEqual(["S1", "S5", "T1", "X1"]);
      expect(loaded.find((r) => r.sale_id === "S5")?._source_location).toBe("sell_through_P001_2026-01.csv line 6");
      const quarantine = await queryRows<{ location: string; reason: string; payload: string }>(
        c,
        "select location, reason, payload from meta.quarantine order by location",
      );
      expect(quarantine.map((q) => q.location)).toEqual([
        "sell_through_P001_2026-01.csv line 3",
        "sell_through_P001_2026-01.csv line 4",
        "sell_through_P001_2026-01.csv line 5",
        "sell_through_P003_2026-01.xlsx line 3",
      ]);
      expect(quarantine[0]!.reason).toMatch(/quantity: not a integer/);
      expect(quarantine[1]!.reason).toMatch(/unreadable CSV line/);
      expect(quarantine[1]!.payload).toContain("extra,fields");
      expect(quarantine[2]!.reason).toMatch(/sale_date: required/);
      expect(quarantine[3]!.reason).toMatch(/unit_price: not a money/);
    });
  });

  it("reports schema drift: a missing column quarantines every row with the reason, unknown columns are named", async () => {
    const drifted = join(dir, "sell_through_P004_2026-02.csv");
    writeFileSync(
      drifted,
      "partner_id,sale_id,sale_date,sku,quantity,unit_price,ship_to_region_id,remark\nP004,D1,2026-02-01,SKU-1,1,5.00,CN-31,hello\n",
    );
    await withDatabase(join(dir, "raw-drift.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", {
        source: "partner_files",
        table: sellThrough,
        files: [drifted],
      });
      expect(result).toMatchObject({ read: 1, loaded: 0, rejected: 1 });
      expect(result.drift).toEqual([
        {
          file: "sell_through_P004_2026-02.csv",
          unknownColumns: ["remark"],
          missingColumns: ["amount", "customer_id"],
        },
      ]);
      const [q] = await queryRows<{ reason: string }>(c, "select reason from meta.quarantine");
      expect(q?.reason).toBe("amount: column missing from file");
    });
  });
});
