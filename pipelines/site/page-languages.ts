// The site in two languages from one set of pages: Chinese at `/`, English under `/en/`.
//
// Leadership reads Chinese; some readers (and the analysts' reviewers) read English. Keeping a second copy of every
// page by hand would drift within a week, so each page is written once, with every reader-facing text as a pair:
//
//     [[销售额|Revenue]]          ->  销售额 on the Chinese page, Revenue on the English one
//
// A pair works anywhere in a page: the front matter's title, headings, prose, a component's title="...", and the SQL
// (`select [[channel_type_label_zh|channel_type_label]] as channel_type` picks the mart's label column in the
// reader's language). The Chinese side comes first and is split from the English at the first single `|` (a `||`,
// SQL's concatenation, never splits), so the Chinese side must not hold a lone `|`; neither side may hold `[` or `]`.
// Spaces just inside the brackets are trimmed.
//
// Before every build and live preview, writePages() turns reports/ into the workspace's pages/ twice:
//   - Chinese (the root): every pair's Chinese side, and money in 万 / 亿 (`fmt=money` becomes `fmt=moneycn`, see
//     number-formats.ts and evidence-offline/chinese-units.js);
//   - English (pages/en/): every pair's English side; links inside the site (`](/x)`, `href="/x"`) and the
//     partials a page includes move under /en. A link a query builds (a `link` column) is written as a pair:
//     `[[link|'/en' || link]] as link`.
// A `[[` left without its `|` or `]]` is an authoring mistake: the build stops naming the file and line.
//
// The rules an author follows (what must be a pair, label columns, money, links) are in the README, "Writing a
// page": "Two languages, one page".
//
// Why one site with two trees rather than two builds: one Evidence build (its bundling is most of the time) serves
// both languages, a reader switches with one click on every page (reports/+layout.svelte), and both always show the
// same data.
import { watch } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export type Language = "zh" | "en";

/** The site's languages: the first is served at the root, the others under `/<language>/`. */
export const LANGUAGES: readonly Language[] = ["zh", "en"];
export const ROOT_LANGUAGE: Language = "zh";

/** A page file written wrongly for the language step. */
export class PageLanguageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PageLanguageError";
  }
}

// One pair: the Chinese side (no brackets, no lone bar; `||` allowed), a single `|`, the English side (no brackets).
const PAIR = /\[\[((?:[^[\]|]|\|\|)*?)\|(?!\|)([^[\]]*?)\]\]/g;

/** The text of `source` in `language`: every [[中文|English]] pair replaced by its side. */
export function pickLanguage(source: string, language: Language, file = "(page)"): string {
  const picked = source.replace(PAIR, (_pair, zh: string, en: string) => (language === "zh" ? zh : en).trim());
  const stray = picked.indexOf("[[");
  if (stray >= 0) {
    const line = picked.slice(0, stray).split("\n").length;
    const text = picked.slice(stray, stray + 60).split("\n")[0];
    throw new PageLanguageError(
      `${file}, line ${line}: "${text}" opens a language pair that is not closed. Write it as [[中文|English]] ` +
        "(the Chinese side first, one | between, no [ or ] inside).",
    );
  }
  return picked;
}

