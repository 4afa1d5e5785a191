// One site per audience: a regional manager gets a site with only their regions' rows, a distributor one with only
// its own; leadership keeps the whole site (site_dir).
//
// A static site has no login, and every table it ships can be downloaded whole by anyone who holds the site, so a
// page filter would hide nothing. The rows are cut before the site's data is built: each audience's site is built
// from a scoped copy of the published warehouse (scopeWarehouse) that holds only the rows that audience may see, and
// only the pages whose tables it may see are built (audiencePages).
//
// What "may see" means, table by table, decided by the columns a published table has:
//   - region audience (`regions: [...]`): a table with a region column (region_id, home_region_id,
//     authorised_region_ids, ...) keeps the rows of those regions; every partner named in a kept row must have a
//     territory in those regions (so a partner from elsewhere selling into the region is not shown: that row names
//     another region's partner). A table with partner columns only keeps the rows of those partners. A table with
//     neither is company-wide: emptied.
//   - partner audience (`partners: [...]`): a table with a partner column keeps that partner's rows; a table with
//     none (a region's outlets, the company's channels) is emptied.
//   - a few reference tables every page needs and that hold nobody's figures (the data's as-of date, channel names,
//     the glossaries, source freshness) are kept whole.
// A column holding a list of ids ("PA0004, PA0016") must hold only allowed ids. The published warehouse itself is
// never changed; each scoped copy is written beside it and replaced on every build.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { queryRows, withDatabase } from "../shared/warehouse/duckdb.js";
import { pageTables, publishedTables } from "./page-languages.js";
import type { PageTables } from "./page-languages.js";

/** One audience as the config declares it (`reporting.audiences`). */
export interface Audience {
  /** Folder name of its site, e.g. east-china or partner-pa0011. */
  name: string;
  /** What its header says after the company's name, e.g. 华东区 · East China (default: the name). */
  title?: string | undefined;
  /** Region ids whose rows it may see. */
  regions?: string[] | undefined;
  /** Partner ids whose rows it may see. */
  partners?: string[] | undefined;
}

/** Tables kept whole for every audience: reference data holding no region's or partner's figures. */
export const SHARED_TABLES: ReadonlySet<string> = new Set([
  "marts.warehouse_status",
  "marts.channel_directory",
  "marts.metric_glossary",
  "marts.customer_metric_glossary",
  "marts.source_freshness",
]);

const REGION_COLUMN = /(^|_)region_ids?$/;
const PARTNER_COLUMN = /(^|_)partner_ids?$/;

/** An audience names a region or partner the warehouse does not have, or none at all. */
export class AudienceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AudienceError";
  }
}

/** What a scoped warehouse holds: per table, rows kept of rows published, or emptied (company-wide for it). */
export interface ScopedWarehouse {
  file: string;
  allowedRegions: string[];
  allowedPartners: string[];
  tables: Array<{ table: string; rows: number; of: number; emptied: boolean }>;
}

/**
 * Writes `outFile`: the tables the site's sources read (`sources/warehouse/*.sql`), each cut to what `audience` may
 * see, and ops.reporting_settings with the audience in the site's title. Throws AudienceError for an audience that
 * names an unknown region or partner.
 */
