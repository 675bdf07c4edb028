/**
 * Starts a throwaway Redis server for integration tests: Debian's `redis-server`, bound to
 * 127.0.0.1 on a free port, its data (when `persistence` is on) in a temp folder that `stop()`
 * removes. `restart()` stops it and starts it again on the same port, for fault tests.
 *
 * @example
 * ```ts
 * const missing = redisMissing();
 * describe.skipIf(missing !== undefined && process.env.CI !== "true")("…", () => {
 *   let redis: RedisServer;
 *   beforeAll(async () => { redis = await startRedis(); });
 *   afterAll(() => redis?.stop());
 * });
 * ```
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createConnection } from "node:net";
import { freePort } from "./free-port.js";
import { stopProcess } from "./stop-process.js";
import { makeTempDir } from "./temp-dir.js";

/** A running server. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (with the password, when one was set). */
  readonly url: string;
  /** Stops the server (SIGKILL when `hard`, else a clean shutdown) and starts it again. */
  restart(options?: { readonly hard?: boolean }): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface RedisServerOptions {
  /** Append-only file with fsync on every write, so a restart keeps every job. @default false */
  readonly persistence?: boolean;
  /** Require this password (`requirepass`). */
  readonly password?: string;
}

const INSTALL_HINT =
  "BullMQ integration tests need Debian's redis-server: apt-get install redis-server";

/** Why a server cannot be started here (a message saying what to install), or undefined. */
export function redisMissing(): string | undefined {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "pipe" });
    return undefined;
  } catch {
    return `${INSTALL_HINT} (no redis-server on the PATH)`;
  }
}

/** Starts a server; throws (with what to install) when that cannot be done. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const missing = redisMissing();
  if (missing !== undefined) throw new Error(missing);
  const dir = makeTempDir("redis");
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir.path,
    "--save",
    "",
    "--appendonly",
    options.persistence === true ? "yes" : "no",
    ...(options.persistence === true ? ["--appendfsync", "always"] : []),
    ...(options.password === undefined ? [] : ["--requirepass", options.password]),
  ];
  let child = await launch(args, port);
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  const auth = options.password === undefined ? "" : `:${encodeURIComponent(options.password)}@`;
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    restart: async ({ hard = false } = {}) => {
      await stopProcess(child, hard ? "SIGKILL" : "SIGTERM");
      child = await launch(args, port);
    },
    stop: async () => {
      process.removeListener("exit", onExit);
      await stopProcess(child, "SIGKILL");
      dir.remove();
    },
  };
}

async function launch(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited while starting:\n${log}`);
    if (await answers(port)) return child;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not start in 20 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether a server answers PING (or asks for auth) on the port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.setTimeout(1_000);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(/^(\+PONG|-NOAUTH)/.test(data.toString()));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
