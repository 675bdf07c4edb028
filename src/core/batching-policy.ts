import { assertCircuitBreakerOptions, type CircuitBreakerOptions } from "./circuit-breaker.js";
import { assertDedupeOption, type IdempotentOption } from "./dedupe.js";
import { assertRateLimit, type RateLimit } from "./rate-limiter.js";
import { assertRecovery, type Recovery } from "./recovery.js";
import { describeValue, optional } from "./validate-options.js";

/**
 * The per-tool options of batch processing: rate limits, dedupe, recovery, exclusivity and
 * circuit breakers. Every one is off unless set, and costs nothing on the hot path when off.
 */
export interface BatchingPolicy {
  /**
   * A token bucket shared by every batch: at most `max` attempts start per `perMs`. Calls wait
   * for a token within their batch deadline; when the deadline would pass first, they end
   * `deadline` at once.
   * @default no limit
   * @example rateLimit: { max: 10, perMs: 1_000 }
   */
  readonly rateLimit?: RateLimit;
  /**
   * Identical calls in flight (same tool, same canonical args) run once and share the outcome;
   * the duplicates' outcomes carry `deduped: true`. `{ cacheTtlMs }` also keeps successful
   * outcomes that long for later identical calls.
   * @default false
   * @example idempotent: { cacheTtlMs: 60_000 }
   */
  readonly idempotent?: IdempotentOption;
  /**
   * What to do when the call's last attempt timed out: run another tool with the same args
   * (`{ fallback: "name" }`) or end `ok` with a value (`{ default: value }`).
   * @default none: the call ends `timeout`
   * @example onTimeout: { default: [] }
   */
  readonly onTimeout?: Recovery;
  /**
   * What to do when the call failed (`tool_error`, `crashed`, or `rejected` by this tool's open
   * circuit) after its retries: a fallback tool or a default value, as for `onTimeout`.
   * @default none: the call ends with its error
   * @example onError: { fallback: "search_backup" }
   */
  readonly onError?: Recovery;
  /**
   * Calls of this tool run one at a time, in call order, across all batches.
   * @default false
   */
  readonly exclusive?: boolean;
  /**
   * Stops calling a failing tool for a cool-down: its calls end `rejected` at once while the
   * circuit is open; then one probe call decides whether it closes again.
   * @default no breaker
   * @example circuitBreaker: { failures: 5, cooldownMs: 30_000 }
   */
  readonly circuitBreaker?: CircuitBreakerOptions;
}

/** Checks the batching fields of a tool's policy; throws a `TypeError` naming the bad one. */
export function assertBatchingPolicy(where: string, policy: BatchingPolicy): void {
  optional(policy.rateLimit, (v) => assertRateLimit(`${where}.rateLimit`, v));
  optional(policy.idempotent, (v) => assertDedupeOption(`${where}.idempotent`, v));
  optional(policy.onTimeout, (v) => assertRecovery(`${where}.onTimeout`, v));
  optional(policy.onError, (v) => assertRecovery(`${where}.onError`, v));
  optional(policy.exclusive, (v) => {
    if (typeof v !== "boolean")
      throw new TypeError(`Expected ${where}.exclusive to be a boolean, got ${describeValue(v)}`);
  });
  optional(policy.circuitBreaker, (v) => assertCircuitBreakerOptions(`${where}.circuitBreaker`, v));
}
