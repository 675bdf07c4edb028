/**
 * Rate limits: a log of each tool's recent starts, shared by every batch, that keeps at most
 * `max` starts in any window of `perMs`. A call waits for a slot within its batch deadline; when
 * the deadline would pass first, it ends `deadline` at once.
 */
import type { Clock } from "../clock.js";
import type { OutcomeError } from "../outcome.js";
import { describeValue } from "../describe-value.js";
import { assertCount, assertDuration, assertKnownKeys, optionKeys } from "../validate-options.js";
import type { Feature, FeatureCall, FeatureHost, FeatureTool, ToolHooks } from "./feature.js";

/** A tool's rate limit: at most `max` attempts start in any window of `perMs`, across all batches. */
export interface RateLimit {
  /** Most starts in any window of `perMs`, also the largest burst. A whole number ≥ 1. */
  readonly max: number;
  /** The length of the window (ms): a start frees its slot `perMs` after it. */
  readonly perMs: number;
}

/** The keys of a {@link RateLimit}. */
const RATE_LIMIT_KEYS = optionKeys<RateLimit>()(["max", "perMs"]);

/** Checks a {@link RateLimit}; throws a `TypeError` naming the bad field. */
export function assertRateLimit(where: string, value: unknown): asserts value is RateLimit {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Expected ${where} to be { max, perMs }, such as { max: 10, perMs: 1000 }, got ${describeValue(value)}`,
    );
  }
  assertKnownKeys(where, value, RATE_LIMIT_KEYS);
  const { max, perMs } = value as RateLimit;
  assertCount(`${where}.max`, max, { allowInfinity: false });
  assertDuration(`${where}.perMs`, perMs, { min: 1, allowInfinity: false });
}

/**
 * A sliding log of a tool's last `max` start times, in a ring. A start is allowed at `now` when
 * fewer than `max` starts fall in the window `(now − perMs, now]`, that is when the oldest of
 * the last `max` starts is at least `perMs` old; the next slot opens when it leaves the window.
 * So at most `max` starts fall in ANY window of `perMs`, and a queue that never empties gets
 * exactly `max` per `perMs`. The scheduler asks {@link StartLog.ready} before it starts an
 * attempt of the tool: while no slot is free the tool's lane is closed, and one timer wakes the
 * scheduler when the next slot opens.
 *
 * Why a log: a token bucket of `max` lets `2·max − 1` starts into one window (a full burst, then
 * the refill), and GCRA without a burst spaces starts `perMs / max` apart, so `max` calls that
 * come at once wait although the limit lets them start together. The log allows the burst, and
 * exactly `max` in every window.
 *
 * The ring grows with the starts until it holds `max` of them, so a large `max` costs memory
 * only as it is used. Every method but {@link StartLog.free} is O(1).
 */
export class StartLog {
  readonly max: number;
  readonly perMs: number;
  readonly #clock: Clock;
  readonly #wake: () => void;
  /** Start times, oldest at `#head` once the ring is full (`max` long); in order before. */
  readonly #ring: number[] = [];
  #head = 0;
  #timer: unknown = undefined;

  constructor(limit: RateLimit, clock: Clock, wake: () => void) {
    this.max = limit.max;
    this.perMs = limit.perMs;
    this.#clock = clock;
    this.#wake = wake;
  }

  /**
   * The time the `r`-th oldest of the last `max` starts happened (0 ≤ r < max), or `-Infinity`
   * when fewer than `max - r` starts ever happened.
   */
  #recent(r: number): number {
    const ring = this.#ring;
    const missing = this.max - ring.length;
    if (r < missing) return Number.NEGATIVE_INFINITY;
    const at = this.#head + r - missing;
    return ring[at < ring.length ? at : at - ring.length]!;
  }

  /** Slots free now: `max` less the starts in the window that ends now. */
  free(): number {
    const since = this.#clock.now() - this.perMs;
    // The starts are in order, oldest first: find the first still in the window.
    let lo = 0;
    let hi = this.max;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#recent(mid) > since) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** True when a slot is free; if not, arms the timer that wakes the scheduler when one opens. */
  ready(): boolean {
    const opensAt = this.#recent(0) + this.perMs;
    const now = this.#clock.now();
    if (opensAt <= now) return true;
    if (this.#timer === undefined) {
      this.#timer = this.#clock.setTimeout(
        () => {
          this.#timer = undefined;
          this.#wake();
        },
        Math.max(1, Math.ceil(opensAt - now)),
      );
    }
    return false;
  }

  /** Records a start now (the caller checked {@link StartLog.ready}). */
  take(): void {
    const now = this.#clock.now();
    const ring = this.#ring;
    if (ring.length < this.max) {
      ring.push(now);
      return;
    }
    ring[this.#head] = now;
    this.#head = this.#head + 1 === ring.length ? 0 : this.#head + 1;
  }

  /**
   * How long until the slot of a call with `ahead` calls queued before it opens (ms), when each
   * of them starts as soon as it may. Start `j` (1-based, from now) comes at the earliest when
   * start `j − max` leaves the window: with `ahead = q · max + r`, that is `q` windows after
   * the slot of start `r + 1`, which opens now or as the `r`-th oldest logged start leaves.
   */
  delayFor(ahead: number): number {
    const q = Math.floor(ahead / this.max);
    const r = ahead - q * this.max;
    const now = this.#clock.now();
    const first = this.#recent(r) + this.perMs;
    return (first > now ? first - now : 0) + q * this.perMs;
  }
}

/** The policy field of this feature. */
export interface RateLimitPolicy {
  /**
   * At most `max` attempts start in any window of `perMs` ms, across every batch. Calls wait for
   * a slot within their batch deadline; when the deadline would pass first, they end `deadline`
   * at once.
   * @default no limit
   * @example rateLimit: { max: 10, perMs: 1_000 }
   */
  readonly rateLimit?: RateLimit;
}

/** The rate-limit feature: a start log per tool that sets `rateLimit`. */
export function rateLimits<C extends FeatureCall>(host: FeatureHost<C>): Feature<C> {
  return {
    name: "rate limit",
    forTool(tool: FeatureTool, policy: RateLimitPolicy): ToolHooks<C> | undefined {
      const limit = policy.rateLimit;
      if (limit === undefined) return undefined;
      const clock = host.clock;
      const log = new StartLog(limit, clock, () => host.drain());
      return {
        enqueue(call: C): OutcomeError | undefined {
          const deadlineAt = call.batch.deadlineAt;
          if (deadlineAt === Number.POSITIVE_INFINITY) return undefined;
          const waitMs = log.delayFor(tool.queued);
          const now = clock.now();
          if (now + waitMs < deadlineAt) return undefined;
          return {
            kind: "deadline",
            message: `Tool "${tool.name}" is rate limited (${log.max} per ${log.perMs} ms, ${tool.queued} calls waiting): call "${call.id}" could start in ${Math.ceil(waitMs)} ms at the earliest, after the batch deadline (${Math.max(0, Math.floor(deadlineAt - now))} ms left)`,
            data: { name: "DeadlineExceededError", rateLimited: true, waitMs },
          };
        },
        open: () => log.ready(),
        start(): undefined {
          log.take();
        },
        stats: () => ({ tokens: log.free() }),
      };
    },
  };
}