/** A page (or partial) as its `language` version: the pair sides, plus that language's links, partials and formats. */
export function localizePage(source: string, language: Language, file = "(page)"): string {
  // Partials are included as written for this language (each language's are in a folder of its own).
  let text = pickLanguage(source, language, file).replace(
    /\{@partial\s+"([^"]+)"\s*\}/g,
    `{@partial "${language}/$1"}`,
  );
  if (language === ROOT_LANGUAGE) {
    // Chinese readers count money in 万 and 亿: the same amounts, another named format (number-formats.ts).
    return text.replace(/(\b\w*[Ff]mt\s*=\s*)(["']?)money\2(?![\w])/g, "$1$2moneycn$2");
  }
  const root = languageRoot(language);
  text = text
    // Markdown links and HTML links to a page of this site: the same page in this language.
    .replace(/\]\(\/(?!\/)/g, `](${root}/`)
    .replace(/(\bhref\s*=\s*["']?)\/(?!\/)/g, `$1${root}/`);
  // `](/en/)` for the home page reads better as `](/en)`.
  return text.replace(new RegExp(`(\\]\\(|href\\s*=\\s*["']?)${root}/(?=[)"'\\s>])`, "g"), `$1${root}`);
}

/** The route prefix of a language's pages: "" for the root language, "/en" for English. */
export function languageRoot(language: Language): string {
  return language === ROOT_LANGUAGE ? "" : `/${language}`;
}

export interface LanguagePagesOptions {
  /** The pages as written (reports/). */
  pagesDir: string;
  /** The partials as written (pipelines/site/partials). */
  partialsDir: string;
  /** Where Evidence reads pages (the workspace's pages/). */
  outPagesDir: string;
  /** Where Evidence reads partials (the workspace's partials/). */
  outPartialsDir: string;
  /** The Evidence source's queries (sources/warehouse), to say which warehouse table each page's tables are. */
  sourcesDir?: string;
}

/** The generated partial listing each page's tables: `{@partial "page-tables.md"}`. */
export const PAGE_TABLES_PARTIAL = "page-tables.md";

/** One page and the warehouse tables its queries read. */
export interface PageTables {
  /** The page's file, relative to the pages folder (channels/goals.md). */
  file: string;
  /** The page's route in the root language, e.g. /channels/goals. */
  route: string;
  /** The page's title in each language (its front matter's title). */
  title: Record<Language, string>;
  /** The published tables it reads (marts.channel_economics, reporting.brief_kpis, ...), sorted. */
  tables: string[];
}

/**
 * For every page, the published tables it reads: each `warehouse.<name>` its queries use (a source table), mapped to
 * what that source selects (`select * from marts.<table>` in sources/warehouse/<name>.sql). Read from the pages and
 * the sources themselves, so it cannot go stale.
 */
export async function pageTables(pagesDir: string, sourcesDir: string, partialsDir: string): Promise<PageTables[]> {
  const published = await publishedTables(sourcesDir);
  const pages: PageTables[] = [];
  for (const file of await listFiles(pagesDir)) {
    if (!file.endsWith(".md")) continue;
    let text = await readIfStillThere(path.join(pagesDir, file));
    if (text === undefined) continue;
    // What the partials it includes read counts too (the freshness banner reads marts.source_freshness).
    for (const [, partial] of text.matchAll(/\{@partial\s+"([^"]+)"\s*\}/g)) {
      text += await readFile(path.join(partialsDir, partial!), "utf8").catch(() => "");
    }
    const used = new Set<string>();
    for (const [, name] of text.matchAll(/\bwarehouse\.([a-z0-9_]+)/gi)) used.add(published.get(name!) ?? name!);
    const route = `/${file.replace(/\.md$/, "").replace(/(^|\/)index$/, "")}`.replace(/\/$/, "") || "/";
    const title = Object.fromEntries(
      LANGUAGES.map((language) => {
        const front = /^---\n([\s\S]*?)\n---/.exec(pickLanguage(text, language, file))?.[1] ?? "";
        const value = /^title:\s*(.+)$/m
          .exec(front)?.[1]
          ?.trim()
          .replace(/^["']|["']$/g, "");
        return [language, value ?? route];
      }),
    ) as Record<Language, string>;
    pages.push({ file, route, title, tables: [...used].sort() });
  }
  return pages.sort((a, b) => a.route.localeCompare(b.route));
}

/**
 * The warehouse table behind each source table the pages read: sources/warehouse/<name>.sql is
 * `select * from <schema>.<table>`, read as `warehouse.<name>` on a page.
 */
export async function publishedTables(sourcesDir: string): Promise<Map<string, string>> {
  const published = new Map<string, string>();
  for (const file of await listFiles(sourcesDir)) {
    if (!file.endsWith(".sql")) continue;
    const text = await readIfStillThere(path.join(sourcesDir, file));
    if (text === undefined) continue;
    const from = /\bfrom\s+([a-z_]+\.[a-z0-9_]+)/i.exec(text.replace(/--.*$/gm, ""));
    published.set(path.basename(file, ".sql"), from?.[1] ?? `warehouse.${path.basename(file, ".sql")}`);
  }
  return published;
}

/** The page-tables partial in one language: a markdown table, each page linked. */
function pageTablesMarkdown(pages: PageTables[], language: Language): string {
  const header =
    language === "zh"
      ? "| 页面 | 读取的发布表 |\n| :--- | :--- |"
      : "| Page | Published tables it reads |\n| :--- | :--- |";
  const rows = pages.map((page) => {
    // Templated pages ([partner_id].md) are reached from their index page, not linked.
    const href = `${languageRoot(language)}${page.route === "/" ? "" : page.route}` || "/";
    const link = page.route.includes("[") ? page.title[language] : `[${page.title[language]}](${href})`;
    return `| ${link.replace(/\|/g, "\\|")} | ${page.tables.map((t) => `\`${t}\``).join(", ")} |`;
  });
  return `${header}\n${rows.join("\n")}\n`;
}

/**
 * Writes every language's pages and partials. Files whose text did not change are not touched (Evidence's watcher
 * and vite's caches key on them), and generated files whose source is gone are removed. Returns the pages written.
 */
export async function writeLanguagePages(options: LanguagePagesOptions): Promise<{ pages: number; changed: number }> {
  const wanted = new Map<string, string>();
  const pages = await listFiles(options.pagesDir);
  for (const relative of pages) {
    const source = path.join(options.pagesDir, relative);
    const text = await readIfStillThere(source);
    if (text === undefined) continue;
    if (!relative.endsWith(".md")) {
      // The layout and anything else beside the pages exist once, at the root (a second +layout.svelte under en/
      // would wrap every English page twice).
      wanted.set(path.join(options.outPagesDir, relative), text);
      continue;
    }
    for (const language of LANGUAGES) {
      const target = path.join(options.outPagesDir, languageRoot(language), relative);
      wanted.set(target, localizePage(text, language, path.relative(path.dirname(options.pagesDir), source)));
    }
  }
  // Generated: which published tables each page reads (the data-quality page includes it), in each language.
  if (options.sourcesDir) {
    const tables = await pageTables(options.pagesDir, options.sourcesDir, options.partialsDir);
    for (const language of LANGUAGES) {
      wanted.set(
        path.join(options.outPartialsDir, language, PAGE_TABLES_PARTIAL),
        pageTablesMarkdown(tables, language),
      );
    }
  }
  for (const relative of await listFiles(options.partialsDir)) {
    const source = path.join(options.partialsDir, relative);
    const text = await readIfStillThere(source);
    if (text === undefined) continue;
    for (const language of LANGUAGES) {
      // Every language's partials live in a folder of its own, the root language's too: a partial named like a
      // language would otherwise clash.
      const target = path.join(options.outPartialsDir, language, relative);
      wanted.set(target, localizePage(text, language, path.relative(path.dirname(options.partialsDir), source)));
    }
  }
  let changed = 0;
  for (const [target, text] of wanted) {
    const current = await readFile(target, "utf8").catch(() => undefined);
    if (current === text) continue;
    await mkdir(path.dirname(target), { recursive: true });
    // Written beside and renamed, so Evidence's watcher never copies half a page.
    const staged = path.join(path.dirname(target), `.${path.basename(target)}.writing`);
    await writeFile(staged, text);
    await rename(staged, target);
    changed++;
  }
  for (const dir of [options.outPagesDir, options.outPartialsDir]) {
    for (const relative of await listFiles(dir)) {
      const file = path.join(dir, relative);
      if (!wanted.has(file)) {
        await rm(file, { force: true });
        changed++;
      }
    }
  }
  return { pages: pages.filter((p) => p.endsWith(".md")).length, changed };
}

/**
 * Keeps the workspace's pages in step with reports/ while a live preview runs: an edit is written to both languages
 * within a fraction of a second. A page with a broken pair is reported through `onError` and left as it was last
 * written, so the preview keeps showing the previous version until the pair is fixed.
 */
export function watchLanguagePages(options: LanguagePagesOptions, onError: (error: Error) => void): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      running = running
        .then(() => writeLanguagePages(options))
        .then(
          () => undefined,
          (error: unknown) => onError(error instanceof Error ? error : new Error(String(error))),
        );
    }, 50);
  };
  const watchers = [options.pagesDir, options.partialsDir].map((dir) => watch(dir, { recursive: true }, schedule));
  return {
    close() {
      if (timer) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

/**
 * A file's text, or undefined when it was removed after it was listed: an editor's temporary file can come and go
 * between the two, and the watcher runs again for its removal anyway.
 */
async function readIfStillThere(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Names editors give the short-lived files they leave beside the one being edited: backups (`page.md~`), Emacs's
 * autosaves (`#page.md#`) and "safe write" temporaries (`page.md.123.tmp`, `page.md.tmp`, `page.md.swp`). Hidden
 * files (vim's `.page.md.swp`, lock files) are skipped by the dot rule.
 */
const EDITOR_TEMPORARY = /(~|\.tmp|\.swp|\.swx|\.bak)$|^#.*#$/i;

/** Files under `dir`, relative to it, skipping hidden files and editors' temporary files. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith(".") && !EDITOR_TEMPORARY.test(entry.name))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .filter((relative) => !relative.split(path.sep).some((part) => part.startsWith(".")))
    .sort();
}
