/**
 * `volley/metrics`: Prometheus metrics of an executor, with prom-client (an optional peer
 * dependency).
 * @example
 * import { attachMetrics } from "volley/metrics";
 * const { registry } = attachMetrics(executor);
 * @module volley/metrics
 */
export { attachMetrics } from "./attach-metrics.js";
export type { MetricsTarget } from "./attach-metrics.js";
export type { MetricsOptions, MetricsHandle } from "./metrics-options.js";
export { METRIC_NAMES, DEFAULT_DURATION_BUCKETS, UNKNOWN_TOOL } from "./metric-names.js";
