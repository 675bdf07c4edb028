import { abortedBySibling, runSignalOf } from "./step-signal.js";

/**
 * The signals that end one of `createAgent`'s tool calls, and the one its tool is invoked with.
 *
 * `createAgent({ signal })` is kept on the agent's tool node and given to nothing but the tool:
 * LangChain's handler invokes it with that signal merged with the run's. So the middleware learns
 * it only there, at each attempt, and invokes the tool with a signal that aborts with it (its
 * reason first, so the tool rejects as it would without Volley) as well as with the attempt's own
 * (Volley's timeout, deadline and cancel). The run's signal (`request.runtime.signal`) is known
 * from the start: it cancels the call's batch, queued or running. LangChain merges the step's
 * signal into the one it passes, so an abort that comes only from a failing sibling task is not
 * the agent's: the call goes on (see `step-signal.ts`).
 */
export class ToolSignals {
  readonly #run: AbortSignal | undefined;
  readonly #task: AbortSignal | undefined;
  readonly #configurable: unknown;
  readonly #invoked: AbortSignal[] = [];
  readonly #unlisten: Array<() => void> = [];

  /**
   * @param task The task's signal, `request.runtime.signal`.
   * @param configurable The task's `configurable`, which holds LangGraph's step signals.
   */
  constructor(task: AbortSignal | undefined, configurable: unknown) {
    this.#task = task;
    this.#configurable = configurable;
    this.#run = runSignalOf(task, configurable);
  }

  /** The signal that cancels the call's batch: the task's, but for a sibling task's abort. */
  get run(): AbortSignal | undefined {
    return this.#run;
  }

  /**
   * The signal to invoke the tool with in one attempt: it aborts when `attempt` or `invoked` (the
   * signal LangChain's handler passed) does, with the agent's or the run's reason if either
   * aborted, else the attempt's.
   */
  forAttempt(attempt: AbortSignal, invoked: unknown): AbortSignal {
    if (!(invoked instanceof AbortSignal)) return attempt;
    if (!this.#invoked.includes(invoked)) this.#invoked.push(invoked);
    const controller = new AbortController();
    const abort = (): void => {
      if (attempt.aborted || this.aborted() !== undefined) {
        controller.abort((this.aborted() ?? attempt).reason);
      }
    };
    abort();
    if (controller.signal.aborted) return controller.signal;
    for (const signal of [invoked, attempt]) {
      signal.addEventListener("abort", abort, { once: true });
      this.#unlisten.push(() => signal.removeEventListener("abort", abort));
    }
    return controller.signal;
  }

  /** The agent's or the run's signal, if one of them aborted. */
  aborted(): AbortSignal | undefined {
    const invoked = this.#invoked.find((signal) => signal.aborted && !this.#bySibling(signal));
    return invoked ?? (this.#run?.aborted === true ? this.#run : undefined);
  }

  /**
   * True when the signal LangChain's handler passed aborted only through the task's signal, by a
   * sibling task's failure. The agent's own signal aborting gives it another reason (or leaves
   * the task's signal as it was).
   */
  #bySibling(invoked: AbortSignal): boolean {
    const task = this.#task;
    if (task === undefined || !task.aborted || invoked.reason !== task.reason) return false;
    return abortedBySibling(task, this.#configurable);
  }

  /** Removes the listeners, at the end of the call: the agent's signal may outlive many. */
  release(): void {
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
  }
}

/**
 * The error an aborted agent run rejects with, as LangChain words it (`getAbortSignalError` of
 * `@langchain/core`): the reason when it is an error, an error with the reason as its message
 * when it is a string, else `Error("Aborted")`.
 */
export function abortErrorOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new Error(typeof reason === "string" ? reason : "Aborted");
}
