// The site's two languages from one set of pages (pipelines/site/page-languages.ts): each [[中文|English]] pair
// gives each language its side, English links and partials move under /en, Chinese money is shown in 万 / 亿, a pair
// left open is an error naming file and line, and the workspace's generated pages follow reports/ exactly (every
// repository page has both versions, and neither holds a pair or the other language's side).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  localizePage,
  PageLanguageError,
  pageTables,
  pickLanguage,
  writeLanguagePages,
} from "../../pipelines/site/page-languages.js";
import { formatChineseUnits } from "../../pipelines/site/evidence-offline/chinese-units.js";
import { REPO_ROOT } from "./helpers/shared-site.js";

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "page-languages-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("a pair", () => {
  it("gives each language its own side, trimmed, anywhere in a page", () => {
    const page = [
      "---",
      'title: "[[渠道盈利|Channel profitability]]"',
      "---",
      "## [[按月 | By month ]]",
      '<Column id=revenue title="[[销售额|Revenue]]" fmt=money/>',
      "select [[label_zh|label_en]] as label, case when x then [['是'|'Yes']] else [['否'|'No']] end as flag",
    ].join("\n");
    expect(pickLanguage(page, "zh")).toBe(
      [
        "---",
        'title: "渠道盈利"',
        "---",
        "## 按月",
        '<Column id=revenue title="销售额" fmt=money/>',
        "select label_zh as label, case when x then '是' else '否' end as flag",
      ].join("\n"),
    );
    expect(pickLanguage(page, "en")).toContain("## By month\n");
    expect(pickLanguage(page, "en")).toContain("select label_en as label, case when x then 'Yes' else 'No' end");
  });

  it("splits at a single bar only, so SQL's || stays whole on either side", () => {
    const sql = "[[a.name_zh || ' → ' || b.name_zh|a.name || ' -> ' || b.name]]";
    expect(pickLanguage(sql, "zh")).toBe("a.name_zh || ' → ' || b.name_zh");
    expect(pickLanguage(sql, "en")).toBe("a.name || ' -> ' || b.name");
    expect(pickLanguage("[[link|'/en' || link]] as link", "en")).toBe("'/en' || link as link");
  });

  it("inside a markdown link's text leaves the link whole", () => {
    expect(pickLanguage("see [[[渠道目标|channel goals]]](/channels/goals).", "zh")).toBe(
      "see [渠道目标](/channels/goals).",
    );
  });

  it("left open stops with the file, the line and how to write it", () => {
    const broken = "---\ntitle: x\n---\n\nfine [[好|good]]\nbroken [[销售额 Revenue]]\n";
    expect(() => pickLanguage(broken, "zh", "reports/x.md")).toThrow(PageLanguageError);
    expect(() => pickLanguage(broken, "zh", "reports/x.md")).toThrow(
      /reports\/x\.md, line 6: "\[\[销售额 Revenue\]\]".*\[\[中文\|English\]\]/,
    );
  });
});

describe("a page in each language", () => {
  const page = [
    '[[详见|See]] [[[术语表|the glossary]]](/channels/glossary) [[或|or]] <a href="/">[[首页|home]]</a>.',
    '{@partial "as-of.md"}',
    "<BigValue data={x} value=revenue fmt=money/> <BarChart yFmt=money2 y2Fmt='money' valueFmt=money/>",
    "[external](https://example.com/a) and [[[首页|home]]](/)",
  ].join("\n");

  it("English: links to pages and partials move under /en, external links and money do not change", () => {
    const en = localizePage(page, "en");
    expect(en).toContain('See [the glossary](/en/channels/glossary) or <a href="/en">home</a>.');
    expect(en).toContain('{@partial "en/as-of.md"}');
    expect(en).toContain("fmt=money/> <BarChart yFmt=money2 y2Fmt='money' valueFmt=money/>");
    expect(en).toContain("[external](https://example.com/a) and [home](/en)");
  });

  it("Chinese: links stay, partials are the Chinese ones, money (not money2) is in 万 / 亿", () => {
    const zh = localizePage(page, "zh");
    expect(zh).toContain('详见 [术语表](/channels/glossary) 或 <a href="/">首页</a>.');
    expect(zh).toContain('{@partial "zh/as-of.md"}');
    expect(zh).toContain("fmt=moneycn/> <BarChart yFmt=money2 y2Fmt='moneycn' valueFmt=moneycn/>");
  });
});

