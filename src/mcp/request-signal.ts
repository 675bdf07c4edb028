/** What may listen to a {@link RequestSignal}: a function, or an object with `handleEvent`. */
type Listener = ((event: Event) => void) | { handleEvent(event: Event): void };

/**
 * The signal a request gives the SDK, aborted with the bare reason it sends the server. It is
 * the part of `AbortSignal` that the SDK's `Protocol.request()` uses (`aborted`, `reason`,
 * `throwIfAborted()`, `addEventListener("abort")`), and no EventTarget: a real AbortController
 * costs several microseconds per call, a quarter of what a call to an in-process server
 * costs. The SDK keeps the signal to itself (it gives it to no transport nor to `fetch`); the
 * tests check that cancels still reach the server over stdio and Streamable HTTP.
 */
export class RequestSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((event: Event) => void) | null = null;
  #listener: Listener | undefined = undefined;
  #more: Listener[] | undefined = undefined;

  /** Aborts it, telling its listeners once. */
  abort(reason: string): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners: Array<Listener | null | undefined> = [
      this.onabort,
      this.#listener,
      ...(this.#more ?? []),
    ];
    this.#listener = undefined;
    this.#more = undefined;
    const event = { type: "abort", target: this } as unknown as Event;
    for (const listener of listeners) {
      if (listener === undefined || listener === null) continue;
      try {
        if (typeof listener === "function") listener(event);
        else listener.handleEvent(event);
      } catch {
        // The attempt has ended already; a listener that throws must not end the process.
      }
    }
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  addEventListener(type: string, listener: Listener | null): void {
    if (type !== "abort" || listener === null || this.aborted) return;
    if (this.#listener === undefined) this.#listener = listener;
    else (this.#more ??= []).push(listener);
  }

  removeEventListener(type: string, listener: Listener | null): void {
    if (type !== "abort" || listener === null) return;
    if (this.#listener === listener) this.#listener = undefined;
    else if (this.#more !== undefined) this.#more = this.#more.filter((l) => l !== listener);
  }

  /** As the SDK's options type it: it reads no more of it than this class has. */
  asAbortSignal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}
