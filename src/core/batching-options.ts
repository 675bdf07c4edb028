import { assertFairnessOptions, type PriorityClass } from "./fair-queue.js";
import { assertCount, describeValue, optional } from "./validate-options.js";

/** Limits and back-pressure: the executor's batch-processing options. */
export interface BatchLimitOptions {
  /**
   * Most calls one batch may have. The calls beyond it end `rejected`, or, with
   * `overflow: "split"`, the batch runs in chunks: at most this many of its calls are admitted at
   * a time, the next as each one ends.
   * @default Infinity
   * @example maxBatchSize: 100
   */
  readonly maxBatchSize?: number;
  /**
   * What happens to a batch larger than `maxBatchSize`.
   * @default "reject"
   */
  readonly overflow?: "reject" | "split";
  /**
   * Most calls waiting at once (queued, or held for a sequential group or a duplicate), across
   * all batches. Past it, new calls end `rejected` at once with the queue's state in the message.
   * @default Infinity
   * @example maxQueued: 10_000
   */
  readonly maxQueued?: number;
}

/** Fair sharing: `execute()`'s options that place a batch among others. */
export interface FairnessOptions {
  /**
   * Who the batch is for (an agent thread, a user, an API key). Tenants share the executor's
   * limit by weighted fair queuing.
   * @default "" (one shared tenant)
   */
  readonly tenant?: string;
  /**
   * The tenant's share relative to others: weight 2 gets twice the slots of weight 1 when both
   * are busy.
   * @default 1
   */
  readonly weight?: number;
  /**
   * `interactive` calls start before any `background` call that is ready.
   * @default "interactive"
   */
  readonly class?: PriorityClass;
}

/** Checks {@link BatchLimitOptions}; throws a `TypeError` naming the bad option. */
export function assertBatchLimits(options: BatchLimitOptions): void {
  optional(options.maxBatchSize, (v) => assertCount("maxBatchSize", v));
  optional(options.maxQueued, (v) => assertCount("maxQueued", v));
  optional(options.overflow, (v) => {
    if (v !== "reject" && v !== "split")
      throw new TypeError(`Expected overflow to be "reject" or "split", got ${describeValue(v)}`);
  });
}

export { assertFairnessOptions };
