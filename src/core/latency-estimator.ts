/**
 * Latency estimates for latency-aware ordering (longest expected first). A tool that declares
 * `expectedMs` keeps it; otherwise the executor learns an exponentially weighted moving average
 * of its successful attempts' durations. A call's own `expectedMs` wins over both.
 */

/** Weight of the newest sample in the moving average. */
export const LATENCY_EWMA_ALPHA = 0.2;

/** What the estimator keeps on a tool. */
export interface LatencyEstimate {
  /** The current estimate (ms); 0 while unknown. */
  expectedMs: number;
  /** True when the tool learns its estimate (it declared none). */
  readonly learnsLatency: boolean;
  /** Samples taken so far. */
  latencySamples: number;
}

/** Adds one observed duration (ms) to a learning tool's estimate. */
export function observeLatency(estimate: LatencyEstimate, durationMs: number): void {
  if (!(durationMs >= 0)) return;
  estimate.expectedMs =
    estimate.latencySamples === 0
      ? durationMs
      : estimate.expectedMs + LATENCY_EWMA_ALPHA * (durationMs - estimate.expectedMs);
  estimate.latencySamples++;
}
