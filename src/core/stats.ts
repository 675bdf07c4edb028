/** What `executor.stats()` reports: live counters, overall and per tool. */
import type { CircuitSnapshot } from "./features/circuit-breaker/options.js";
import type { TenantStats } from "./features/fairness/fair-queue.js";

/** Live counters of one tool. */
export interface ToolStats {
  /** The tool's calls waiting for a slot now. */
  readonly queued: number;
  /** The tool's attempts running now. */
  readonly running: number;
  /** The tool's calls that ended, so far. */
  readonly finished: number;
  /** The tool's calls that ended `ok`, so far (recovered ones included). */
  readonly ok: number;
  /** The tool's calls that ended with an error, so far. */
  readonly failed: number;
  /** The tool's own limit (`Infinity` if none). */
  readonly concurrency: number;
  /**
   * The latency estimate calls are ordered by (ms): declared, or learned (rounded to a power of
   * two); 0 while unknown.
   */
  readonly expectedMs: number;
  /** The learned moving average of successful attempts' durations (ms); 0 before the first. */
  readonly latencyMs: number;
  /** Failed calls that `onTimeout`/`onError` recovered. */
  readonly recovered: number;
  /** The circuit breaker's state, for a tool with one. */
  readonly circuit?: CircuitSnapshot;
  /** Rate-limit slots free now (`max` less the starts in the last `perMs`), for a tool with one. */
  readonly tokens?: number;
}

/** Live counters of an executor. */
export interface ExecutorStats {
  /** Calls waiting for a slot. */
  readonly queued: number;
  /** Attempts running. */
  readonly running: number;
  /** Calls waiting out a retry backoff. */
  readonly retrying: number;
  /** Attempts that were abandoned (timeout, deadline, cancel) and have not settled yet. */
  readonly detached: number;
  /** Abandoned attempts that settled without honouring their signal, so far. */
  readonly abandoned: number;
  /** Calls that ended, so far. */
  readonly finished: number;
  /** Calls that ended `ok`, so far. */
  readonly ok: number;
  /** Calls that ended with an error, so far. */
  readonly failed: number;
  /** Batches not yet complete. */
  readonly batches: number;
  /** Calls held outside the queue: waiting for their sequential group or for a duplicate. */
  readonly held: number;
  /** Per class and tenant, once a batch has set `tenant`, `weight` or `class`. */
  readonly tenants?: TenantStats;
  /** Per upstream, by name, once a tool names one (see `Policy.upstream`). */
  readonly upstreams?: Readonly<Record<string, UpstreamStats>>;
  /** The global limit. */
  readonly concurrency: number;
  /** Per tool, by name. */
  readonly tools: Readonly<Record<string, ToolStats>>;
}

/** What `stats()` shows of an upstream: the calls of its tools running, and its circuit. */
export interface UpstreamStats {
  /** Attempts of its tools running now. */
  readonly running: number;
  /** Its circuit, when it has a breaker. */
  readonly circuit?: CircuitSnapshot;
}
