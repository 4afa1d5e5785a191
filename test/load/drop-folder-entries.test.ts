/**
 * Only regular files inside the drop folder are read. A link (to a file outside or inside the folder),
 * a hard link (a second name of a file that may lie outside), a named pipe or a directory named like a
 * drop file is one rejected-file record naming it and saying why — nothing of what it points at is
 * read, stored or printed.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, linkSync, mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadFileStream } from "../../pipelines/load/file-loader.js";
import { partnerDropStream } from "../../pipelines/orchestrate/connect-sources.js";
import { queryRows, withDatabase } from "../../pipelines/shared/warehouse/duckdb.js";
import { ensureMetaSchema } from "../../pipelines/shared/warehouse/meta-schema.js";
import { tempDir } from "../helpers/temp-dir.js";

const HEADER = "partner_id,sale_id,sale_date,sku,quantity,unit_price,amount,ship_to_region_id,customer_id";
const GOOD = `${HEADER}\nPA0001,S202601-000001,2026-01-05,SKU-1001,2,128.00,256.00,CN-31,\n`;
/** Stands in for /etc/passwd: a file outside the drop folder the warehouse process can read. */
const SECRET =
  "root:x:0:0:SECRET-MARKER-41:/root:/bin/bash\ndaemon:x:1:1:SECRET-MARKER-42:/usr/sbin:/usr/sbin/nologin\n";

