/**
 * Latency estimates for latency-aware ordering (longest expected first). A tool that declares
 * `expectedMs` keeps it; otherwise the executor learns an exponentially weighted moving average
 * of its successful attempts' durations. A call's own `expectedMs` wins over both.
 *
 * A learned estimate orders calls by its power of two (…, 8, 16, 32 ms, …), not its exact value:
 * a queued call keeps the estimate it was queued with, so an estimate that wobbled with every
 * sample would let a tool's newer calls overtake its older ones. Rounded, it changes only when
 * the tool's latency really does, and a tool's calls keep their arrival order.
 */

/** Weight of the newest sample in the moving average. */
export const LATENCY_EWMA_ALPHA = 0.2;

/** What the estimator keeps on a tool. */
export interface LatencyEstimate {
  /** The estimate calls are ordered by (ms); 0 while unknown. */
  expectedMs: number;
  /** True when the tool learns its estimate (it declared none). */
  readonly learnsLatency: boolean;
  /** The moving average itself (ms). */
  latencyEwmaMs: number;
  /** Samples taken so far. */
  latencySamples: number;
}

/** Adds one observed duration (ms) to a learning tool's estimate. */
export function observeLatency(estimate: LatencyEstimate, durationMs: number): void {
  if (!(durationMs >= 0)) return;
  const ewma =
    estimate.latencySamples === 0
      ? durationMs
      : estimate.latencyEwmaMs + LATENCY_EWMA_ALPHA * (durationMs - estimate.latencyEwmaMs);
  estimate.latencyEwmaMs = ewma;
  estimate.latencySamples++;
  estimate.expectedMs = ewma < 1 ? 0 : 2 ** Math.round(Math.log2(ewma));
}
