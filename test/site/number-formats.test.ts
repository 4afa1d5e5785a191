// The pages' named number formats (pipelines/site/number-formats.ts): money carries the currency of the warehouse
// the site is built from, the file Evidence reads is written where it looks and in the shape its formatter matches,
// no name is shadowed by one of Evidence's built-in formats, and every name a page uses is defined.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import {
  CUSTOM_FORMATTING_FILE,
  DEFAULT_REPORTING_CURRENCY,
  numberFormats,
  prepareNumberFormats,
  readReportingCurrency,
} from "../../pipelines/site/number-formats.js";
import type { NumberFormat } from "../../pipelines/site/number-formats.js";
import { prepareWorkspace } from "../../pipelines/site/workspace.js";
import { formatChineseUnits, isChineseUnitsCode } from "../../pipelines/site/evidence-offline/chinese-units.js";
import { REPO_ROOT } from "./helpers/shared-site.js";

// SheetJS ssf, the formatter Evidence applies a format code with (an Evidence dependency, not ours).
const require = createRequire(import.meta.url);
const ssf = require("ssf") as { format(code: string, value: unknown): string };

/** Formats a value the way Evidence (as patched: evidence-offline/formatting.js.patch) does with a named format. */
function show(formats: NumberFormat[], tag: string, value: unknown): string {
  const format = formats.find((f) => f.formatTag === tag);
  if (!format) throw new Error(`no format ${tag}`);
  if (isChineseUnitsCode(format.formatCode)) return formatChineseUnits(format.formatCode, value) ?? "";
  return ssf.format(format.formatCode, value);
}

let scratch: string;

/** A warehouse file holding only what the site reads the currency from (null: a warehouse from before the setting). */
async function warehouseWith(name: string, currency: { code: string; symbol: string } | null): Promise<string> {
  const file = path.join(scratch, `${name}.duckdb`);
  await withDatabase(file, async (c) => {
    await c.run("create schema ops");
    if (currency) {
      await c.run(
        "create table ops.reporting_settings (currency_code varchar not null, currency_symbol varchar not null)",
      );
      await c.run(`insert into ops.reporting_settings values ('${currency.code}', '${currency.symbol}')`);
    }
  });
  return file;
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "number-formats-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("the named formats", () => {
  it("show money with the currency's symbol, whole or to the cent, and the minus sign first", () => {
    const gbp = numberFormats({ code: "GBP", symbol: "£" });
    expect(show(gbp, "money", 1234567.5)).toBe("£1,234,568");
    expect(show(gbp, "money", -98765.4)).toBe("-£98,765");
    expect(show(gbp, "money2", 12.345)).toBe("£12.35");
    // prices to the cent, or to the 4 decimals a price may have
    expect(show(gbp, "price", 12.5)).toBe("£12.50");
    expect(show(gbp, "price", 0.0125)).toBe("£0.0125");
    expect(show(gbp, "price", 46800)).toBe("£46,800.00");
    expect(show(gbp, "price", -0.5)).toBe("-£0.50");
    const cny = numberFormats(DEFAULT_REPORTING_CURRENCY);
    expect(show(cny, "money", 9848911.49)).toBe("¥9,848,911");
    // A symbol made of format characters stays literal; a bare code keeps a non-breaking space before the number.
    expect(show(numberFormats({ code: "HKD", symbol: "HK$" }), "money", 1500)).toBe("HK$1,500");
    expect(show(numberFormats({ code: "SGD", symbol: "SGD" }), "money", 1500)).toBe("SGD\u00a01,500");
    expect(show(numberFormats({ code: "XTS", symbol: 'a"b' }), "money", 1500)).toBe('a"b\u00a01,500');
    // The Chinese pages' money, in 万 and 亿, with the same symbol
    expect(show(cny, "moneycn", 70_445_600)).toBe("¥7,044.6万");
    expect(show(gbp, "moneycn", -123_456_789)).toBe("-£1.23亿");
    expect(show(numberFormats({ code: "SGD", symbol: "SGD" }), "moneycn", 8_532)).toBe("SGD\u00a08,532");
  });

  it("show counts, rates, ratios and dates the same whatever the currency", () => {
    const formats = numberFormats({ code: "GBP", symbol: "£" });
    expect(show(formats, "count", 12345.6)).toBe("12,346");
    expect(show(formats, "count1", 12345.66)).toBe("12,345.7");
    expect(show(formats, "ratio", 1.234)).toBe("1.23");
    expect(show(formats, "percent", 0.1234)).toBe("12.3%");
    expect(show(formats, "percent0", 0.1234)).toBe("12%");
    expect(show(formats, "percent2", 0.001234)).toBe("0.12%");
    expect(show(formats, "ymd", new Date(2026, 10, 30))).toBe("2026-11-30");
    expect(show(formats, "ym", new Date(2026, 10, 30))).toBe("2026-11");
    const money = new Set(["money", "moneycn", "money2", "price"]);
    expect(formats.filter((f) => !money.has(f.formatTag))).toEqual(
      numberFormats(DEFAULT_REPORTING_CURRENCY).filter((f) => !money.has(f.formatTag)),
    );
  });

  it("are named as Evidence names formats, and no name is one of Evidence's built-in formats (those win)", async () => {
    // Evidence looks a name up in its built-in formats first: a custom format of the same name would never apply.
    // Their names, read from the installed source (an ES module Node cannot import on its own: extensionless
    // imports): the literal ones, and each currency's code with each derived suffix (usd, usd0, usd1k, ...).
    const source = await readFile(require.resolve("@evidence-dev/component-utilities/builtInFormats"), "utf8");
    const literal = [...source.matchAll(/formatTag: '([^']+)'/g)].map((m) => m[1]!);
    const currencies = [...source.matchAll(/primaryCode: '([^']+)'/g)].map((m) => m[1]!);
    const suffixes = [...source.matchAll(/derivedSuffix: '([^']*)'/g)].map((m) => m[1]!);
    const builtIn = new Set(
      [...literal, ...currencies.flatMap((code) => suffixes.map((suffix) => code + suffix))].map((t) =>
        t.toLowerCase(),
      ),
    );
    for (const known of ["pct", "pct1", "num0", "usd", "cny0", "gbp2", "id"])
      expect(builtIn.has(known), known).toBe(true);
    for (const format of numberFormats(DEFAULT_REPORTING_CURRENCY)) {
      expect(format.formatTag).toMatch(/^[a-zA-Z][a-zA-Z0-9]*$/);
      expect(builtIn.has(format.formatTag.toLowerCase()), format.formatTag).toBe(false);
    }
  });

  it("define every format name the pages use", async () => {
    const defined = new Set(numberFormats(DEFAULT_REPORTING_CURRENCY).map((f) => f.formatTag));
    const reports = path.join(REPO_ROOT, "reports");
    const pages = (await readdir(reports, { recursive: true })).filter((file) => file.endsWith(".md"));
    const used = new Map<string, string>();
    for (const page of pages) {
      const text = await readFile(path.join(reports, page), "utf8");
      // An unquoted fmt=<name> (fmt=money, yFmt=count, valueFmt=percent0, ...); quoted values are format codes.
      for (const [, name] of text.matchAll(/\b[a-zA-Z]*[Ff]mt=([A-Za-z][A-Za-z0-9_]*)/g)) used.set(name!, page);
    }
    expect(used.size).toBeGreaterThan(5);
    for (const [name, page] of used) expect(defined.has(name), `fmt=${name} in reports/${page}`).toBe(true);
  });
});

