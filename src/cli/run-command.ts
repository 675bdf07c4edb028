import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import {
  createExecutor,
  EXECUTOR_DEFAULTS,
  type AnyTool,
  type Backend,
  type Executor,
  type Journal,
  type Report,
} from "../core/index.js";
import { errorText } from "../core/describe-value.js";
import { CliInputError } from "./cli-input-error.js";
import { formatDuration } from "./format.js";
import { toJson } from "./to-json.js";
import { loadCalls } from "./load-calls.js";
import { loadTools, runsInThread, type CliIsolation } from "./load-tools.js";
import { attachProgress, type ProgressStream } from "./progress.js";
import { callsTable, toolSummaryTable } from "./table.js";
import { importPeer } from "./import-peer.js";
import type { ThreadBackend } from "../threads/thread-backend.js";

/** Exit codes of `volley run`. */
export const EXIT = Object.freeze({
  /** Every call succeeded. */
  ok: 0,
  /** At least one call failed. */
  failed: 1,
  /** Bad input: a missing file, JSON that does not parse, a tools module without tools. */
  badInput: 2,
  /** Interrupted (Ctrl-C): the running calls were cancelled and their outcomes printed. */
  interrupted: 130,
  /** Stopped by SIGTERM: as for Ctrl-C, the running calls were cancelled and the outcomes printed. */
  terminated: 143,
});

/** The options of `volley run`, as the command line gives them. */
export interface RunCommandOptions {
  /** Path of the tools module (`.js`, `.mjs` or `.ts`). */
  readonly tools: string;
  /**
   * How long the tools module may take to load (ms), top-level `await` included; past it, exit 2
   * with a message naming the module. `Infinity` waits for ever.
   * @default 30_000
   */
  readonly loadTimeout?: number;
  /** Path of the calls' JSON file, or `-` for standard input. */
  readonly calls: string;
  /** Print the report as JSON instead of tables. @default false */
  readonly json?: boolean;
  /** Most calls running at once. @default 64 */
  readonly concurrency?: number;
  /**
   * Per-attempt timeout of every tool that sets none (ms): the executor's `timeoutMs`. A tool's
   * own `timeoutMs` wins, and a call's own may shorten its tool's.
   * @default 120_000
   */
  readonly timeout?: number;
  /** The batch's time budget (ms). @default Infinity */
  readonly deadline?: number;
  /** Show progress on standard error. @default true */
  readonly progress?: boolean;
  /**
   * Where the module's `defineTool()` tools run, whatever their own `isolation`: all in this
   * thread, or all in a pool of worker threads (`volley/threads`), killed for real on timeout
   * and cancel. `@langchain/core` tools always run inline.
   * @default each tool's own: tools with `isolation: "worker"` in threads, the rest inline
   */
  readonly isolation?: CliIsolation;
  /**
   * Threads in the pool that runs the worker tools: no more of their calls run at once.
   * Bad input when no tool runs in a thread.
   * @default os.availableParallelism()
   */
  readonly threads?: number;
  /**
   * A SQLite file that journals each finished outcome (`volley/journal`), so that running the
   * same batch again with `batchId` replays them and runs only the rest.
   */
  readonly journal?: string;
  /** The batch's id: the key a journal resumes it by. @default a random UUID */
  readonly batchId?: string;
  /**
   * Serve the live dashboard (`volley/dashboard`) during the batch, and after it until the
   * signal aborts (Ctrl-C).
   * @default false
   */
  readonly dashboard?: boolean;
  /** The dashboard's port on 127.0.0.1; `0` picks a free one. @default 4317 */
  readonly dashboardPort?: number;
}

