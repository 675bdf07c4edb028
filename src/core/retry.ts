import type { ErrorKind } from "./outcome.js";
import { describeValue } from "./describe-value.js";
import { assertCount, assertDuration, assertKnownKeys, optionKeys } from "./validate-options.js";

/** What a `retryOn` predicate is told about a failed attempt. */
export interface RetryContext {
  /** The kind the failure maps to (`tool_error`, `timeout`, `crashed`, …). */
  readonly kind: ErrorKind;
  /** The attempt that failed (1-based). */
  readonly attempt: number;
  /** The tool's name. */
  readonly tool: string;
  /** The call's id. */
  readonly callId: string;
}

/**
 * When and how a failed attempt is tried again. Field names and defaults follow LangGraph's
 * `RetryPolicy`. A `NonRetryableError` is never retried, whatever `retryOn` says; nor are
 * `invalid_call`, `invalid_args`, `unknown_tool`, `cancelled`, `deadline` and `rejected`.
 */
export interface RetryPolicy {
  /**
   * Attempts in all, the first included. `1` turns retrying off.
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * Wait before the second attempt (ms).
   * @default 500
   */
  readonly initialInterval?: number;
  /**
   * Each wait is the previous one times this.
   * @default 2
   */
  readonly backoffFactor?: number;
  /**
   * The longest wait (ms), before jitter.
   * @default 128_000
   */
  readonly maxInterval?: number;
  /**
   * Add a random extra of up to the wait itself (at most 1 s), so that callers spread out.
   * @default true
   */
  readonly jitter?: boolean;
  /**
   * Which failures to retry: a list of kinds, or a predicate given the thrown error.
   * @default ["timeout", "tool_error"]
   * @example retryOn: (error) => (error as { status?: number }).status === 503
   */
  readonly retryOn?: readonly ErrorKind[] | ((error: unknown, context: RetryContext) => boolean);
}

/** A retry policy with every field filled in and checked. */
export interface ResolvedRetryPolicy {
  readonly maxAttempts: number;
  readonly initialInterval: number;
  readonly backoffFactor: number;
  readonly maxInterval: number;
  readonly jitter: boolean;
  readonly retryOn: (error: unknown, context: RetryContext) => boolean;
}

/** The defaults of a {@link RetryPolicy}'s fields: LangGraph's. */
export const RETRY_DEFAULTS = Object.freeze({
  /** Attempts in all, the first included. */
  maxAttempts: 3,
  /** Wait before the second attempt (ms). */
  initialInterval: 500,
  /** Each wait is the previous one times this. */
  backoffFactor: 2,
  /** The longest wait (ms), before jitter. */
  maxInterval: 128_000,
  /** A random extra is added to each wait. */
  jitter: true,
  /** The kinds retried. */
  retryOn: Object.freeze(["timeout", "tool_error"] as const),
});

/** The keys of a {@link RetryPolicy}. */
const RETRY_KEYS = optionKeys<RetryPolicy>()([
  "maxAttempts",
  "initialInterval",
  "backoffFactor",
  "maxInterval",
  "jitter",
  "retryOn",
]);

/** Kinds that no policy can retry: retrying cannot change their result. */
const NEVER_RETRIED: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  "invalid_call",
  "invalid_args",
  "unknown_tool",
  "cancelled",
  "deadline",
  "rejected",
]);

/**
 * Fills in and checks a retry policy. `undefined` or `false` means "no retries" (`null`).
 * @throws TypeError naming the bad field.
 */