describe("the drop folder: only regular files are read", () => {
  const dir = tempDir();

  it("a symbolic link to a file outside the folder is one rejected record with nothing of the target in it", async () => {
    const drops = join(dir, "drops-link");
    mkdirSync(drops);
    const secret = join(dir, "passwd");
    writeFileSync(secret, SECRET);
    writeFileSync(join(drops, "sell_through_PA0001_2026-01.csv"), GOOD);
    symlinkSync(secret, join(drops, "passwd_link.csv"));

    await withDatabase(join(dir, "raw-link.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", partnerDropStream(drops));
      // One record read and rejected for the link, like an unreadable file; the good file loads.
      expect(result).toMatchObject({ read: 2, loaded: 1, rejected: 1, drift: [] });
      expect(JSON.stringify(result)).not.toContain("SECRET-MARKER");
      const quarantine = await queryRows<{ location: string; reason: string; payload: string }>(
        c,
        "select location, reason, payload from meta.quarantine",
      );
      expect(quarantine).toEqual([
        {
          location: "passwd_link.csv",
          reason:
            "not a regular file in the drop folder (symbolic link): partners must drop the file itself, not a link to it",
          payload: expect.any(String),
        },
      ]);
      expect(quarantine[0]!.payload).not.toMatch(/SECRET-MARKER|root:/);
      const loads = await queryRows<{ file_name: string; schema_drift: string | null; rejected_reason: string | null }>(
        c,
        "select file_name, schema_drift, rejected_reason from meta.file_loads order by file_name",
      );
      expect(loads).toEqual([
        { file_name: "passwd_link.csv", schema_drift: null, rejected_reason: quarantine[0]!.reason },
        { file_name: "sell_through_PA0001_2026-01.csv", schema_drift: null, rejected_reason: null },
      ]);
      const text = await queryRows<{ all: string }>(
        c,
        "select string_agg(location || reason || payload, '') as all from meta.quarantine",
      );
      expect(text[0]!.all).not.toContain("SECRET-MARKER");
    });
  });

  it("a hard link to a file in another folder is one rejected record with nothing of the file in it; a copy loads", async () => {
    const drops = join(dir, "drops-hard");
    const elsewhere = join(dir, "elsewhere");
    mkdirSync(drops);
    mkdirSync(elsewhere);
    // Outside the drop folder, on the same filesystem (a hard link cannot cross filesystems): a file the
    // warehouse process can read and whoever writes to the drop folder cannot.
    const secret = join(elsewhere, "passwd");
    writeFileSync(secret, SECRET);
    // A file the loader would take: a well-formed partner file, so only its being a link can reject it.
    const partnerFile = join(elsewhere, "sell_through_PA0001_2026-01.csv");
    writeFileSync(partnerFile, GOOD);
    linkSync(secret, join(drops, "passwd_hardlink.csv"));
    linkSync(partnerFile, join(drops, "sell_through_PA0001_2026-01.csv"));
    // lstat, realpath and O_NOFOLLOW all see a regular file inside the folder: only the link count tells.
    expect(statSync(join(drops, "passwd_hardlink.csv")).isFile()).toBe(true);
    expect(statSync(join(drops, "passwd_hardlink.csv")).nlink).toBe(2);

    await withDatabase(join(dir, "raw-hard.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", partnerDropStream(drops));
      expect(result).toMatchObject({ read: 2, loaded: 0, rejected: 2 });
      expect(JSON.stringify(result)).not.toContain("SECRET-MARKER");
      const quarantine = await queryRows<{ location: string; reason: string; payload: string }>(
        c,
        "select location, reason, payload from meta.quarantine order by location",
      );
      const reason =
        "a hard link in the drop folder (the same file also has a name elsewhere, perhaps outside the folder): " +
        "copy the file into the folder instead of linking it";
      expect(quarantine).toEqual([
        { location: "passwd_hardlink.csv", reason, payload: JSON.stringify({ kind: "hard link" }) },
        { location: "sell_through_PA0001_2026-01.csv", reason, payload: JSON.stringify({ kind: "hard link" }) },
      ]);
      const text = await queryRows<{ all: string }>(
        c,
        "select string_agg(location || reason || payload, '') as all from meta.quarantine",
      );
      expect(text[0]!.all).not.toMatch(/SECRET-MARKER|root:|S202601-000001/);
      const loads = await queryRows<{ file_name: string; rejected_reason: string | null }>(
        c,
        "select file_name, rejected_reason from meta.file_loads order by file_name",
      );
      expect(loads).toEqual([
        { file_name: "passwd_hardlink.csv", rejected_reason: reason },
        { file_name: "sell_through_PA0001_2026-01.csv", rejected_reason: reason },
      ]);
      // The next run does not report them again ...
      expect(await loadFileStream(c, "run-2", partnerDropStream(drops))).toMatchObject({ read: 0, rejected: 0 });
      // ... and the partner file copied in, as the reason says, loads.
      copyFileSync(partnerFile, join(drops, "sell_through_PA0001_2026-01_copy.csv"));
      const copied = await loadFileStream(c, "run-3", partnerDropStream(drops));
      expect(copied).toMatchObject({ read: 1, loaded: 1, rejected: 0 });
    });
  });

  it("a link inside the folder, a named pipe and a directory named .csv are each rejected once, without blocking", async () => {
    const drops = join(dir, "drops-odd");
    mkdirSync(drops);
    writeFileSync(join(drops, "sell_through_PA0001_2026-01.csv"), GOOD);
    // A link to a file in the folder itself: still not the file the partner dropped.
    symlinkSync(join(drops, "sell_through_PA0001_2026-01.csv"), join(drops, "latest.csv"));
    // Reading a named pipe blocks until something writes to it: the loader must not even open it.
    expect(spawnSync("mkfifo", [join(drops, "pipe.csv")]).status).toBe(0);
    mkdirSync(join(drops, "folder.csv"));

    await withDatabase(join(dir, "raw-odd.duckdb"), async (c) => {
      await ensureMetaSchema(c);
      const result = await loadFileStream(c, "run-1", partnerDropStream(drops));
      expect(result).toMatchObject({ read: 4, loaded: 1, rejected: 3 });
      const quarantine = await queryRows<{ location: string; reason: string }>(
        c,
        "select location, reason from meta.quarantine order by location",
      );
      expect(quarantine).toEqual([
        {
          location: "folder.csv",
          reason: expect.stringMatching(/^not a regular file in the drop folder \(directory\)/),
        },
        {
          location: "latest.csv",
          reason: expect.stringMatching(/^not a regular file in the drop folder \(symbolic link\)/),
        },
        {
          location: "pipe.csv",
          reason: expect.stringMatching(/^not a regular file in the drop folder \(named pipe\)/),
        },
      ]);
      // The next run does not report them again.
      const again = await loadFileStream(c, "run-2", partnerDropStream(drops));
      expect(again).toMatchObject({ read: 0, rejected: 0 });
    });
  });
});