export async function scopeWarehouse(options: {
  warehousePath: string;
  sourcesDir: string;
  audience: Audience;
  outFile: string;
}): Promise<ScopedWarehouse> {
  const { audience } = options;
  const regions = audience.regions ?? [];
  const partners = audience.partners ?? [];
  if (regions.length === 0 && partners.length === 0) {
    throw new AudienceError(`Audience "${audience.name}" names no regions and no partners: give it one of them.`);
  }
  const tables = [...new Set((await publishedTables(options.sourcesDir)).values())].sort();
  await mkdir(path.dirname(options.outFile), { recursive: true });
  await rm(options.outFile, { force: true });
  await rm(`${options.outFile}.wal`, { force: true });
  const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;
  const list = (values: string[]): string => `[${values.map(literal).join(", ")}]::varchar[]`;

  return withDatabase(options.outFile, async (c) => {
    await c.run(`attach ${literal(options.warehousePath)} as published (read_only)`);
    const known = async (sql: string): Promise<string[]> =>
      (await queryRows<{ id: string }>(c, sql)).map((row) => row.id);
    const allRegions = await known("select region_id as id from published.core.regions order by 1");
    const allPartners = await known("select partner_id as id from published.core.partners order by 1");
    for (const [kind, asked, all] of [
      ["region", regions, allRegions],
      ["partner", partners, allPartners],
    ] as const) {
      const unknown = asked.filter((id) => !all.includes(id));
      if (unknown.length > 0) {
        throw new AudienceError(
          `Audience "${audience.name}" names ${kind} ${unknown.join(", ")}, which the warehouse does not have. ` +
            `Its ${kind} ids: ${all.slice(0, 40).join(", ")}${all.length > 40 ? ", ..." : ""}.`,
        );
      }
    }
    // A region audience also sees the partners with a territory in its regions.
    const regionPartners =
      regions.length === 0
        ? []
        : await known(
            `select distinct partner_id as id from published.core.partner_territories
             where region_id in (select unnest(${list(regions)}))`,
          );
    const allowedPartners = [...new Set([...partners, ...regionPartners])].sort();
    const byRegion = regions.length > 0;

    const scoped: ScopedWarehouse["tables"] = [];
    for (const table of tables) {
      const [schema, name] = table.split(".") as [string, string];
      const columns = (
        await queryRows<{ column_name: string }>(
          c,
          `select column_name from duckdb_columns()
           where database_name = 'published' and schema_name = ${literal(schema)} and table_name = ${literal(name)}
           order by column_index`,
        )
      ).map((row) => row.column_name);
      if (columns.length === 0) {
        throw new AudienceError(
          `The site's sources read ${table}, which the warehouse ${options.warehousePath} does not have: ` +
            "refresh the warehouse (npm run refresh) before building the audiences' sites.",
        );
      }
      await c.run(`create schema if not exists ${schema}`);
      const regionColumns = columns.filter((col) => REGION_COLUMN.test(col));
      const partnerColumns = columns.filter((col) => PARTNER_COLUMN.test(col));
      const ids = (col: string): string => `string_split(regexp_replace("${col}", '\\s', '', 'g'), ',')`;
      const within = (col: string, allowed: string[]): string =>
        `("${col}" is null or list_has_all(${list(allowed)}, ${ids(col)}))`;
      // The rows must be about the audience: a region column names one of its regions (a table about partners only,
      // one of its regions' partners), or, for a partner audience, a partner column names one of its partners.
      const required = byRegion && regionColumns.length > 0 ? regionColumns : partnerColumns;
      let where: string;
      if (SHARED_TABLES.has(table)) where = "true";
      else if (required.length === 0) where = "false";
      else {
        const conditions = [
          `(${required.map((col) => `"${col}" is not null`).join(" or ")})`,
          ...partnerColumns.map((col) => within(col, allowedPartners)),
          ...(byRegion ? regionColumns.map((col) => within(col, regions)) : []),
        ];
        where = conditions.join(" and ");
      }
      await c.run(`create table ${schema}.${name} as select * from published.${schema}.${name} where ${where}`);
      const [counts] = await queryRows<{ rows: number; of: number }>(
        c,
        `select (select count(*) from ${schema}.${name})::integer as rows,
                (select count(*) from published.${schema}.${name})::integer as of`,
      );
      scoped.push({ table, rows: counts!.rows, of: counts!.of, emptied: where === "false" });
    }
    // The currency and the site's title (the company's name, then the audience's).
    await c.run("create schema if not exists ops");
    await c.run("create table ops.reporting_settings as select * from published.ops.reporting_settings");
    await c.run(
      `update ops.reporting_settings set site_title = coalesce(site_title || ' · ', '') || ${literal(audience.title ?? audience.name)}`,
    );
    await c.run("detach published");
    return { file: options.outFile, allowedRegions: [...regions].sort(), allowedPartners, tables: scoped };
  });
}

/**
 * The pages an audience's site holds: every page all of whose tables it may see (none emptied for it), plus a front
 * page of its own when the brief is not among them (the brief reads company-wide tables). Written into `outDir`
 * with the layout, ready for the site build.
 */
export async function audiencePages(options: {
  pagesDir: string;
  sourcesDir: string;
  partialsDir: string;
  scoped: ScopedWarehouse;
  audience: Audience;
  outDir: string;
}): Promise<{ kept: PageTables[]; left: PageTables[] }> {
  const emptied = new Set(options.scoped.tables.filter((t) => t.emptied).map((t) => t.table));
  const pages = await pageTables(options.pagesDir, options.sourcesDir, options.partialsDir);
  const kept = pages.filter((page) => page.tables.every((table) => !emptied.has(table)));
  const left = pages.filter((page) => !kept.includes(page));
  await rm(options.outDir, { recursive: true, force: true });
  await mkdir(options.outDir, { recursive: true });
  await writeFile(
    path.join(options.outDir, "+layout.svelte"),
    await readFile(path.join(options.pagesDir, "+layout.svelte"), "utf8"),
  );
  // A link to a page the audience does not get would be a dead link (and stops the build's prerendering): its text
  // stays, the link goes.
  const gone = new Set(left.filter((page) => !page.route.includes("[")).map((page) => page.route));
  const LINK = /\[((?:\[\[[^\]]*\]\]|[^\]])*)\]\((\/[^)\s]*)\)/g;
  for (const page of kept) {
    const file = page.file;
    const text = (await readFile(path.join(options.pagesDir, file), "utf8")).replace(
      LINK,
      (link: string, label: string, href: string) => (gone.has(href.replace(/\/$/, "") || "/") ? label : link),
    );
    await mkdir(path.dirname(path.join(options.outDir, file)), { recursive: true });
    await writeFile(path.join(options.outDir, file), text);
  }
  if (!kept.some((page) => page.route === "/")) {
    await writeFile(path.join(options.outDir, "index.md"), audienceFrontPage(options.audience, kept));
  }
  return { kept, left };
}

