/**
 * A real PostgreSQL server for tests (Debian package `postgresql`), started on a free loopback
 * port in a temporary data directory and stopped afterwards. Password authentication is on, so
 * tests can check that the password never leaks into messages.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { freePort } from "../../pipelines/shared/free-port.js";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPostgres {
  readonly connectionString: string;
  readonly port: number;
  readonly password: string;
  stop(): void;
}

function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = versions.map((v) => join(root, v, "bin")).find((dir) => existsSync(join(dir, "pg_ctl")));
  if (!bin) {
    throw new Error("PostgreSQL server binaries not found: install the Debian package `postgresql` (.ci/run does).");
  }
  return bin;
}

/** Re-exported for the tests that import it from here. */
export { freePort };

/** Starts a throwaway PostgreSQL server; call `stop()` when done. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "warehouse-pg-"));
  const data = join(dir, "data");
  const password = "pg-test-Secret-7781";
  const pwfile = join(dir, "pwfile");
  writeFileSync(pwfile, password);
  // PostgreSQL refuses to run as root: run it as the package's `postgres` user when we are root.
  const asRoot = process.getuid?.() === 0;
  let uid = 0;
  let gid = 0;
  if (asRoot) {
    uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chmodSync(dir, 0o755);
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  const run = (command: string, args: string[]) =>
    asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, command), ...args], { stdio: "pipe" })
      : execFileSync(join(bin, command), args, { stdio: "pipe" });
  run("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=scram-sha-256",
    `--pwfile=${pwfile}`,
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  const port = await freePort();
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    join(dir, "server.log"),
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    "-w",
    "start",
  ]);
  let stopped = false;
  return {
    port,
    password,
    connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