export function resolveRetryPolicy(
  policy: RetryPolicy | false | undefined,
  where = "retry",
): ResolvedRetryPolicy | null {
  if (policy === undefined || policy === false) return null;
  if (typeof policy !== "object" || policy === null) {
    throw new TypeError(
      `Expected ${where} to be a RetryPolicy object or false, got ${describeValue(policy)}`,
    );
  }
  assertKnownKeys(where, policy, RETRY_KEYS);
  const maxAttempts = policy.maxAttempts ?? RETRY_DEFAULTS.maxAttempts;
  const initialInterval = policy.initialInterval ?? RETRY_DEFAULTS.initialInterval;
  const backoffFactor = policy.backoffFactor ?? RETRY_DEFAULTS.backoffFactor;
  const maxInterval = policy.maxInterval ?? RETRY_DEFAULTS.maxInterval;
  const jitter = policy.jitter ?? RETRY_DEFAULTS.jitter;
  assertCount(`${where}.maxAttempts`, maxAttempts, { min: 1 });
  assertDuration(`${where}.initialInterval`, initialInterval, { allowInfinity: false });
  assertDuration(`${where}.maxInterval`, maxInterval);
  if (
    typeof backoffFactor !== "number" ||
    !(backoffFactor >= 1) ||
    !Number.isFinite(backoffFactor)
  ) {
    throw new TypeError(
      `Expected ${where}.backoffFactor to be a finite number ≥ 1, got ${describeValue(backoffFactor)}`,
    );
  }
  if (typeof jitter !== "boolean") {
    throw new TypeError(`Expected ${where}.jitter to be a boolean, got ${describeValue(jitter)}`);
  }
  const retryOn = resolveRetryOn(policy.retryOn ?? RETRY_DEFAULTS.retryOn, `${where}.retryOn`);
  if (maxAttempts === 1) return null;
  return Object.freeze({
    maxAttempts,
    initialInterval,
    backoffFactor,
    maxInterval,
    jitter,
    retryOn,
  });
}

function resolveRetryOn(
  retryOn: NonNullable<RetryPolicy["retryOn"]>,
  where: string,
): ResolvedRetryPolicy["retryOn"] {
  if (typeof retryOn === "function") return retryOn;
  if (!Array.isArray(retryOn)) {
    throw new TypeError(
      `Expected ${where} to be a list of error kinds or a function, got ${describeValue(retryOn)}`,
    );
  }
  const kinds = new Set<ErrorKind>(retryOn);
  return (_error, context) => kinds.has(context.kind);
}

/** Whether a failed attempt should be tried again under `policy` (attempts left aside). */
export function isRetryable(
  policy: ResolvedRetryPolicy,
  error: unknown,
  context: RetryContext,
  nonRetryable: boolean,
): boolean {
  if (nonRetryable || NEVER_RETRIED.has(context.kind)) return false;
  try {
    return policy.retryOn(error, context) === true;
  } catch {
    // A predicate that throws cannot vouch for a retry.
    return false;
  }
}

/**
 * The wait before attempt `failedAttempt + 1` (ms): exponential backoff capped at `maxInterval`,
 * plus jitter, and never shorter than the error's own `retryAfterMs`. Always a finite number ≥ 0,
 * however many attempts failed: the largest wait is `Number.MAX_VALUE` when `maxInterval` is
 * `Infinity`.
 */
export function backoffDelay(
  policy: ResolvedRetryPolicy,
  failedAttempt: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  const base = backoffBase(policy, failedAttempt);
  const jittered = policy.jitter ? base + random() * Math.min(base, 1_000) : base;
  return retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
}

/**
 * `min(maxInterval, initialInterval · backoffFactor^(failedAttempt − 1))`, without the `NaN` of
 * `0 · Infinity` once the power overflows, and kept finite when there is no cap. Never shrinks
 * as `failedAttempt` grows.
 */
function backoffBase(policy: ResolvedRetryPolicy, failedAttempt: number): number {
  const { initialInterval, maxInterval } = policy;
  // A first wait of 0 stays 0 (and so does a cap of 0), whatever the power comes to.
  if (initialInterval === 0 || maxInterval === 0) return 0;
  // Both factors are ≥ 0 and finite, so the product is a number, at worst Infinity.
  const grown = initialInterval * policy.backoffFactor ** (failedAttempt - 1);
  const capped = grown < maxInterval ? grown : maxInterval;
  return capped < Number.MAX_VALUE ? capped : Number.MAX_VALUE;
}
