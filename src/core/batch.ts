import type { Outcome, Report } from "./outcome.js";

/**
 * A running batch: await it for the {@link Report}, or iterate it for each outcome as it
 * finishes. Every iteration yields every outcome in finishing order from the first (with
 * `collect: false`, those that finish after it starts); breaking out does not cancel the batch.
 */
export interface Batch<O extends Outcome = Outcome>
  extends PromiseLike<Report<O>>, AsyncIterable<O> {
  /** The batch's id: given in `execute(calls, { batchId })`, or generated. */
  readonly id: string;
  /** Calls in the batch. */
  readonly size: number;
  /** True once every outcome is delivered. */
  readonly done: boolean;
  /** Ends every unfinished call `cancelled` and aborts their signals. */
  cancel(reason?: unknown): void;
}
