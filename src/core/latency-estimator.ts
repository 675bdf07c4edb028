/**
 * Latency estimates for latency-aware ordering (longest expected first). A tool that declares
 * `expectedMs` keeps it; otherwise the executor learns an exponentially weighted moving average
 * of its successful attempts' durations. A call's own `expectedMs` wins over both.
 *
 * A learned estimate orders calls by a power of two (…, 8, 16, 32 ms, …), not its exact value:
 * a queued call keeps the estimate it was queued with, so an estimate that wobbled with every
 * sample would let a tool's newer calls overtake its older ones. The power changes only when the
 * average moves well past it (hysteresis: beyond ×1.68 or ÷1.68, three quarters of a doubling),
 * so a tool whose latency sits between two powers does not flip between them, and its calls keep
 * their arrival order.
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
  const current = estimate.expectedMs;
  if (current === 0 || ewma > current * HYSTERESIS || ewma * HYSTERESIS < current)
    estimate.expectedMs = ewma < 1 ? 0 : 2 ** Math.round(Math.log2(ewma));
}

/** 2^0.75: how far past its power of two the average must move to change it. */
const HYSTERESIS = 2 ** 0.75;
