import type { Policy } from "./policy.js";
import type { ProgressUpdate } from "./tool.js";

/**
 * Where an attempt runs when it does not run inline: a worker-thread pool, a queue of remote
 * workers. An attempt crosses the seam as plain data; the backend finds the tool by name in the
 * tools module on its side.
 */
export interface AttemptRequest {
  /** The tool's name. */
  readonly tool: string;
  /** The URL of the tools module that exports the tool, when known. */
  readonly module: string | undefined;
  /**
   * The arguments, checked against the tool's schema here: parsed (defaults filled in, coercions
   * and transforms applied), or as the call gave them when the backend says it
   * {@link Backend.parsesArgs | parses them itself}.
   */
  readonly args: unknown;
  /** The call's id. */
  readonly callId: string;
  /** The batch's id. */
  readonly batchId: string;
  /** 1-based. */
  readonly attempt: number;
  /** When this attempt must be done (epoch ms, or `Infinity`). */
  readonly deadline: number;
  /** Stable across retries and resumes. */
  readonly idempotencyKey: string;
}

/** How many attempts a backend runs at once for a tool, and which tools share them. */
export interface BackendCapacity {
  /** The pool the tool's attempts run in: tools whose capacity names the same pool share its slots. */
  readonly pool: string;
  /** Attempts the pool runs at once: a whole number ≥ 1, or `Infinity`. */
  readonly slots: number;
}

/** A tool whose attempts run on a backend, as the executor describes it to the backend. */
export interface BackendTool {
  /** The tool's name. */
  readonly name: string;
  /** The URL of the tools module that exports the tool, when known. */
  readonly module: string | undefined;
  /** The tool's policy, with the executor's `policies` entry for it on top. */
  readonly policy: Policy;
}

/**
 * Where a backend hands back what its attempt reports: the attempt's own `ctx.progress()`, so a
 * report checks, restarts the idle timer and emits `call:progress` as it would inline.
 */
export interface ProgressReporter {
  /**
   * Takes one report of the tool's, in the order the tool made them. A malformed report throws a
   * `TypeError` that names the field; a report after the attempt ended is ignored.
   */
  progress(update?: ProgressUpdate): void;
}

/** Runs attempts somewhere other than this event loop. */
export interface Backend {
  /** A short name for messages and stats (`"threads"`, `"bullmq"`). */
  readonly name: string;
  /**
   * True when the backend parses each attempt's arguments with the tool's schema on its side (as
   * `threadBackend()` does): Volley then sends them as the call gave them, since what a schema's
   * transform makes (a class instance) may not survive the crossing.
   * @default false: Volley sends the parsed arguments
   */
  readonly parsesArgs?: boolean;
  /**
   * True when the backend hands its tools' `ctx.progress()` reports back through `run()`'s
   * `progress` argument (as `threadBackend()` does): a tool's `idleTimeoutMs` then runs in this
   * executor, restarted by each report, and each report is a `call:progress` event here.
   * @default false: `run()` gets no `progress`, and no idle timer runs in this executor for the
   * backend's tools, so a backend that cannot apply `idleTimeoutMs` where the tool runs should
   * refuse such a tool in `register()` (a BullMQ worker applies it in its own executor)
   */
  readonly forwardsProgress?: boolean;
  /**
   * True when the backend's workers apply the tools' `idleTimeoutMs` themselves (a BullMQ
   * worker's executor does): reports forwarded through `run()` are then only `call:progress`
   * events here, and no idle timer runs in this executor, where an attempt's time also counts
   * its wait in the backend's queue.
   * @default false: with `forwardsProgress`, the idle timer runs in this executor
   */
  readonly appliesIdleTimeouts?: boolean;
  /**
   * The capacity `tool`'s attempts run in, asked once per tool when the executor is made. The
   * scheduler never starts more attempts in a pool than its slots, so the calls beyond them wait
   * in Volley's queue, where no timeout runs yet, and not in the backend's.
   * @default unbounded: every attempt is handed over at once, and the backend queues what it cannot run
   * @example capacity: () => ({ pool: "shared", slots: 4 })
   */
  capacity?(tool: string): BackendCapacity | undefined;
  /**
   * Told of each tool whose attempts run on this backend, once, when an executor is made with
   * it: the backend can get ready for the tool before its first attempt (the thread backend's
   * `warm()` loads the tools' modules in every thread).
   * @default nothing is told
   * @example register: (tool) => modules.add(tool.module)
   */
  register?(tool: BackendTool): void;
  /**
   * Runs one attempt. Resolves with the tool's result; rejects with the tool's error, or with a
   * `WorkerCrashedError` when the worker died. When `signal` aborts, the backend stops the attempt
   * for real (terminates the worker) and rejects.
   *
   * `progress` comes only to a backend that {@link Backend.forwardsProgress | forwards progress},
   * and only when something hears the attempt's reports (its idle timer, or a `call:progress`
   * listener at its start): make the channel back from the worker only then. Hand it each report
   * while the attempt runs, and every report made before the result, before resolving.
   */
  run(request: AttemptRequest, signal: AbortSignal, progress?: ProgressReporter): Promise<unknown>;
  /** Releases the backend's resources (threads, connections). */
  close?(): Promise<void>;
}
