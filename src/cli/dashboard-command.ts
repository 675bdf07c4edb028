import { errorText } from "../core/describe-value.js";
import { CliInputError } from "./cli-input-error.js";
import { importPeer } from "./import-peer.js";
import { EXIT, type CliIo } from "./run-command.js";

/** The options of `volley dashboard`, as commander parses them. */
export interface DashboardCommandOptions {
  readonly redis?: string;
  readonly postgres?: string;
  readonly queue: string;
  /** @default 4317 */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** @default the `VOLLEY_DASHBOARD_TOKEN` environment variable, if set */
  readonly token?: string;
}

/** Where a token can be given without showing it to every user of the machine (`ps`). */
const TOKEN_VARIABLE = "VOLLEY_DASHBOARD_TOKEN";

/**
 * Runs `volley dashboard`: serves the live dashboard of a cluster's workers (`clusterSource()`
 * of `volley/bullmq`) until Ctrl-C or SIGTERM, then closes it and exits 0.
 * @throws CliInputError on bad input (exit code 2): neither or both of `--redis` and
 * `--postgres`, a bad queue name, a host that is not loopback without a token, a port in use, a
 * server that cannot be read, a missing `bullmq`.
 */
export async function dashboardCommand(
  options: DashboardCommandOptions,
  io: CliIo,
): Promise<number> {
  if ((options.redis === undefined) === (options.postgres === undefined)) {
    throw new CliInputError(
      "volley dashboard needs one of --redis <url> or --postgres <url>, where the cluster's queues live",
    );
  }
  const connection = (options.redis ?? options.postgres)!;
  const port = options.port ?? 4317;
  const host = options.host ?? "127.0.0.1";
  const fromEnv = process.env[TOKEN_VARIABLE];
  const token = options.token ?? (fromEnv === undefined || fromEnv === "" ? undefined : fromEnv);
  const { clusterSource, redactUrl } = await importPeer(
    () => import("../bullmq/index.js"),
    "volley dashboard",
  );
  const { attachDashboard } = await import("../dashboard/server.js");
  let source: Awaited<ReturnType<typeof clusterSource>>;
  try {
    source = await clusterSource({ connection, queue: options.queue });
  } catch (error) {
    const message = errorText(error);
    if (error instanceof TypeError || /needs the package|could not read queue/.test(message)) {
      throw new CliInputError(message, { cause: error });
    }
    throw error;
  }
  let dashboard: Awaited<ReturnType<typeof attachDashboard>>;
  try {
    dashboard = await attachDashboard(source, {
      port,
      host,
      ...(token === undefined ? {} : { token }),
    });
  } catch (error) {
    await source.close();
    throw new CliInputError(
      error instanceof TypeError
        ? error.message
        : `Cannot serve the dashboard on ${host}:${port}: ${errorText(error)}`,
      { cause: error },
    );
  }
  const workers = source.workers().map((w) => w.id);
  io.stdout.write(
    `volley dashboard: queue "${options.queue}" on ${redactUrl(connection)}, ${workers.length} worker${workers.length === 1 ? "" : "s"}${workers.length === 0 ? "" : ` (${workers.join(", ")})`}; serving at ${dashboard.url}${token === undefined ? "" : " (open it once with ?token=<your token>)"}; press Ctrl-C to stop\n`,
  );
  await new Promise<void>((resolve) => {
    if (io.signal === undefined || io.signal.aborted) resolve();
    else io.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await dashboard.close();
  await source.close();
  io.stdout.write(`volley dashboard: stopped (${String(io.signal?.reason ?? "stop")})\n`);
  return EXIT.ok;
}
