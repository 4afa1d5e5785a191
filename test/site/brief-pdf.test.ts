// `npm run reports:pdf` (pipelines/site/brief-pdf.ts): the executive brief printed to an A4 PDF by the system's
// headless Chromium from the one shared offline build of the planted demo company (helpers/shared-site.ts). The PDF's
// text (pdftotext, Debian's poppler-utils) must hold the brief as the warehouse has it: every finding that needs
// action, by its Chinese title, with its count. A made-up site that reaches for other hosts (an image, a fetch, a web
// worker's fetch) shows every such request refused, and the PDF written all the same.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import {
  BriefPdfError,
  findChromium,
  normaliseRoute,
  pdfBaseName,
  writeBriefPdf,
} from "../../pipelines/site/brief-pdf.js";
import { sharedSite, TEST_SCRATCH } from "./helpers/shared-site.js";
import type { SharedSite } from "./helpers/shared-site.js";

const OUT_DIR = path.join(TEST_SCRATCH, `brief-pdf-${process.pid}`);

/**
 * The PDF's text in the order Chromium wrote it, which is the page's: a table row's cells follow each other (where
 * `-layout` would put a count on a line of its own when a cell beside it wraps).
 */
async function pdfText(file: string): Promise<string> {
  if (!existsSync("/usr/bin/pdftotext")) {
    throw new Error("pdftotext is missing: `apt-get install -y poppler-utils` (.ci/run installs it)");
  }
  const { stdout } = await promisify(execFile)("pdftotext", ["-raw", "-enc", "UTF-8", file, "-"], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** The page sizes (in points) of a PDF as Chromium writes it. */
const mediaBoxes = (pdf: Buffer): string[] =>
  [...pdf.toString("latin1").matchAll(/\/MediaBox \[([^\]]*)\]/g)].map((m) => m[1]!.trim());

/** Checks the file is a complete PDF and returns its bytes. */
async function readPdf(file: string): Promise<Buffer> {
  const bytes = await readFile(file);
  expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  expect(bytes.subarray(-16).toString("latin1")).toContain("%%EOF");
  return bytes;
}

beforeAll(async () => {
  await rm(OUT_DIR, { recursive: true, force: true });
  await mkdir(OUT_DIR, { recursive: true });
});

afterAll(async () => {
  await rm(OUT_DIR, { recursive: true, force: true });
});

describe("the executive brief as a PDF, from the built site", () => {
  let site: SharedSite;
  let asOf: string;
  let findings: Array<{ title_zh: string; items: number }>;

  beforeAll(async () => {
    site = await sharedSite();
    [asOf, findings] = await withDatabase(
      site.warehousePath,
      async (c) => {
        const [status] = await queryRows<{ as_of: string }>(
          c,
          "select strftime(as_of_date, '%Y-%m-%d') as as_of from marts.warehouse_status",
        );
        const rows = await queryRows<{ title_zh: string; items: number }>(
          c,
          `select title_zh, items::integer as items from reporting.executive_brief
           where needs_action order by finding_order`,
        );
        return [status!.as_of, rows] as const;
      },
      { readOnly: true },
    );
  });

  it("prints the front page to A4, offline, with every finding that needs action: its Chinese title and count", async () => {
    // the planted demo company has findings to act on, so there is something to check
    expect(findings.length).toBeGreaterThanOrEqual(5);
    const started = Date.now();
    const result = await writeBriefPdf({ siteDir: site.siteDir, outDir: OUT_DIR });
    console.log(`[reports] brief PDF written in ${Date.now() - started} ms (${result.bytes} bytes)`);

    expect(result.file).toBe(path.join(OUT_DIR, `brief-${asOf}.pdf`));
    expect(result.asOfDate).toBe(asOf);
    expect(result.hasChinese).toBe(true);
    // the site asked for nothing beyond 127.0.0.1
    expect(result.blockedRequests).toEqual([]);

    const pdf = await readPdf(result.file);
    expect(pdf.byteLength).toBe(result.bytes);
    expect(new Set(mediaBoxes(pdf))).toEqual(new Set(["0 0 595.91998 841.91998"])); // A4 portrait

    const text = await pdfText(result.file);
    expect(text).toContain("经营简报");
    expect(text).toContain(`数据截至 ${asOf}`);
    const words = text.split(/\s+/);
    for (const { title_zh, items } of findings) {
      const at = words.indexOf(title_zh);
      expect(at, `${title_zh} is in the PDF`).toBeGreaterThanOrEqual(0);
      // its count is among the cells that follow it in its row (count, amount, who / where)
      expect(words.slice(at + 1, at + 4), `the cells after ${title_zh}`).toContain(String(items));
    }
    // the site's navigation is not printed
    expect(text).not.toContain("Built with Evidence");
  });

  it("prints another page by its route, across the page when asked", async () => {
    const result = await writeBriefPdf({
      siteDir: site.siteDir,
      route: "channels/risks/",
      outDir: OUT_DIR,
      landscape: true,
    });
    expect(result.file).toBe(path.join(OUT_DIR, `channels-risks-${asOf}.pdf`));
    expect(result.blockedRequests).toEqual([]);
    const pdf = await readPdf(result.file);
    expect(new Set(mediaBoxes(pdf))).toEqual(new Set(["0 0 841.91998 595.91998"])); // A4 landscape
    expect(await pdfText(result.file)).toContain("风险评估与应对预案");
  });

  it("refuses a page the site does not have, and a folder that holds no site", async () => {
    await expect(writeBriefPdf({ siteDir: site.siteDir, route: "/no/such/page", outDir: OUT_DIR })).rejects.toThrow(
      /no page \/no\/such\/page/,
    );
    await expect(writeBriefPdf({ siteDir: OUT_DIR, outDir: OUT_DIR })).rejects.toThrow(/holds no built site/);
  });
});

describe("the PDF stays offline", () => {
  let siteDir: string;

  beforeAll(async () => {
    // A page that reaches for other hosts three ways: an image, a fetch and a web worker's fetch.
    siteDir = path.join(OUT_DIR, "reaching-site");
    await mkdir(siteDir, { recursive: true });
    await writeFile(
      path.join(siteDir, "index.html"),
      `<!doctype html><html><head><meta charset="utf-8"><title>经营简报 · test</title></head><body>
<h1>经营简报 · Executive brief</h1>
<p id="status">loading</p>
<img src="http://image.outside.invalid/pixel.png" alt="">
<script>
  fetch("https://fetch.outside.invalid/data.json").catch(() => undefined);
  const source = "fetch('http://worker.outside.invalid/w.wasm').catch(() => undefined).finally(() => postMessage('done'))";
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
  worker.onmessage = () => { document.getElementById("status").textContent = "worker done"; };
</script>
</body></html>`,
    );
  });

  it("refuses every request to another host, whatever part of the browser makes it, and still writes the PDF", async () => {
    const result = await writeBriefPdf({ siteDir, outDir: OUT_DIR });
    expect(path.basename(result.file)).toBe("brief.pdf"); // no data, so no as-of date
    const refused = [...result.blockedRequests, ...result.refusedAtProxy].join(" ");
    expect(refused).toContain("image.outside.invalid");
    expect(refused).toContain("fetch.outside.invalid");
    expect(refused).toContain("worker.outside.invalid");
    await readPdf(result.file);
    const text = await pdfText(result.file);
    expect(text).toContain("经营简报");
    expect(text).toContain("worker done");
  });

  it("will not print Chinese text on a machine with no Chinese font (it would come out as empty boxes)", async () => {
    await expect(
      writeBriefPdf({
        siteDir,
        outDir: OUT_DIR,
        outFile: path.join(OUT_DIR, "tofu.pdf"),
        listChineseFonts: async () => [],
      }),
    ).rejects.toThrow(/no Chinese font.*fonts-noto-cjk/);
    expect(existsSync(path.join(OUT_DIR, "tofu.pdf"))).toBe(false);
  });
});

describe("finding Chromium and naming the PDF", () => {
  it("takes --chromium, then CHROMIUM_PATH, then the common paths; a path asked for must exist", () => {
    const chromium = "/usr/bin/chromium";
    expect(findChromium(chromium, {})).toBe(chromium);
    expect(findChromium(undefined, { CHROMIUM_PATH: chromium }, [])).toBe(chromium);
    expect(findChromium(undefined, {}, ["/nonexistent/chrome", chromium])).toBe(chromium);
    expect(() => findChromium("/nonexistent/chrome", { CHROMIUM_PATH: chromium })).toThrow(
      /--chromium names \/nonexistent\/chrome, which does not exist/,
    );
    expect(() => findChromium(undefined, { CHROMIUM_PATH: "/nonexistent/chrome" })).toThrow(/CHROMIUM_PATH/);
    expect(() => findChromium(undefined, {}, ["/nonexistent/chrome"])).toThrow(BriefPdfError);
    expect(() => findChromium(undefined, {}, ["/nonexistent/chrome"])).toThrow(/apt-get install -y chromium/);
  });

  it("names the file after the page", () => {
    expect(pdfBaseName("/")).toBe("brief");
    expect(pdfBaseName("/channels/risks")).toBe("channels-risks");
    expect(normaliseRoute("channels/risks/")).toBe("/channels/risks");
    expect(normaliseRoute("/")).toBe("/");
    expect(() => normaliseRoute("https://example.com/")).toThrow(BriefPdfError);
    expect(() => normaliseRoute("/../etc")).toThrow(BriefPdfError);
  });
});
