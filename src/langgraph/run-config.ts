import type { RunnableConfig } from "@langchain/core/runnables";
import { runSignalOf } from "./step-signal.js";

/** What a node takes from the run config it is invoked with. */
export interface RunLimits {
  /**
   * The graph's `config.signal`, but for the abort LangGraph sends when a sibling task fails.
   * LangChain folds the run config's `timeout` into it when it normalises a config, so a timeout
   * reaches the node as this signal aborting.
   */
  readonly signal: AbortSignal | undefined;
  /** The run config's `maxConcurrency`: most calls of this node's batch running at once. */
  readonly maxConcurrency: number | undefined;
}

/**
 * Maps a run config onto the executor: `signal` (and with it `timeout`) cancels the batch, and
 * `maxConcurrency` caps its calls in flight (the executor's own limits still hold).
 */
export function runLimits(config: RunnableConfig | undefined): RunLimits {
  const given = config?.signal instanceof AbortSignal ? config.signal : undefined;
  // A sibling task's failure does not end the node's calls: they finish, and are journaled.
  const signal = runSignalOf(given, config?.configurable);
  const max = config?.maxConcurrency;
  return {
    signal,
    maxConcurrency:
      typeof max === "number" && max >= 1 && Number.isFinite(max) ? Math.floor(max) : undefined,
  };
}

/** What to throw when the graph's signal aborted the step. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(`Aborted${reason === undefined ? "" : `: ${String(reason)}`}`);
  error.name = "AbortError";
  return error;
}
