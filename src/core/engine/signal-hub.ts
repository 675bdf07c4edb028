/**
 * One `abort` listener per caller signal, however many batches share it: a long-lived signal
 * (a server's shutdown signal, a LangGraph run's) would otherwise collect a listener per batch
 * and warn `MaxListenersExceededWarning`. `AbortSignal.any` is no help: it costs ~9 µs and leaks
 * with long-lived sources (nodejs/node#55351).
 */
export class SignalHub<T extends { abortFromSignal(reason: unknown): void }> {
  readonly #subscribers = new Map<
    AbortSignal,
    { readonly members: Set<T>; readonly onAbort: () => void }
  >();

  /** Subscribes `member` to `signal`'s abort. */
  add(signal: AbortSignal, member: T): void {
    let entry = this.#subscribers.get(signal);
    if (entry === undefined) {
      const members = new Set<T>();
      const onAbort = (): void => {
        this.#subscribers.delete(signal);
        for (const m of members) m.abortFromSignal(signal.reason);
      };
      entry = { members, onAbort };
      this.#subscribers.set(signal, entry);
      signal.addEventListener("abort", onAbort, { once: true });
    }
    entry.members.add(member);
  }

  /** Unsubscribes `member`; the listener goes when its last member does. */
  delete(signal: AbortSignal, member: T): void {
    const entry = this.#subscribers.get(signal);
    if (entry === undefined) return;
    entry.members.delete(member);
    if (entry.members.size === 0) {
      this.#subscribers.delete(signal);
      signal.removeEventListener("abort", entry.onAbort);
    }
  }
}
