import type { Registry } from "prom-client";

/** Options of {@link attachMetrics}. */
export interface MetricsOptions {
  /**
   * The registry the metrics go into. Several executors may share one: the metrics are created
   * once and reused.
   * @default prom-client's global `register`
   * @example attachMetrics(executor, { registry: new Registry() })
   */
  readonly registry?: Registry;
  /**
   * Adds an `executor` label with this value to every series, to tell executors on one registry
   * apart. Without it, executors on one registry add up. Every executor on a registry must
   * agree on using it or not.
   * @default no `executor` label
   * @example attachMetrics(executor, { executorName: "search-agent" })
   */
  readonly executorName?: string;
  /**
   * Buckets of `volley_call_duration_seconds` and `volley_batch_duration_seconds` (seconds,
   * ascending). Used only by the first executor that registers the metrics on a registry.
   * @default DEFAULT_DURATION_BUCKETS (5 ms … 120 s)
   */
  readonly buckets?: readonly number[];
}

/** What {@link attachMetrics} returns. */
export interface MetricsHandle extends Disposable {
  /** The registry holding the metrics: serve `await registry.metrics()` as `registry.contentType`. */
  readonly registry: Registry;
  /** Stops recording this executor's events and drops its live gauges. Idempotent. */
  detach(): void;
}
