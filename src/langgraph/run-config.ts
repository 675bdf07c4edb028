import type { RunnableConfig } from "@langchain/core/runnables";

/** What a node takes from the run config it is invoked with. */
export interface RunLimits {
  /** The graph's `config.signal` (LangChain folds `timeout` into it when it normalises a config). */
  readonly signal: AbortSignal | undefined;
  /** The run config's `timeout` (ms) when it reaches the node as a number: the batch deadline. */
  readonly deadlineMs: number | undefined;
  /** The run config's `maxConcurrency`: most calls of this node's batch running at once. */
  readonly maxConcurrency: number | undefined;
}

/**
 * Maps a run config onto the executor: `signal` cancels the batch, `timeout` is its deadline and
 * `maxConcurrency` caps its calls in flight (the executor's own limits still hold).
 */
export function runLimits(config: RunnableConfig | undefined): RunLimits {
  const signal = config?.signal instanceof AbortSignal ? config.signal : undefined;
  const timeout = config?.timeout;
  const max = config?.maxConcurrency;
  return {
    signal,
    deadlineMs: typeof timeout === "number" && timeout > 0 ? timeout : undefined,
    maxConcurrency:
      typeof max === "number" && max >= 1 && Number.isFinite(max) ? Math.floor(max) : undefined,
  };
}
