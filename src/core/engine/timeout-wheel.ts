import type { CallState } from "./call-state.js";
import type { Clock } from "../clock.js";

interface Bucket {
  head: CallState | undefined;
  tail: CallState | undefined;
}

/**
 * Per-attempt timeouts without a timer per attempt. Attempts with the same `timeoutMs` expire in
 * the order they started, so each distinct timeout keeps a linked list in start order (O(1) to
 * add and remove) and one timer is armed for the earliest head. The timer stays armed while
 * attempts run; the executor disarms it when it goes idle.
 */
export class TimeoutWheel {
  readonly #buckets = new Map<number, Bucket>();
  readonly #clock: Clock;
  readonly #onExpire: (call: CallState) => void;
  #timer: unknown = undefined;
  #armedAt = Number.POSITIVE_INFINITY;

  constructor(clock: Clock, onExpire: (call: CallState) => void) {
    this.#clock = clock;
    this.#onExpire = onExpire;
  }

  /** Tracks a running attempt that must end by `call.expiresAt`. */
  add(call: CallState, timeoutMs: number): void {
    let bucket = this.#buckets.get(timeoutMs);
    if (bucket === undefined)
      this.#buckets.set(timeoutMs, (bucket = { head: undefined, tail: undefined }));
    call.prev = bucket.tail;
    call.next = undefined;
    if (bucket.tail === undefined) bucket.head = call;
    else bucket.tail.next = call;
    bucket.tail = call;
    if (call.expiresAt < this.#armedAt) this.#arm(call.expiresAt);
  }

  /** Stops tracking an attempt that ended. */
  delete(call: CallState, timeoutMs: number): void {
    const bucket = this.#buckets.get(timeoutMs);
    if (bucket === undefined) return;
    if (call.prev === undefined) bucket.head = call.next;
    else call.prev.next = call.next;
    if (call.next === undefined) bucket.tail = call.prev;
    else call.next.prev = call.prev;
    call.prev = call.next = undefined;
    if (bucket.head === undefined) this.#buckets.delete(timeoutMs);
  }

  /** Clears the timer when no attempt is tracked, so an idle executor keeps no timer alive. */
  disarmIfEmpty(): void {
    if (this.#buckets.size === 0 && this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#armedAt = Number.POSITIVE_INFINITY;
    }
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, at - this.#clock.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    // Timers may fire a hair early; what is due within a millisecond is due now.
    const now = this.#clock.now() + 1;
    const expired: CallState[] = [];
    for (const [timeoutMs, bucket] of this.#buckets) {
      while (bucket.head !== undefined && bucket.head.expiresAt <= now) {
        const call = bucket.head;
        this.delete(call, timeoutMs);
        expired.push(call);
      }
    }
    for (const call of expired) this.#onExpire(call);
    let next = Number.POSITIVE_INFINITY;
    for (const bucket of this.#buckets.values()) {
      if (bucket.head !== undefined && bucket.head.expiresAt < next) next = bucket.head.expiresAt;
    }
    if (next < this.#armedAt) this.#arm(next);
  }
}
