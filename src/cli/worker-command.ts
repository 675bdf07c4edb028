import { CliInputError } from "./cli-input-error.js";
import { importPeer } from "./import-peer.js";
import { DEFAULT_LOAD_TIMEOUT_MS, loadTools } from "./load-tools.js";
import { EXIT, type CliIo } from "./run-command.js";

/** The options of `volley worker`, as commander parses them. */
export interface WorkerCommandOptions {
  readonly redis?: string;
  readonly postgres?: string;
  readonly queue: string;
  readonly tools: string;
  readonly concurrency?: number;
  readonly grace?: number;
  readonly loadTimeout?: number;
  readonly clusterLimits?: boolean;
  readonly id?: string;
  /** False with `--no-publish-events`. */
  readonly publishEvents?: boolean;
}

/**
 * Runs `volley worker`: loads the tools module, takes the cluster's jobs until Ctrl-C or SIGTERM,
 * then stops taking jobs, lets the running ones finish within `--grace`, and exits 0.
 * @throws CliInputError on bad input (exit code 2).
 */
export async function workerCommand(options: WorkerCommandOptions, io: CliIo): Promise<number> {
  if ((options.redis === undefined) === (options.postgres === undefined)) {
    throw new CliInputError(
      "volley worker needs one of --redis <url> or --postgres <url>, where the queues live",
    );
  }
  const connection = (options.redis ?? options.postgres)!;
  const tools = await loadTools(options.tools, {
    ...(io.cwd === undefined ? {} : { cwd: io.cwd }),
    timeoutMs: options.loadTimeout ?? DEFAULT_LOAD_TIMEOUT_MS,
    ...(io.signal === undefined ? {} : { signal: io.signal }),
  });
  const { startWorker, redactUrl } = await importPeer(
    () => import("../bullmq/index.js"),
    "volley worker",
  );
  let worker: Awaited<ReturnType<typeof startWorker>>;
  try {
    worker = await startWorker({
      connection,
      queue: options.queue,
      tools,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.clusterLimits === true ? { clusterLimits: true } : {}),
      ...(options.id === undefined ? {} : { id: options.id }),
      ...(options.publishEvents === false ? { publishEvents: false } : {}),
    });
  } catch (error) {
    if (error instanceof TypeError || /needs the package/.test((error as Error).message)) {
      throw new CliInputError((error as Error).message, { cause: error });
    }
    throw error;
  }
  io.stdout.write(
    `volley worker ${worker.id}: queue "${options.queue}" on ${redactUrl(connection)}, tools: ${tools.map((t) => t.name).join(", ")}; concurrency ${options.concurrency ?? 16}\n`,
  );
  await new Promise<void>((resolve) => {
    if (io.signal === undefined || io.signal.aborted) resolve();
    else io.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  const grace = options.grace ?? 30_000;
  io.stdout.write(
    `volley worker ${worker.id}: stopping (${String(io.signal?.reason ?? "stop")}): finishing the running calls, for up to ${grace} ms\n`,
  );
  await worker.close({ graceMs: grace });
  const stats = worker.stats();
  io.stdout.write(
    `volley worker ${worker.id}: stopped; answered ${stats.answered}, handed back ${stats.handedBack}\n`,
  );
  return EXIT.ok;
}
