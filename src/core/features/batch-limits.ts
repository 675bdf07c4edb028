/**
 * Batch limits and back-pressure: how many of a batch's calls are live at once, how large a
 * batch may be (`maxBatchSize`, `overflow`), and how many calls may wait across all batches
 * (`maxQueued`). A streamed batch (`collect: false`) and a batch with its own `concurrency` are
 * admitted a window at a time, the next call as one ends.
 */
import type { OutcomeError } from "../outcome.js";
import { describeValue } from "../describe-value.js";
import { assertCount, optional } from "../validate-options.js";
import type { Feature, FeatureBatch, FeatureCall, FeatureHost } from "./feature.js";

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

/** Checks {@link BatchLimitOptions}; throws a `TypeError` naming the bad option. */
export function assertBatchLimits(options: BatchLimitOptions): void {
  optional(options.maxBatchSize, (v) => assertCount("maxBatchSize", v));
  optional(options.maxQueued, (v) => assertCount("maxQueued", v));
  optional(options.overflow, (v) => {
    if (v !== "reject" && v !== "split")
      throw new TypeError(`Expected overflow to be "reject" or "split", got ${describeValue(v)}`);
  });
}

/** What the feature reads of `execute()`'s options. */
interface BatchWindowOptions {
  readonly collect?: boolean;
  readonly concurrency?: number;
}

/**
 * The batch-limits feature. `concurrency` is the executor's global limit: a streamed batch keeps
 * at most twice that many calls live (and at least 1,024), so that its outcomes cannot pile up
 * faster than the limit lets calls run.
 */
export function batchLimits<C extends FeatureCall>(
  options: BatchLimitOptions,
  concurrency: number,
): (host: FeatureHost<C>) => Feature<C> {
  const maxBatchSize = options.maxBatchSize ?? Number.POSITIVE_INFINITY;
  const split = options.overflow === "split";
  const maxQueued = options.maxQueued ?? Number.POSITIVE_INFINITY;
  const streamWindow = Math.max(1_024, 2 * concurrency);
  return (host) => {
    const feature: Feature<C> = {
      name: "batch limits",
      batch(batch: FeatureBatch, opts: BatchWindowOptions): void {
        let window = batch.window;
        if (opts.collect === false) window = Math.min(window, streamWindow);
        if (opts.concurrency !== undefined) window = Math.min(window, opts.concurrency);
        if (split && batch.size > maxBatchSize) window = Math.min(window, maxBatchSize);
        batch.window = window;
      },
    };
    if (!split && maxBatchSize !== Number.POSITIVE_INFINITY) {
      feature.admit = (batch, index) =>
        index < maxBatchSize
          ? undefined
          : {
              kind: "rejected",
              message: `Batch too large: ${batch.size} calls, maxBatchSize ${maxBatchSize}; call ${index} is beyond it (pass overflow: "split" to run big batches in chunks)`,
            };
    }
    if (maxQueued !== Number.POSITIVE_INFINITY) {
      feature.accept = (call): OutcomeError | undefined => {
        // Full even after starting what can start now (a batch fills the queue before draining it).
        if (host.queued + host.held < maxQueued) return undefined;
        host.drain();
        if (host.queued + host.held < maxQueued) return undefined;
        const held = host.held > 0 ? `, ${host.held} held` : "";
        return {
          kind: "rejected",
          message: `queue full: ${host.queued} queued${held}, ${host.running} running (maxQueued ${maxQueued}); call "${call.id}" to "${call.tool.name}" was not queued`,
        };
      };
    }
    return feature;
  };
}
