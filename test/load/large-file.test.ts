// A partner file past what a JavaScript string can hold (V8's limit of 2^29 characters) loads whole, with exact line
// numbers. Heavy by design (it writes and reads about 640 MB), so it runs with the end-to-end project, not the fast lane.
import { closeSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sellThrough } from "../../pipelines/shared/contracts/partner-files.js";
import { loadFileStream } from "../../pipelines/load/file-loader.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { tempDir } from "../helpers/temp-dir.js";

describe("file loader", () => {
  const dir = tempDir();

  it("loads a file larger than a JavaScript string can hold (over 512 MB), with exact line numbers", async () => {
    // 180,000 rows with a 3.5 KB remark each: about 640 MB, past V8's limit of 2^29 characters per string.
    const big = join(dir, "sell_through_P009_2026-03.csv");
    const fd = openSync(big, "w");
    const remark = "备注".repeat(600) + "x".repeat(2300);
    const rows = 180_000;
    writeSync(fd, "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id,remark\n");
    writeSync(fd, "\n"); // a blank line 2: rows after it sit one line further down
    let chunk = "";
    for (let i = 1; i <= rows; i++) {
      const quantity = i === rows - 1 ? "many" : "1"; // one bad row, near the end
      chunk += `P009,B${i},2026-03-01,SKU-1,${quantity},5.00,5.00,CN-31,,${remark}\n`;
      if (i % 5000 === 0 || i === rows) {
        writeSync(fd, chunk);
        chunk = "";
      }
    }
    closeSync(fd);
    expect(statSync(big).size).toBeGreaterThan(2 ** 29 + 1);
    await withDatabase(join(dir, "raw-big.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", { source: "partner_files", table: sellThrough, files: [big] });
      expect(result).toMatchObject({ read: rows, loaded: rows - 1, rejected: 1 });
      expect(result.drift).toEqual([
        { file: "sell_through_P009_2026-03.csv", unknownColumns: ["remark"], missingColumns: [] },
      ]);
      const [bad] = await queryRows<{ location: string; reason: string }>(
        c,
        "select location, reason from meta.quarantine",
      );
      // header line 1, blank line 2, row i on line i + 2
      expect(bad).toEqual({
        location: `sell_through_P009_2026-03.csv line ${rows + 1}`,
        reason: expect.stringMatching(/quantity: not a integer/),
      });
      const [last] = await queryRows<{ location: string }>(
        c,
        `select _source_location as location from partner_files.sell_through where sale_id = 'B${rows}'`,
      );
      expect(last?.location).toBe(`sell_through_P009_2026-03.csv line ${rows + 2}`);
    });
    rmSync(big);
  }, 300_000);
});
