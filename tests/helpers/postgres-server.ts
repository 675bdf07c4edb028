/**
 * Starts a throwaway Postgres server for integration tests: a fresh data directory in a temp
 * folder, bound to 127.0.0.1 on a free port, stopped (and its folder removed) by `stop()`.
 *
 * Uses Debian's `postgresql` package (`/usr/lib/postgresql/<version>/bin`). As root, the server
 * runs as the `postgres` user, since Postgres refuses to run as root; as anyone else, as that user.
 *
 * @example
 * ```ts
 * const missing = postgresMissing();
 * describe.skipIf(missing !== undefined && process.env.CI !== "true")("…", () => {
 *   let server: PostgresServer;
 *   beforeAll(async () => { server = await startPostgres(); });
 *   afterAll(() => server?.stop());
 * });
 * ```
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, readdirSync } from "node:fs";
import pg from "pg";
import { freePort } from "./free-port.js";
import { stopProcess } from "./stop-process.js";
import { makeTempDir } from "./temp-dir.js";

/** A running server. */
export interface PostgresServer {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (trust auth, no password). */
  readonly connectionString: string;
  /** The server's process id. */
  readonly pid: number;
  /** Stops the server (fast shutdown) and removes its data directory. */
  stop(): Promise<void>;
}

const INSTALL_HINT =
  "Postgres integration tests need Debian's postgresql package: apt-get install postgresql";

/** The directory of the newest installed Postgres binaries, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(`${root}/${v}/bin/postgres`))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : `${root}/${versions[0]}/bin`;
}

/** Why a server cannot be started here (a message saying what to install), or undefined. */
export function postgresMissing(): string | undefined {
  if (postgresBinDir() === undefined) return `${INSTALL_HINT} (no /usr/lib/postgresql/*/bin)`;
  if (process.getuid?.() === 0 && postgresUid() === undefined) {
    return `${INSTALL_HINT} (running as root, but there is no "postgres" user to run the server)`;
  }
  return undefined;
}

/** Starts a server; throws (with what to install) when that cannot be done. */
export async function startPostgres(): Promise<PostgresServer> {
  const missing = postgresMissing();
  if (missing !== undefined) throw new Error(missing);
  const bin = postgresBinDir()!;
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? postgresUid()! : undefined;
  const dir = makeTempDir("pg");
  try {
    if (ids !== undefined) chownSync(dir.path, ids.uid, ids.gid);
    const initdb = [
      `${bin}/initdb`,
      "-D",
      dir.path,
      "-U",
      "postgres",
      "--auth=trust",
      "-E",
      "UTF8",
    ];
    execFileSync(
      asRoot ? "runuser" : initdb[0]!,
      asRoot ? ["-u", "postgres", "--", ...initdb] : initdb.slice(1),
      { stdio: "pipe" },
    );
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const args = [
        "-D",
        dir.path,
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-k",
        dir.path,
        "-c",
        // Postgres's default: a BullMQ worker holds a few connections per tool queue.
        "max_connections=100",
      ];
      // setpriv (not runuser) execs the server in place, so `child.pid` is the server's pid.
      const child = asRoot
        ? spawn(
            "setpriv",
            ["--reuid=postgres", "--regid=postgres", "--init-groups", `${bin}/postgres`, ...args],
            { stdio: ["ignore", "ignore", "pipe"] },
          )
        : spawn(`${bin}/postgres`, args, { stdio: ["ignore", "ignore", "pipe"] });
      let log = "";
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        log = (log + chunk).slice(-4000);
      });
      const connectionString = `postgresql://postgres@127.0.0.1:${port}/postgres`;
      try {
        await waitReady(child, connectionString, () => log);
      } catch (error) {
        await stopPostgres(child);
        // Another process took the port between freePort() and the bind: try another one.
        if (attempt < 3 && /could not (bind|create listen)/i.test(log)) continue;
        throw error;
      }
      // If the test process ends without stop() (a crash, a timeout), do not leave a server behind.
      const onExit = () => child.kill("SIGQUIT");
      process.once("exit", onExit);
      return {
        host: "127.0.0.1",
        port,
        connectionString,
        pid: child.pid!,
        stop: async () => {
          process.removeListener("exit", onExit);
          await stopPostgres(child);
          dir.remove();
        },
      };
    }
  } catch (error) {
    dir.remove();
    throw error;
  }
}

function postgresUid(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { stdio: "pipe" }).toString());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { stdio: "pipe" }).toString());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

async function waitReady(
  child: ChildProcess,
  connectionString: string,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  let exited = false;
  child.once("exit", () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`postgres exited while starting:\n${log()}`);
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1000 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) throw new Error(`postgres did not start in 30 s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Postgres's "fast" shutdown (SIGINT): ends sessions, writes a checkpoint. */
function stopPostgres(child: ChildProcess): Promise<void> {
  return stopProcess(child, "SIGINT");
}
