/**
 * Rate limits: a tool's token bucket, shared by every batch. A call waits for a token within its
 * batch deadline; when the deadline would pass first, it ends `deadline` at once.
 */
import type { Clock } from "../clock.js";
import type { OutcomeError } from "../outcome.js";
import { describeValue } from "../describe-value.js";
import { assertCount, assertDuration } from "../validate-options.js";
import type { Feature, FeatureCall, FeatureHost, FeatureTool, ToolHooks } from "./feature.js";

/** A tool's rate limit: at most `max` attempts start per `perMs`, across all batches. */
export interface RateLimit {
  /** Tokens in the bucket when full: the largest burst. A whole number ≥ 1. */
  readonly max: number;
  /** The time in which `max` tokens refill (ms), evenly: one token every `perMs / max`. */
  readonly perMs: number;
}

/** Checks a {@link RateLimit}; throws a `TypeError` naming the bad field. */
export function assertRateLimit(where: string, value: unknown): asserts value is RateLimit {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Expected ${where} to be { max, perMs }, such as { max: 10, perMs: 1000 }, got ${describeValue(value)}`,
    );
  }
  const { max, perMs } = value as RateLimit;
  assertCount(`${where}.max`, max, { allowInfinity: false });
  assertDuration(`${where}.perMs`, perMs, { min: 1, allowInfinity: false });
}

/**
 * A token bucket that refills continuously. The scheduler asks {@link TokenBucket.ready} before
 * it starts an attempt of the tool: while the bucket is empty the tool's lane is closed, and one
 * timer wakes the scheduler when the next token is due.
 */
export class TokenBucket {
  readonly max: number;
  readonly perMs: number;
  readonly #msPerToken: number;
  readonly #clock: Clock;
  readonly #wake: () => void;
  #tokens: number;
  #at: number;
  #timer: unknown = undefined;

  constructor(limit: RateLimit, clock: Clock, wake: () => void) {
    this.max = limit.max;
    this.perMs = limit.perMs;
    this.#msPerToken = limit.perMs / limit.max;
    this.#clock = clock;
    this.#wake = wake;
    this.#tokens = limit.max;
    this.#at = clock.now();
  }

  /** Tokens available now (may carry a fraction). */
  get tokens(): number {
    this.#refill(this.#clock.now());
    return this.#tokens;
  }

  /** True when a token is available; if not, arms the timer that wakes the scheduler for it. */
  ready(): boolean {
    const now = this.#clock.now();
    this.#refill(now);
    if (this.#tokens >= 1) return true;
    if (this.#timer === undefined) {
      const waitMs = Math.max(1, Math.ceil((1 - this.#tokens) * this.#msPerToken));
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        this.#wake();
      }, waitMs);
    }
    return false;
  }

  /** Takes a token (the caller checked {@link TokenBucket.ready}). */
  take(): void {
    this.#tokens -= 1;
  }

  /** How long until `ahead + 1` tokens have come (ms): the wait of a call with `ahead` before it. */
  delayFor(ahead: number): number {
    this.#refill(this.#clock.now());
    const missing = ahead + 1 - this.#tokens;
    return missing <= 0 ? 0 : missing * this.#msPerToken;
  }

  #refill(now: number): void {
    if (now > this.#at) {
      const tokens = this.#tokens + (now - this.#at) / this.#msPerToken;
      this.#tokens = tokens > this.max ? this.max : tokens;
    }
    this.#at = now;
  }
}

/** The policy field of this feature. */
export interface RateLimitPolicy {
  /**
   * A token bucket shared by every batch: at most `max` attempts start per `perMs`. Calls wait
   * for a token within their batch deadline; when the deadline would pass first, they end
   * `deadline` at once.
   * @default no limit
   * @example rateLimit: { max: 10, perMs: 1_000 }
   */
  readonly rateLimit?: RateLimit;
}

/** The rate-limit feature: a bucket per tool that sets `rateLimit`. */
export function rateLimits<C extends FeatureCall>(host: FeatureHost<C>): Feature<C> {
  return {
    name: "rate limit",
    forTool(tool: FeatureTool, policy: RateLimitPolicy): ToolHooks<C> | undefined {
      const limit = policy.rateLimit;
      if (limit === undefined) return undefined;
      const clock = host.clock;
      const bucket = new TokenBucket(limit, clock, () => host.drain());
      return {
        enqueue(call: C): OutcomeError | undefined {
          const deadlineAt = call.batch.deadlineAt;
          if (deadlineAt === Number.POSITIVE_INFINITY) return undefined;
          const waitMs = bucket.delayFor(tool.queued);
          const now = clock.now();
          if (now + waitMs < deadlineAt) return undefined;
          return {
            kind: "deadline",
            message: `Tool "${tool.name}" is rate limited (${bucket.max} per ${bucket.perMs} ms, ${tool.queued} calls waiting): call "${call.id}" would get a token in ${Math.ceil(waitMs)} ms, after the batch deadline (${Math.max(0, Math.floor(deadlineAt - now))} ms left)`,
            data: { name: "DeadlineExceededError", rateLimited: true, waitMs },
          };
        },
        open: () => bucket.ready(),
        start(): undefined {
          bucket.take();
        },
        stats: () => ({ tokens: bucket.tokens }),
      };
    },
  };
}
