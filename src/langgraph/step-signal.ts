/**
 * A LangGraph task's signal without the abort a failing sibling task sends.
 *
 * When one task of a step fails, LangGraph aborts the step's other tasks: its runner folds an
 * "exception" signal into every task's `config.signal`, beside the run's own signal and the
 * step's timeout. A tool call that is still running would then be cancelled, its result lost,
 * and run again when the thread is retried. Volley lets it finish instead, so its result is saved
 * as the task's write (the runner waits for every task of the step all the same). The run's
 * signal and a timeout still end it at once.
 *
 * The runner keeps the run's signal in `configurable.__pregel_abort_signals`, set when a step
 * starts; the step's other signals there may be an earlier step's. So an abort of the task's
 * signal is the run's when the run's signal aborted, a timeout's when its reason is a
 * `TimeoutError` (what `AbortSignal.timeout` gives), and else a sibling's. Where the runner keeps
 * no signals (a graph's first step, another host), every abort of the task's signal counts.
 */

/** The signals LangGraph's runner keeps in `configurable.__pregel_abort_signals`. */
interface PregelAbortSignals {
  readonly externalAbortSignal?: unknown;
}

const ABORT_SIGNALS = "__pregel_abort_signals";

function pregelSignals(configurable: unknown): PregelAbortSignals | undefined {
  if (configurable === null || typeof configurable !== "object") return undefined;
  const signals: unknown = (configurable as Record<string, unknown>)[ABORT_SIGNALS];
  if (signals === null || typeof signals !== "object") return undefined;
  return signals as PregelAbortSignals;
}

function isTimeout(reason: unknown): boolean {
  return reason instanceof Error && reason.name === "TimeoutError";
}

/**
 * True when `signal` aborted only because a sibling task of the step failed: the task runs in a
 * LangGraph step, and neither the run's signal nor a timeout aborted it.
 */
export function abortedBySibling(signal: AbortSignal, configurable: unknown): boolean {
  if (!signal.aborted) return false;
  const signals = pregelSignals(configurable);
  if (signals === undefined) return false;
  const run = signals.externalAbortSignal;
  if (run instanceof AbortSignal && run.aborted) return false;
  return !isTimeout(signal.reason);
}

/**
 * The signal that should end a task's tool calls: `signal` itself, but for an abort that comes
 * only from a failing sibling task (see {@link abortedBySibling}).
 */
export function runSignalOf(
  signal: AbortSignal | undefined,
  configurable: unknown,
): AbortSignal | undefined {
  const signals = pregelSignals(configurable);
  if (signal === undefined || signals === undefined) return signal;
  const own = new AbortController();
  const check = (): void => {
    if (!abortedBySibling(signal, configurable)) own.abort(signal.reason);
  };
  if (signal.aborted) check();
  else signal.addEventListener("abort", check, { once: true });
  const run = signals.externalAbortSignal;
  // Once a sibling's abort has gone by, the task's signal cannot abort again: the run's own is
  // heard directly. AbortSignal.any holds its sources weakly: nothing to remove from it.
  return run instanceof AbortSignal && run !== signal
    ? AbortSignal.any([own.signal, run])
    : own.signal;
}
