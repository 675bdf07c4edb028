/**
 * Time and randomness, injectable so that timeouts, backoff and deadlines can be driven exactly
 * by fake timers in tests. The default reads the globals at each call, so `vi.useFakeTimers()`
 * takes effect even after the executor was made.
 */
export interface Clock {
  /** The current time, epoch milliseconds (may carry a fraction). */
  now(): number;
  /**
   * Schedules `fn` after `ms` milliseconds, however long (a timeout of 30 days must not fire at
   * once); returns a handle for {@link Clock.clearTimeout}.
   */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer made by {@link Clock.setTimeout}. */
  clearTimeout(handle: unknown): void;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

/** The longest delay a Node.js timer takes; a longer one fires after 1 ms instead. */
const MAX_TIMER_MS = 2_147_483_647;

/** A timer longer than Node's limit, re-armed in steps. */
class LongTimer {
  handle: ReturnType<typeof setTimeout>;

  constructor(fn: () => void, ms: number) {
    const step = (left: number): ReturnType<typeof setTimeout> =>
      setTimeout(
        () => {
          if (left > MAX_TIMER_MS) this.handle = step(left - MAX_TIMER_MS);
          else fn();
        },
        Math.min(left, MAX_TIMER_MS),
      );
    this.handle = step(ms);
  }
}

// `performance.timeOrigin` is a getter that costs half as much as `now()` itself: read it once
// per `performance` object (fake timers may install another).
let perf = performance;
let origin = perf.timeOrigin;

/** The real clock: `performance` for sub-millisecond timing, global timers, `Math.random`. */
export const systemClock: Clock = {
  now: () => {
    const p = performance;
    if (p !== perf) {
      perf = p;
      origin = p.timeOrigin;
    }
    return origin + p.now();
  },
  setTimeout: (fn, ms) => (ms > MAX_TIMER_MS ? new LongTimer(fn, ms) : setTimeout(fn, ms)),
  clearTimeout: (handle) =>
    clearTimeout(
      handle instanceof LongTimer ? handle.handle : (handle as ReturnType<typeof setTimeout>),
    ),
  random: () => Math.random(),
};
