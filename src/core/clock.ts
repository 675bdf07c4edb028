/**
 * Time and randomness, injectable so that timeouts, backoff and deadlines can be driven exactly
 * by fake timers in tests. The default reads the globals at each call, so `vi.useFakeTimers()`
 * takes effect even after the executor was made.
 */
export interface Clock {
  /** The current time, epoch milliseconds (may carry a fraction). */
  now(): number;
  /** Schedules `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer made by {@link Clock.setTimeout}. */
  clearTimeout(handle: unknown): void;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

/** The real clock: `performance` for sub-millisecond timing, global timers, `Math.random`. */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};
