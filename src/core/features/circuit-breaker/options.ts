/** The circuit breaker's options and the state it reports. */
import { describeValue } from "../../describe-value.js";
import {
  assertCount,
  assertDuration,
  assertKnownKeys,
  optionKeys,
  optional,
} from "../../validate-options.js";

/**
 * When a tool's circuit opens. Either trigger suffices: `failures` in a row, or a `failureRate`
 * over the last `windowMs` once at least `minCalls` attempts ended in it.
 */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failed attempts that open the circuit. `Infinity` turns this trigger off.
   * @default 5
   */
  readonly failures?: number;
  /**
   * Share of failed attempts in the window (0 < rate ≤ 1) that opens the circuit.
   * @default off
   * @example failureRate: 0.5
   */
  readonly failureRate?: number;
  /**
   * The window of `failureRate` (ms).
   * @default 60_000
   */
  readonly windowMs?: number;
  /**
   * Fewest attempts in the window before `failureRate` is judged.
   * @default 10
   */
  readonly minCalls?: number;
  /**
   * How long the circuit stays open before a probe may run (ms).
   * @default 30_000
   */
  readonly cooldownMs?: number;
}

/** `closed`: calls run. `open`: calls end `rejected`. `half-open`: one probe call runs. */
export type CircuitState = "closed" | "open" | "half-open";

/** A circuit's state as `stats()` and the `circuit:state` event show it. */
export interface CircuitSnapshot {
  /** Whether calls run (`closed`), are refused (`open`), or one probe runs (`half-open`). */
  readonly state: CircuitState;
  /** Why it opened (while open or half-open). */
  readonly reason?: string;
  /** When the cool-down ends (epoch ms), while open. */
  readonly until?: number;
  /** Failed attempts in a row, so far. */
  readonly consecutiveFailures: number;
}

/** The keys of {@link CircuitBreakerOptions}. */
const CIRCUIT_BREAKER_KEYS = optionKeys<CircuitBreakerOptions>()([
  "failures",
  "failureRate",
  "windowMs",
  "minCalls",
  "cooldownMs",
]);

/** Checks {@link CircuitBreakerOptions}; throws a `TypeError` naming the bad field. */
export function assertCircuitBreakerOptions(
  where: string,
  value: unknown,
): asserts value is CircuitBreakerOptions {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Expected ${where} to be an object such as { failures: 5, cooldownMs: 30000 }, got ${describeValue(value)}`,
    );
  }
  assertKnownKeys(where, value, CIRCUIT_BREAKER_KEYS);
  const o = value as CircuitBreakerOptions;
  optional(o.failures, (v) => assertCount(`${where}.failures`, v));
  optional(o.failureRate, (v) => {
    if (typeof v !== "number" || !(v > 0 && v <= 1))
      throw new TypeError(
        `Expected ${where}.failureRate to be a number in (0, 1], got ${describeValue(v)}`,
      );
  });
  optional(o.windowMs, (v) =>
    assertDuration(`${where}.windowMs`, v, { min: 1, allowInfinity: false }),
  );
  optional(o.minCalls, (v) => assertCount(`${where}.minCalls`, v, { allowInfinity: false }));
  optional(o.cooldownMs, (v) =>
    assertDuration(`${where}.cooldownMs`, v, { min: 1, allowInfinity: false }),
  );
}

/** The policy field of this feature. */
export interface CircuitBreakerPolicy {
  /**
   * Stops calling a failing tool for a cool-down: its calls end `rejected` at once while the
   * circuit is open; then one probe call decides whether it closes again.
   * @default no breaker
   * @example circuitBreaker: { failures: 5, cooldownMs: 30_000 }
   */
  readonly circuitBreaker?: CircuitBreakerOptions;
}