describe("money in 万 and 亿", () => {
  it("keeps a figure short in the unit a Chinese reader counts in", () => {
    const code = "[万亿]¥";
    const cases: Array<[number | string | null, string | undefined]> = [
      [0, "¥0"],
      [8532.4, "¥8,532"],
      [9999.4, "¥9,999"],
      [9999.6, "¥1.0万"],
      [70_445_600, "¥7,044.6万"],
      [99_999_999, "¥1.00亿"],
      [123_456_789, "¥1.23亿"],
      [-250_000, "-¥25.0万"],
      [-0.3, "¥0"],
      ["12345", "¥1.2万"],
      [null, undefined],
      ["x", undefined],
    ];
    for (const [value, shown] of cases) expect(formatChineseUnits(code, value), String(value)).toBe(shown);
    expect(formatChineseUnits("[万亿]£", 1_500_000)).toBe("£150.0万");
  });
});

describe("the workspace's pages", () => {
  it("are both languages of every page, with no pair left and the layout once, kept in step with the source", async () => {
    const source = path.join(scratch, "reports");
    const partials = path.join(scratch, "partials");
    const out = {
      outPagesDir: path.join(scratch, "ws", "pages"),
      outPartialsDir: path.join(scratch, "ws", "partials"),
    };
    await mkdir(path.join(source, "channels"), { recursive: true });
    await mkdir(partials, { recursive: true });
    await writeFile(path.join(source, "+layout.svelte"), "<slot/>");
    await writeFile(path.join(source, "index.md"), "# [[简报|Brief]]\n[[[渠道|Channels]]](/channels/goals)\n");
    await writeFile(path.join(source, "channels", "goals.md"), "# [[目标|Goals]]\n");
    await writeFile(path.join(partials, "banner.md"), "[[过期|Stale]]");
    const options = { pagesDir: source, partialsDir: partials, ...out };

    expect(await writeLanguagePages(options)).toEqual({ pages: 2, changed: 7 });
    const files = (await readdir(out.outPagesDir, { recursive: true })).sort();
    expect(files).toEqual([
      "+layout.svelte",
      "channels",
      "channels/goals.md",
      "en",
      "en/channels",
      "en/channels/goals.md",
      "en/index.md",
      "index.md",
    ]);
    expect(await readFile(path.join(out.outPagesDir, "en", "index.md"), "utf8")).toBe(
      "# Brief\n[Channels](/en/channels/goals)\n",
    );
    expect(await readFile(path.join(out.outPagesDir, "index.md"), "utf8")).toBe("# 简报\n[渠道](/channels/goals)\n");
    expect(await readFile(path.join(out.outPartialsDir, "en", "banner.md"), "utf8")).toBe("Stale");

    // Nothing changed: nothing rewritten. A page removed from the source goes from both languages.
    expect(await writeLanguagePages(options)).toEqual({ pages: 2, changed: 0 });
    await rm(path.join(source, "channels", "goals.md"));
    expect((await writeLanguagePages(options)).changed).toBe(2);
    expect((await readdir(out.outPagesDir, { recursive: true })).filter((f) => f.endsWith(".md")).sort()).toEqual([
      "en/index.md",
      "index.md",
    ]);
  });

  it("leave out editors' temporary files, and a file removed while they are written is not an error", async () => {
    const source = path.join(scratch, "editing", "reports");
    const partials = path.join(scratch, "editing", "partials");
    const out = {
      outPagesDir: path.join(scratch, "editing", "ws", "pages"),
      outPartialsDir: path.join(scratch, "editing", "ws", "partials"),
    };
    await mkdir(path.join(source, "channels"), { recursive: true });
    await mkdir(partials, { recursive: true });
    await writeFile(path.join(source, "channels", "index.md"), "# [[渠道|Channels]]\n");
    for (const name of ["index.md~", "#index.md#", "index.md.141.tmp", "index.md.swp", ".index.md.swp"]) {
      await writeFile(path.join(source, "channels", name), "an editor's temporary file\n");
    }
    const options = { pagesDir: source, partialsDir: partials, ...out };
    await writeLanguagePages(options);
    expect((await readdir(out.outPagesDir, { recursive: true })).sort()).toEqual([
      "channels",
      "channels/index.md",
      "en",
      "en/channels",
      "en/channels/index.md",
    ]);

    // Files with names no rule knows (vim's writability probe is a bare number) come and go while the pages are
    // written: each one listed but gone before it is read is skipped, never an error that stops the preview.
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        const probe = path.join(source, "channels", String(4900 + (i % 40)));
        await writeFile(probe, "probe\n");
        await rm(probe, { force: true });
      }
    })();
    try {
      for (let run = 0; run < 60; run++) await writeLanguagePages(options);
    } finally {
      churning = false;
      await churn;
    }
    const left = await writeLanguagePages(options);
    expect(left.pages).toBe(1);
    expect((await readdir(out.outPagesDir, { recursive: true })).filter((f) => /\d{4}$/.test(f))).toEqual([]);
  });

  it("every page of the repository has both versions with no pair left, and neither shows the other's words", async () => {
    const out = {
      outPagesDir: path.join(scratch, "repo", "pages"),
      outPartialsDir: path.join(scratch, "repo", "partials"),
    };
    await writeLanguagePages({
      pagesDir: path.join(REPO_ROOT, "reports"),
      partialsDir: path.join(REPO_ROOT, "pipelines", "site", "partials"),
      sourcesDir: path.join(REPO_ROOT, "sources", "warehouse"),
      ...out,
    });
    const pages = (await readdir(path.join(REPO_ROOT, "reports"), { recursive: true })).filter((f) =>
      f.endsWith(".md"),
    );
    expect(pages.length).toBeGreaterThan(15);
    for (const page of pages) {
      const zh = await readFile(path.join(out.outPagesDir, page), "utf8");
      const en = await readFile(path.join(out.outPagesDir, "en", page), "utf8");
      for (const text of [zh, en]) expect(text, page).not.toMatch(/\[\[|\]\]/);
      // The English title has no Chinese character, the Chinese one has one.
      const title = (text: string) => /^title:\s*(.+)$/m.exec(text)?.[1] ?? "";
      expect(title(zh), `${page} (zh title)`).toMatch(/\p{Script=Han}/u);
      expect(title(en), `${page} (en title)`).not.toMatch(/\p{Script=Han}/u);
    }
  });

  it("list which published tables each page reads, from the pages and the sources themselves", async () => {
    const tables = await pageTables(
      path.join(REPO_ROOT, "reports"),
      path.join(REPO_ROOT, "sources", "warehouse"),
      path.join(REPO_ROOT, "pipelines", "site", "partials"),
    );
    const brief = tables.find((t) => t.route === "/");
    expect(brief?.title).toEqual({ zh: "经营简报", en: "Executive brief" });
    expect(brief?.tables).toEqual(
      expect.arrayContaining(["reporting.executive_brief", "reporting.brief_kpis", "marts.source_freshness"]),
    );
    expect(tables.find((t) => t.route === "/channels")?.tables).toContain("marts.channel_revenue_monthly");
    for (const page of tables) expect(page.tables.length, page.route).toBeGreaterThan(0);
  });
});
