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
import type { OutcomeError } from "../outcome.js";
import type { Feature, FeatureCall, FeatureTool, ToolHooks } from "./feature.js";

/** Weight of the newest sample in the moving average. */
export const LATENCY_EWMA_ALPHA = 0.2;

/** The moving average of one tool's successful attempts, and the estimate it gives the tool. */
class LatencyEstimate {
  /** The moving average itself (ms). */
  ewmaMs = 0;
  /** Samples taken so far. */
  samples = 0;

  constructor(readonly tool: FeatureTool) {}

  /** Adds one observed duration (ms). */
  observe(durationMs: number): void {
    if (!(durationMs >= 0)) return;
    const ewma =
      this.samples === 0
        ? durationMs
        : this.ewmaMs + LATENCY_EWMA_ALPHA * (durationMs - this.ewmaMs);
    this.ewmaMs = ewma;
    this.samples++;
    const tool = this.tool;
    const current = tool.expectedMs;
    if (current === 0 || ewma > current * HYSTERESIS || ewma * HYSTERESIS < current)
      tool.expectedMs = ewma < 1 ? 0 : 2 ** Math.round(Math.log2(ewma));
  }
}

/** The policy field the estimate defers to. */
export interface LatencyPolicy {
  /**
   * Expected duration of a call (ms). Among equal priorities, longer calls start first, which
   * shortens a batch under a concurrency limit.
   * @default learned: a moving average of the tool's observed durations (0 until the first)
   */
  readonly expectedMs?: number;
}

/** The latency feature: every tool that declares no `expectedMs` learns one. */
export function latencyEstimates<C extends FeatureCall>(): Feature<C> {
  return {
    name: "latency estimates",
    forTool(tool: FeatureTool, policy: LatencyPolicy): ToolHooks<C> | undefined {
      if (policy.expectedMs !== undefined) return undefined;
      const estimate = new LatencyEstimate(tool);
      return {
        attempted(_call: C, failure: OutcomeError | undefined, durationMs: number): void {
          if (failure === undefined) estimate.observe(durationMs);
        },
        stats: () => ({ latencyMs: estimate.ewmaMs }),
      };
    },
  };
}

/** 2^0.75: how far past its power of two the average must move to change it. */
const HYSTERESIS = 2 ** 0.75;
