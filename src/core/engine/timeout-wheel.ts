import type { CallState } from "./call-state.js";
import type { Clock } from "../clock.js";

/** Empty lists kept for reuse beyond this many are let go of (calls may set any timeout). */
const KEPT_LISTS = 16;

interface Bucket {
  head: CallState | undefined;
  tail: CallState | undefined;
}

/**
 * Per-attempt timeouts without a timer per attempt. Attempts with the same `timeoutMs` expire in
 * the order they started, so each distinct timeout keeps a linked list in start order (O(1) to
 * add and remove) and one timer is armed for the earliest head. The timer stays armed while
 * attempts run; the executor disarms it when it goes idle.
 *
 * The timer is armed once the promise jobs queued after the scheduler has started its attempts
 * have run (it calls {@link TimeoutWheel.armSoon}), not at once: an attempt that settles by then
 * (a tool that answers from memory) never costs a timer, and a stream of such batches none. An
 * expiry is an absolute time, so a timer armed a little later still fires when it is due.
 */
export class TimeoutWheel {
  readonly #buckets = new Map<number, Bucket>();
  readonly #clock: Clock;
  readonly #onExpire: (call: CallState) => void;
  #timer: unknown = undefined;
  /** Attempts tracked. */
  #size = 0;
  #armedAt = Number.POSITIVE_INFINITY;
  /** True while a check of the earliest expiry is queued. */
  #checking = false;
  /** The earliest expiry added since the last check. */
  #soonest = Number.POSITIVE_INFINITY;
  readonly #check = (): void => {
    this.#checking = false;
    this.#soonest = Number.POSITIVE_INFINITY;
    const next = this.#earliest();
    if (next < this.#armedAt) this.#arm(next);
  };

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
    this.#size++;
    if (call.expiresAt < this.#soonest) this.#soonest = call.expiresAt;
  }

  /**
   * Arms the timer for the earliest expiry, once the reactions of the attempts just started have
   * run: those that settled at once are gone by then.
   */
  armSoon(): void {
    if (this.#checking || this.#soonest >= this.#armedAt) return;
    this.#checking = true;
    // After the promise jobs queued now: the reactions of attempts that settle at once run first.
    process.nextTick(this.#check);
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
    this.#size--;
    // An empty list is kept for the next attempt with that timeout, unless there are many.
    if (bucket.head === undefined && this.#buckets.size > KEPT_LISTS)
      this.#buckets.delete(timeoutMs);
  }

  /** Clears the timer when no attempt is tracked, so an idle executor keeps no timer alive. */
  disarmIfEmpty(): void {
    if (this.#size === 0 && this.#timer !== undefined) {
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
        // Let go of it now: handling an earlier expiry may withdraw it (its batch ended), and
        // its release must not unlink it again (that would empty the list it was in).
        call.expiresAt = 0;
        expired.push(call);
      }
    }
    for (const call of expired) this.#onExpire(call);
    const next = this.#earliest();
    if (next < this.#armedAt) this.#arm(next);
  }

  /** When the earliest tracked attempt expires (epoch ms), or `Infinity`. */
  #earliest(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const bucket of this.#buckets.values()) {
      if (bucket.head !== undefined && bucket.head.expiresAt < next) next = bucket.head.expiresAt;
    }
    return next;
  }
}
