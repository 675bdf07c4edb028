import { assertNeedsApproval, type ApprovalPolicy } from "./features/approvals/options.js";
import { assertCircuitBreakerOptions } from "./features/circuit-breaker/options.js";
import type { CircuitBreakerPolicy } from "./features/circuit-breaker/options.js";
import { assertDedupeOption, type DedupePolicy } from "./features/dedupe.js";
import { assertRateLimit, type RateLimitPolicy } from "./features/rate-limit.js";
import { assertRecovery, type RecoveryPolicy } from "./features/recovery.js";
import type { ExclusivePolicy } from "./features/sequential-groups.js";
import { assertUpstream, type UpstreamPolicy } from "./features/upstream.js";
import { describeValue } from "./describe-value.js";
import { optional } from "./validate-options.js";

/**
 * The per-tool options of the scheduling features: rate limits, dedupe, recovery, exclusivity,
 * circuit breakers, approvals and upstreams, each documented with its feature. Every one is off unless set, and costs
 * nothing on the hot path when off.
 */
export interface BatchingPolicy
  extends
    RateLimitPolicy,
    DedupePolicy,
    RecoveryPolicy,
    ExclusivePolicy,
    CircuitBreakerPolicy,
    ApprovalPolicy,
    UpstreamPolicy {}

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
  optional(policy.needsApproval, (v) => assertNeedsApproval(`${where}.needsApproval`, v));
  optional(policy.upstream, (v) => assertUpstream(`${where}.upstream`, v));
}
