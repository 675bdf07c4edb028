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
  /** The engine went idle since the slice began: the next look at the clock begins a new one. */
  #rested = false;
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
    if (this.#rested) {
      // The work began after the engine was idle, at most a check's worth of units ago.
      this.#rested = false;
      this.#sliceStart = now;
      return false;
    }
    return now - this.#sliceStart >= SLICE_MS;
  }

  /**
   * The engine has nothing queued or running: whatever comes next starts in a later turn of the
   * event loop (or later in this one), so it begins a new slice rather than paying a yield for the
   * old one's age.
   */
  rest(): void {
    this.#rested = true;
    this.#count = 0;
  }

  /** Runs `fn` once the event loop has had its turn. */
  later(fn: () => void): void {
    this.#waiting.push(fn);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#resume);
  }
}
