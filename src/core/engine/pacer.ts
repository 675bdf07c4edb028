import type { Clock } from "../clock.js";

/** Units of work between two looks at the clock. */
const CHECK_EVERY = 256;

/** The longest the engine works in one turn of the event loop before it yields (ms). */
export const SLICE_MS = 5;

/**
 * Keeps the engine from starving the event loop. Tools that answer in microtasks let admission
 * and the scheduler run on for as long as there are calls, and timers (timeouts, deadlines) and
 * I/O (a cancel from a socket) would wait until the whole batch is done. The engine counts its
 * units of work here; once a slice of {@link SLICE_MS} is spent, it stops and resumes in
 * `setImmediate`, after the timers and I/O that are due.
 */
export class Pacer {
  readonly #clock: Clock;
  #count = 0;
  #sliceStart: number;
  #scheduled = false;
  #waiting: Array<() => void> = [];
  readonly #resume = (): void => {
    this.#scheduled = false;
    this.#count = 0;
    this.#sliceStart = this.#clock.now();
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const fn of waiting) fn();
  };

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#sliceStart = clock.now();
  }

  /**
   * Counts one unit of work (a call read or started): true when this turn's slice is spent, and
   * the caller should stop and go on in {@link Pacer.later}.
   */
  spent(): boolean {
    if (this.#scheduled) return true;
    if (++this.#count < CHECK_EVERY) return false;
    this.#count = 0;
    const now = this.#clock.now();
    if (now - this.#sliceStart < SLICE_MS) return false;
    // A slice may have begun long ago, before the event loop went idle: that costs one yield.
    return true;
  }

  /** Runs `fn` once the event loop has had its turn. */
  later(fn: () => void): void {
    this.#waiting.push(fn);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#resume);
  }
}
