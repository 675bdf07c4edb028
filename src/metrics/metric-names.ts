/** The names of the metrics `attachMetrics()` registers, following Prometheus naming. */
export const METRIC_NAMES = Object.freeze({
  /**
   * Counter `{tool,status,kind}`: calls that ended; `kind` is the error kind, `"none"` when ok;
   * `tool` is `"(unknown)"` for names no tool of the executor has.
   */
  calls: "volley_calls_total",
  /** Histogram `{tool,status}`: from a call's first attempt to its outcome (seconds). */
  callDuration: "volley_call_duration_seconds",
  /** Gauge `{tool}`: attempts running now. */
  inFlight: "volley_calls_in_flight",
  /** Gauge: calls waiting for a slot now. */
  queueDepth: "volley_queue_depth",
  /** Counter `{tool}`: failed attempts that will be retried. */
  retries: "volley_retries_total",
  /** Counter `{tool}`: abandoned attempts that settled without honouring their abort signal. */
  abandoned: "volley_calls_abandoned_total",
  /** Histogram: from `execute()` to a batch's last outcome (seconds). */
  batchDuration: "volley_batch_duration_seconds",
});

/**
 * Histogram buckets for call and batch durations (seconds): tool calls range from a cache hit
 * to a minutes-long crawl.
 */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
]);

/** The `tool` label of calls that name no registered tool (the real name is in logs and spans). */
export const UNKNOWN_TOOL = "(unknown)";