/** The front page of an audience whose site has no brief: what it covers and its pages. */
function audienceFrontPage(audience: Audience, pages: PageTables[]): string {
  // Written into YAML and a pair: no quote, bracket or bar of the audience's title may reach either.
  const title = (audience.title ?? audience.name).replace(/[[\]|"\\]/g, " ");
  const links = pages
    .filter((page) => !page.route.includes("["))
    .map((page) => `- [[[${page.title.zh}|${page.title.en}]]](${page.route})`);
  const scope = [
    ...(audience.regions?.length ? [`[[区域|regions]] ${audience.regions.join(", ")}`] : []),
    ...(audience.partners?.length ? [`[[合作伙伴|partners]] ${audience.partners.join(", ")}`] : []),
  ].join("; ");
  return [
    "---",
    `title: "${title}"`,
    "max_width: 1600",
    "hide_toc: true",
    "---",
    "",
    '{@partial "as-of.md"}',
    "",
    `[[本站只包含以下范围的数据：|This site holds the data of]] ${scope}[[。|, and nothing else.]]`,
    "",
    ...links,
    "",
  ].join("\n");
}

/** What building one audience's site did. */
export interface AudienceSite {
  audience: Audience;
  outDir: string;
  scoped: ScopedWarehouse;
  kept: PageTables[];
  left: PageTables[];
}

/**
 * Builds every audience's site from the published warehouse: a scoped copy of the warehouse (in `scopedDir`), its
 * pages, and a site published atomically to <audiencesDir>/<name> like the main one (a failed build leaves the
 * audience's previous site). One after another: each is a whole Evidence build.
 */
export async function buildAudienceSites(options: {
  repoRoot: string;
  warehousePath: string;
  audiences: readonly Audience[];
  audiencesDir: string;
  scopedDir: string;
  log?: (line: string) => void;
}): Promise<AudienceSite[]> {
  const { buildReports } = await import("./build-reports.js");
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const repoRoot = path.resolve(options.repoRoot);
  const sourcesDir = path.join(repoRoot, "sources", "warehouse");
  const built: AudienceSite[] = [];
  for (const audience of options.audiences) {
    const scoped = await scopeWarehouse({
      warehousePath: options.warehousePath,
      sourcesDir,
      audience,
      outFile: path.join(options.scopedDir, `${audience.name}.duckdb`),
    });
    const pagesDir = path.join(repoRoot, ".evidence-workspace", `audience-${audience.name}-pages`);
    const { kept, left } = await audiencePages({
      pagesDir: path.join(repoRoot, "reports"),
      sourcesDir,
      partialsDir: path.join(repoRoot, "pipelines", "site", "partials"),
      scoped,
      audience,
      outDir: pagesDir,
    });
    const emptied = scoped.tables.filter((t) => t.emptied).length;
    log(
      `[audience ${audience.name}] ${kept.length} pages (${left.length} left out: they read company-wide tables); ` +
        `${scoped.tables.length - emptied} tables cut to ${scoped.allowedRegions.length ? `regions ${scoped.allowedRegions.join(", ")}` : ""}` +
        `${scoped.allowedRegions.length && scoped.allowedPartners.length ? " and " : ""}` +
        `${scoped.allowedPartners.length ? `partners ${scoped.allowedPartners.join(", ")}` : ""}, ${emptied} emptied`,
    );
    const outDir = path.join(options.audiencesDir, audience.name);
    await buildReports({
      repoRoot,
      warehousePath: scoped.file,
      outDir,
      pagesDir,
      workspaceName: `audience-${audience.name}`,
      log: (line) => log(`[audience ${audience.name}] ${line}`),
    });
    built.push({ audience, outDir, scoped, kept, left });
  }
  return built;
}