/** The process around a command: its streams, directory, and the Ctrl-C signal. */
export interface CliIo {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** Aborts on Ctrl-C: the batch's unfinished calls end `cancelled`. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `volley run`: loads the tools module and the calls, executes the batch with progress on
 * standard error, then prints the calls table and the per-tool summary (or the JSON report).
 * @returns The exit code: 0 all ok, 1 any failed, 130 interrupted.
 * @throws CliInputError on bad input (exit code 2).
 */
export async function runCommand(options: RunCommandOptions, io: CliIo): Promise<number> {
  let tools: AnyTool[];
  try {
    tools = await loadTools(options.tools, {
      cwd: io.cwd,
      isolation: options.isolation,
      timeoutMs: options.loadTimeout,
      signal: io.signal,
    });
  } catch (error) {
    if (io.signal?.aborted !== true) throw error;
    io.stderr.write("Interrupted while loading the tools module: no call ran\n");
    return EXIT.interrupted;
  }
  let calls: unknown[];
  try {
    calls = await loadCalls(options.calls, {
      cwd: io.cwd ?? process.cwd(),
      stdin: io.stdin,
      signal: io.signal,
    });
  } catch (error) {
    if (io.signal?.aborted !== true) throw error;
    io.stderr.write("Interrupted while reading the calls from standard input: no call ran\n");
    return EXIT.interrupted;
  }
  const backends = await threadBackendFor(tools, options);
  const journal = options.journal === undefined ? undefined : await openJournal(options, io);
  const batchId = options.batchId ?? (journal === undefined ? undefined : crypto.randomUUID());
  let executor: Executor;
  let dashboard: { url: string; close(): Promise<void> } | undefined;
  try {
    executor = makeExecutor(tools, options, backends, journal);
    dashboard = options.dashboard === true ? await openDashboard(executor, options, io) : undefined;
  } catch (error) {
    // Nothing ran: leave no journal behind (nor a thread pool running).
    await Promise.all([backends?.worker.close(), journal?.discard()]);
    throw error;
  }
  if (journal !== undefined && options.batchId === undefined) {
    io.stderr.write(
      `Journal ${options.journal}: batch id ${batchId}; to resume it, run again with --batch-id ${batchId}\n`,
    );
  }
  // The threads start and load the worker tools' modules (the executor told the backend of them)
  // before the batch, not inside its first calls' timeouts, which would kill a thread half-loaded
  // (and its replacement would start cold again).
  await backends?.worker.warm({ signal: io.signal });
  if (backends !== undefined && options.progress !== false) {
    noteThreadLimit(calls, tools, options, io.stderr);
  }
  const progress =
    options.progress === false ? undefined : attachProgress(executor, { stream: io.stderr });
  const onInterrupt = (): void => {
    const by = io.signal?.reason === "SIGTERM" ? "SIGTERM" : "Ctrl-C";
    io.stderr.write(`\nInterrupted: cancelling the running calls (${by} again to quit at once)\n`);
  };
  io.signal?.addEventListener("abort", onInterrupt, { once: true });
  let report: Report;
  try {
    report = await executor.execute(calls, {
      signal: io.signal,
      deadlineMs: options.deadline,
      ...(batchId === undefined ? {} : { batchId }),
    });
  } finally {
    io.signal?.removeEventListener("abort", onInterrupt);
    progress?.stop();
    // Tools that ignore their signal must not hold the command up: close without waiting.
    executor.close({ cancel: true }).catch(() => undefined);
    // Threads, though, end at once (terminated), and waiting for them to exit hands over what
    // their tools printed last, which would otherwise be lost at process.exit().
    await backends?.worker.close();
    // Every outcome the caller has seen is already committed; this closes the file.
    await journal?.close();
  }
  io.stdout.write(options.json ? `${toJson(report)}\n` : `${formatReport(report, io.stdout)}\n`);
  const interrupted = io.signal?.aborted === true;
  if (interrupted) {
    const cancelled = report.counts.byKind.cancelled ?? 0;
    io.stderr.write(
      `Interrupted: ${cancelled} unfinished call${cancelled === 1 ? " was" : "s were"} cancelled\n`,
    );
  }
  if (dashboard !== undefined) {
    const signal = io.signal;
    if (!interrupted && signal !== undefined) {
      io.stderr.write(`Dashboard still serving at ${dashboard.url}; press Ctrl-C to stop\n`);
      await new Promise<void>((done) =>
        signal.addEventListener("abort", () => done(), { once: true }),
      );
    }
    await dashboard.close();
  }
  if (interrupted) return EXIT.interrupted;
  return report.counts.error > 0 ? EXIT.failed : EXIT.ok;
}

/** The calls table, the per-tool summary and a one-line total. */
export function formatReport(report: Report, stream?: ProgressStream): string {
  const maxWidth =
    stream?.isTTY === true && stream.columns ? stream.columns - 1 : Number.POSITIVE_INFINITY;
  const { total, ok, error, byKind } = report.counts;
  const kinds = Object.entries(byKind)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  const replayed = report.outcomes.filter((o) => o.replayed === true).length;
  return [
    callsTable(report.outcomes, { maxWidth }),
    "",
    toolSummaryTable(report.outcomes, { maxWidth }),
    "",
    `${total} call${total === 1 ? "" : "s"} in ${formatDuration(report.wallMs)}: ${ok} ok, ${error} failed${kinds ? ` (${kinds})` : ""}` +
      (replayed > 0 ? `; ${replayed} replayed from the journal` : ""),
  ].join("\n");
}

async function openDashboard(
  executor: Executor,
  options: RunCommandOptions,
  io: CliIo,
): Promise<{ url: string; close(): Promise<void> }> {
  const port = options.dashboardPort ?? 4317;
  try {
    const { attachDashboard } = await import("../dashboard/server.js");
    const dashboard = await attachDashboard(executor, { port });
    io.stderr.write(`Dashboard: ${dashboard.url}\n`);
    return dashboard;
  } catch (error) {
    throw new CliInputError(
      `Cannot serve the dashboard on 127.0.0.1:${port}: ${errorText(error)}`,
      { cause: error },
    );
  }
}

/** A journal the command opened; `discard()` closes it and removes the file if it made it. */
type CliJournal = Journal & { close(): Promise<void>; discard(): Promise<void> };

async function openJournal(options: RunCommandOptions, io: CliIo): Promise<CliJournal> {
  const path = resolve(io.cwd ?? process.cwd(), options.journal!);
  try {
    const { SqliteJournal } = await import("../journal/sqlite-journal.js");
    const isNew = !existsSync(path);
    const journal = new SqliteJournal(path);
    return Object.assign(journal, {
      async discard(): Promise<void> {
        await journal.close();
        if (!isNew) return;
        // SQLite's write-ahead log and shared-memory files go with the database.
        await Promise.all(["", "-wal", "-shm"].map((end) => rm(path + end, { force: true })));
      },
    });
  } catch (error) {
    throw new CliInputError(`Cannot open the journal ${path}: ${errorText(error)}`, {
      cause: error,
    });
  }
}

/**
 * The thread backend of the tools that run in worker threads, if any: the executor puts only
 * those on it, so the others stay inline.
 * @throws CliInputError for `--threads` when no tool runs in a thread, or when piscina is missing.
 */
async function threadBackendFor(
  tools: readonly AnyTool[],
  options: RunCommandOptions,
): Promise<{ worker: ThreadBackend } | undefined> {
  const first = tools.find(runsInThread);
  if (first === undefined) {
    if (options.threads === undefined) return undefined;
    throw new CliInputError(
      `--threads ${options.threads}: no tool of ${options.tools} runs in a worker thread (give tools isolation: "worker", or pass --isolation worker)`,
    );
  }
  const needer =
    options.isolation === "worker"
      ? "--isolation worker"
      : `Tool "${first.name}" (isolation: "worker")`;
  const { threadBackend } = await importPeer(() => import("../threads/thread-backend.js"), needer);
  return {
    worker: threadBackend(options.threads === undefined ? {} : { threads: options.threads }),
  };
}

/**
 * Says so on standard error when the worker tools' calls outnumber the threads (and the threads,
 * not `--concurrency`, hold them back): the calls beyond them wait their turn.
 */
function noteThreadLimit(
  calls: readonly unknown[],
  tools: readonly AnyTool[],
  options: RunCommandOptions,
  stderr: ProgressStream,
): void {
  const threads = options.threads ?? availableParallelism();
  const inThreads = new Set(tools.filter(runsInThread).map((t) => t.name));
  const count = calls.filter((call) => inThreads.has(nameOf(call))).length;
  if (count <= threads || threads >= (options.concurrency ?? EXECUTOR_DEFAULTS.concurrency)) {
    return;
  }
  stderr.write(
    `${count} calls of worker tools share ${threads} thread${threads === 1 ? "" : "s"}: at most ${threads} run${threads === 1 ? "s" : ""} at once, the rest wait their turn (--threads <n> to change)\n`,
  );
}

/** The tool a call names (`name`, or the tutorial's `tool_name`), or `""`. */
function nameOf(call: unknown): string {
  if (typeof call !== "object" || call === null) return "";
  const { name, tool_name } = call as { name?: unknown; tool_name?: unknown };
  return typeof name === "string" ? name : typeof tool_name === "string" ? tool_name : "";
}

function makeExecutor(
  tools: AnyTool[],
  options: RunCommandOptions,
  backends: Record<string, Backend> | undefined,
  journal: Journal | undefined,
): Executor {
  let executor: Executor;
  try {
    executor = createExecutor({
      tools,
      ...(journal === undefined ? {} : { journal }),
      ...(backends === undefined ? {} : { backends }),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout }),
    });
  } catch (error) {
    // Two tools with one name, a bad policy on a tool: the module is at fault, not the user.
    throw new CliInputError(
      `The tools module ${options.tools} is unusable: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return executor;
}
