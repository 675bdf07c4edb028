/** A ported test whose assertions bound a duration tightly: it is retried, never changed. */
export interface TimingSensitive {
  /** `<file> > <describe> > … > <test>`, as `vitest.ts` names it. */
  readonly test: string;
  /** The bound, in one line. */
  readonly why: string;
}

/**
 * Upstream's tests with an upper bound on wall time, which a loaded machine (two shared cores, a
 * second suite running beside this one) can overrun in any variant, the control too. Each runs up
 * to five times, a second apart, in every variant; its assertions stay as upstream wrote them.
 */
export const TIMING_SENSITIVE: readonly TimingSensitive[] = [
  {
    test: "toolRetry > toolRetryMiddleware > Backoff calculation > should use exponential backoff",
    why: "350 ms of backoff, asserted to take less than 550 ms in all",
  },
  {
    test: "toolRetry > toolRetryMiddleware > Backoff calculation > should use constant backoff when backoffFactor is 0",
    why: "100 ms of backoff, asserted to take less than 300 ms in all",
  },
];
