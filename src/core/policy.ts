import type { BatchingPolicy } from "./batching-policy.js";
import type { RetryPolicy } from "./retry.js";

/**
 * How a tool's calls are run. Set per tool, with the executor's values as defaults; a call may
 * override `timeoutMs`, `retry` and `priority`.
 */
export interface Policy extends BatchingPolicy {
  /**
   * Longest one attempt may run (ms). On expiry the attempt's signal aborts and the call ends
   * `timeout` (or is retried). `Infinity` turns it off.
   * @default 120_000 (from the executor)
   * @example timeoutMs: 2_000
   */
  readonly timeoutMs?: number;
  /**
   * Longest one attempt may go without reporting progress (ms): each `ctx.progress()` (an MCP
   * server's progress notification, for `volley/mcp` tools) starts it again. On expiry the
   * attempt's signal aborts and the call ends `timeout` (or is retried), with `idleTimeoutMs` in
   * the error's data. `timeoutMs` still bounds the attempt as a whole.
   * @default Infinity (off)
   * @example idleTimeoutMs: 5_000
   */
  readonly idleTimeoutMs?: number;
  /**
   * How failed attempts are retried; `false` or no policy means never.
   * @default no retries
   * @example retry: { maxAttempts: 3, initialInterval: 200 }
   */
  readonly retry?: RetryPolicy | false;
  /**
   * The longest `timeoutMs` a call may ask for itself. Calls come from models and files: by
   * default a call's own `timeoutMs` may only shorten the tool's, never lengthen it.
   * @default the tool's `timeoutMs`
   * @example maxTimeoutMs: 600_000
   */
  readonly maxTimeoutMs?: number;
  /**
   * The most attempts a call's own `retry` may ask for. By default a call may only retry less
   * than its tool does (and not at all when the tool does not retry), and wait no less between
   * attempts.
   * @default the tool's `retry.maxAttempts`, or 1 when it has no retry policy
   * @example maxAttempts: 5
   */
  readonly maxAttempts?: number;
  /**
   * Most calls of this tool running at once, across all batches of the executor.
   * @default Infinity (only the executor's global limit applies)
   * @example concurrency: 4
   */
  readonly concurrency?: number;
  /**
   * Queued calls with a higher priority start first; equal priorities start in arrival order.
   * @default 0
   */
  readonly priority?: number;
  /**
   * Expected duration of a call (ms). Among equal priorities, longer calls start first, which
   * shortens a batch under a concurrency limit.
   * @default learned: a moving average of the tool's observed durations (0 until the first)
   */
  readonly expectedMs?: number;
}

/** Defaults of the executor, documented and overridable; `Infinity` turns either off. */
export const EXECUTOR_DEFAULTS = Object.freeze({
  /** Global limit of running calls. */
  concurrency: 64,
  /** Per-attempt timeout (ms). */
  timeoutMs: 120_000,
  /** Longest a journal write may take before its outcome is delivered without it (ms). */
  journalTimeoutMs: 30_000,
});