describe("a workspace prepared for a build or a preview", () => {
  it("gets the formats of a GBP warehouse in the file Evidence reads, money in £", async () => {
    const warehouse = await warehouseWith("gbp", { code: "GBP", symbol: "£" });
    const workspace = await prepareWorkspace({ repoRoot: scratch, name: "gbp" });
    const currency = await prepareNumberFormats(workspace.dir, warehouse);
    expect(currency).toEqual({ code: "GBP", symbol: "£" });

    // Evidence's server runs in <workspace>/.evidence/template and reads ../customization/custom-formatting.json.
    const file = path.join(workspace.dir, ".evidence", "customization", "custom-formatting.json");
    expect(path.join(workspace.dir, CUSTOM_FORMATTING_FILE)).toBe(file);
    const settings = JSON.parse(await readFile(file, "utf8")) as { version: string; customFormats: NumberFormat[] };
    expect(settings.version).toBe("1.0");
    const money = settings.customFormats.find((f) => f.formatTag === "money");
    expect(money).toMatchObject({ formatCode: '"£"#,##0', valueType: "number" });
    expect(settings.customFormats.find((f) => f.formatTag === "money2")?.formatCode).toBe('"£"#,##0.00');
    expect(settings.customFormats.find((f) => f.formatTag === "count")?.formatCode).toBe("#,##0");
    expect(JSON.stringify(settings)).not.toContain("¥");
    expect(show(settings.customFormats, "money", 2500.4)).toBe("£2,500");
  });

  it("gets CNY (¥) from a warehouse published before the currency was configurable", async () => {
    const warehouse = await warehouseWith("older", null);
    expect(await readReportingCurrency(warehouse)).toEqual({ code: "CNY", symbol: "¥" });
    const workspace = await prepareWorkspace({ repoRoot: scratch, name: "older" });
    await prepareNumberFormats(workspace.dir, warehouse);
    const settings = JSON.parse(await readFile(path.join(workspace.dir, CUSTOM_FORMATTING_FILE), "utf8")) as {
      customFormats: NumberFormat[];
    };
    expect(settings.customFormats.find((f) => f.formatTag === "money")?.formatCode).toBe('"¥"#,##0');
  });
});
