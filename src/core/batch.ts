import type { Outcome, Report } from "./outcome.js";

/**
 * A running batch: await it for the {@link Report}, or iterate it for each outcome as it
 * finishes.
 *
 * Every iteration yields every outcome once, in finishing order: from the first, or with
 * `collect: false` from the first published after the iterator was made. Any number of
 * iterations may run over one batch. `next()` may be called again before the last call settles:
 * each call gets the next outcome, in order, and those made after the last outcome resolve
 * done. `return()` (what `break` in `for await` calls) ends that iteration, its pending `next()`s
 * resolve done, and it does not cancel the batch.
 *
 * With `collect: false` the batch keeps an outcome only until every live iteration has read it,
 * and reads its calls a window at a time (1,024 calls or twice the executor's `concurrency`,
 * whichever is more; at most `execute()`'s `concurrency`). While an iteration is live, the
 * window holds both the batch's live calls and the outcomes its slowest iteration has not read
 * yet, so a reader slower than the tools holds the batch back rather than letting outcomes pile
 * up. Calls already running are not held back; only reading further calls pauses, and it
 * resumes as the reader reads on. An iteration made and then neither read to its end nor
 * returned therefore holds the batch until it is; a batch that is only awaited, never iterated,
 * is never held back (its outcomes are only counted).
 *
 * @example
 * const batch = executor.execute(calls, { collect: false });
 * for await (const outcome of batch) await save(outcome); // the tools keep pace with save()
 * const { counts } = await batch;
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
