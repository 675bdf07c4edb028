/**
 * The signals `createAgent` invokes a tool with. Its tool node merges the agent's own signal
 * (`createAgent({ signal })`, kept on the node and found nowhere else) with the run's, and passes
 * the result only to `tool.invoke()`; so the middleware learns it there, and ends the call's batch
 * when it aborts, so that a queued or signal-ignoring call ends as promptly as the tool's own
 * signal does.
 */
export class InvokeSignals {
  readonly #watched: AbortSignal[] = [];
  readonly #unlisten: Array<() => void> = [];
  #cancel: ((reason: unknown) => void) | undefined;
  #pending: { readonly reason: unknown } | undefined;

  /** What ends the call when a watched signal aborts; an abort seen before this waits for it. */
  bind(cancel: (reason: unknown) => void): void {
    this.#cancel = cancel;
    const pending = this.#pending;
    if (pending !== undefined) cancel(pending.reason);
  }

  /** Watches a signal the tool was invoked with (each one once). */
  watch(signal: unknown): void {
    if (!(signal instanceof AbortSignal) || this.#watched.includes(signal)) return;
    this.#watched.push(signal);
    if (signal.aborted) {
      this.#aborted(signal.reason);
      return;
    }
    const listener = (): void => this.#aborted(signal.reason);
    signal.addEventListener("abort", listener, { once: true });
    this.#unlisten.push(() => signal.removeEventListener("abort", listener));
  }

  /** The first watched signal that is aborted, if any. */
  aborted(): AbortSignal | undefined {
    return this.#watched.find((signal) => signal.aborted);
  }

  /** Removes the listeners: the agent's signal may outlive many calls. */
  release(): void {
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
  }

  #aborted(reason: unknown): void {
    if (this.#cancel === undefined) this.#pending ??= { reason };
    else this.#cancel(reason);
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
