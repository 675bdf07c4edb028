/** What may listen to a {@link RequestSignal}: a function, or an object with `handleEvent`. */
type Listener = ((event: Event) => void) | { handleEvent(event: Event): void };

/**
 * The members of `AbortSignal` that the SDK's `Protocol.request()` uses, and all that a
 * {@link RequestSignal} has. tests/mcp/sdk-signal.test.ts checks, over each transport, that the
 * SDK touches no other (it hands the signal to no transport, `fetch` nor `AbortSignal.any()`),
 * so that an SDK that starts to fails that test rather than the calls.
 */
export const SIGNAL_MEMBERS: readonly string[] = Object.freeze([
  "aborted",
  "reason",
  "throwIfAborted",
  "addEventListener",
  "removeEventListener",
]);

/**
 * The signal a request gives the SDK, aborted with the bare reason the SDK sends the server.
 * Not an AbortController's: on Node 20 a real signal handed to the SDK costs 7–10 µs per call
 * (making it, its listener, and the garbage they leave), a third of what a whole call to an
 * in-process server costs. The SDK keeps the signal to itself: it checks `aborted`, calls
 * `throwIfAborted()` and adds one `abort` listener, which is all this class does.
 */
export class RequestSignal {
  aborted = false;
  reason: unknown = undefined;
  #listener: Listener | undefined = undefined;
  #more: Listener[] | undefined = undefined;

  /** Aborts it, telling its listeners once, in the order they came. */
  abort(reason: string): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const first = this.#listener;
    const more = this.#more;
    this.#listener = undefined;
    this.#more = undefined;
    const event = { type: "abort", target: this } as unknown as Event;
    if (first !== undefined) tell(first, event);
    if (more !== undefined) for (const listener of more) tell(listener, event);
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

  /** As the SDK's options type it: the SDK reads no more of it than this class has. */
  asAbortSignal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}

/** Calls one listener; one that throws stops neither the others nor the abort. */
function tell(listener: Listener, event: Event): void {
  try {
    if (typeof listener === "function") listener(event);
    else listener.handleEvent(event);
  } catch {
    // The attempt has ended already; a listener that throws must not end the process.
  }
}
