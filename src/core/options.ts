/**
 * The options of the executor and of its methods: types only, so that the executor's file shows
 * what it does and this one what it is told. Checked at run time by `check-options.ts`.
 */
import type { AttemptInvoker } from "./attempt-invoker.js";
import type { Backend } from "./backend.js";
import type { Clock } from "./clock.js";
import type { ExecutorEventName } from "./events.js";
import type { ApprovalExecuteOptions } from "./features/approvals/index.js";
import type { BatchLimitOptions } from "./features/batch-limits.js";
import type { FairnessOptions } from "./features/fairness/fair-queue.js";
import type { Journal } from "./journal.js";
import type { Policy } from "./policy.js";
import type { QueueDiscipline } from "./queue.js";
import type { RetryPolicy } from "./retry.js";
import type { AnyTool } from "./tool.js";

/** Options of `createExecutor()`. */
export interface ExecutorOptions<
  T extends readonly AnyTool[] = readonly AnyTool[],
> extends BatchLimitOptions {
  /** The tools calls may name: made by `defineTool()`, or `@langchain/core` tools as they are. */
  readonly tools: T;
  /**
   * Most calls running at once, across all batches. `Infinity` turns the limit off.
   * @default 64
   */
  readonly concurrency?: number;
  /**
   * Per-attempt timeout for tools that set none (ms). `Infinity` turns it off.
   * @default 120_000
   */
  readonly timeoutMs?: number;
  /**
   * Retry policy for tools that set none.
   * @default no retries
   */
  readonly retry?: RetryPolicy | false;
  /**
   * Priority of calls whose tool and call set none.
   * @default 0
   */
  readonly priority?: number;
  /**
   * Policies by tool name, over each tool's own: how a `@langchain/core` tool, which cannot carry
   * Volley's policy fields, gets a timeout, a rate limit, a circuit breaker or a recovery.
   * @example policies: { search: { rateLimit: { max: 5, perMs: 1_000 }, onError: { default: [] } } }
   */
  readonly policies?: Readonly<Record<string, Policy>>;
  /** Runs every tool's attempts on this backend, whatever their `isolation`. */
  readonly backend?: Backend;
  /**
   * Backends by isolation name: a tool with `isolation: "worker"` runs on `backends.worker`.
   * @example backends: { worker: threadBackend() }
   */
  readonly backends?: Readonly<Record<string, Backend>>;
  /** Records outcomes durably, so that `execute(calls, { batchId })` resumes a batch. */
  readonly journal?: Journal;
  /**
   * Longest one journal write may take (ms). Past it, or past the batch's deadline if that comes
   * first, the outcome is delivered unrecorded, with a `VOLLEY_JOURNAL` process warning: a
   * journal that stops answering slows a batch down but never hangs it. Such a call may run
   * again if the batch is resumed.
   * @default 30_000
   */
  readonly journalTimeoutMs?: number;
  /**
   * Which queued call starts next. Default: priority, then longest expected first, then FIFO.
   * @default new PriorityQueue()
   */
  readonly queue?: QueueDiscipline;
  /** Time and randomness, for tests. @default systemClock */
  readonly clock?: Clock;
  /**
   * Told when an event listener throws (the call is never affected).
   * @default a process warning, once per event and message (at most 100 of them)
   */
  readonly onListenerError?: (error: unknown, event: ExecutorEventName) => void;
}

/** Options of `executor.execute()`. */
export interface ExecuteOptions extends FairnessOptions, ApprovalExecuteOptions {
  /** Aborting it ends every unfinished call `cancelled`. */
  readonly signal?: AbortSignal;
  /**
   * The batch's time budget, from the call of `execute()` (ms): when it passes, every unfinished
   * call ends `deadline`.
   * @default Infinity
   */
  readonly deadlineMs?: number;
  /**
   * Keep outcomes for the report. `false` streams them and keeps none, for huge batches: the
   * report then has counts only, and calls are admitted a window at a time. While an iterator
   * is live, the window holds the live calls plus the outcomes the slowest iterator has not read
   * yet, so a slow reader slows admission instead of filling memory; read an iterator to the
   * end, or leave it (`break`, `return()`).
   * @default true
   */
  readonly collect?: boolean;
  /** The batch's id; with a journal, the key that resumes it. @default a random UUID */
  readonly batchId?: string;
  /** Priority of this batch's calls that set none (the tool's own priority wins). */
  readonly priority?: number;
  /**
   * Most of this batch's calls live at once, below the executor's own limits: the calls are
   * admitted in order, the next as one ends, and a call waiting out a retry's backoff still
   * counts. For a caller's own cap on one batch, such as LangGraph's `maxConcurrency`.
   * `Infinity` sets no cap of its own.
   * @default Infinity
   * @example executor.execute(calls, { concurrency: 2 })
   */
  readonly concurrency?: number;
  /**
   * Runs each attempt of this batch in place of the tool's own function, still under the tool's
   * policy: its slot, timeout signal, retries, journal and events. For integrations that must
   * invoke the tool their own way (LangGraph's full tool call and config, or a LangChain
   * middleware handler). `run` invokes the tool as the executor would have.
   * @default the tool's own function
   */
  readonly invoke?: AttemptInvoker;
}

/** Options of `executor.close()`. */
export interface CloseOptions {
  /** Cancel the unfinished calls instead of waiting for them. @default false */
  readonly cancel?: boolean;
}
