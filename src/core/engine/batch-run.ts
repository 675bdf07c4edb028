import type { AttemptInvoker } from "../attempt-invoker.js";
import type { Batch } from "../batch.js";
import type { VolleyError } from "../errors/volley-error.js";
import type { FeatureBatch } from "../features/feature.js";
import type { PriorityClass } from "../features/fairness/fair-queue.js";
import type { Outcome, Report } from "../outcome.js";
import { BatchSink } from "./batch-sink.js";

/** Who ends a batch its caller cancels (one per executor, so that a batch makes no closure). */
export interface BatchCanceller<R> {
  cancel(run: R, reason: unknown): void;
}

/**
 * A batch as the engine tracks it; the object `execute()` returns. Internal. Generic in the type
 * of its calls, so that the call state can point at its batch without an import cycle.
 *
 * It is the report's promise itself, not a thenable around one: `await batch` then takes the
 * engine's native path (a thenable costs an extra job and a second promise per batch, about a
 * tenth of a one-call batch). Its prototype's `constructor` is `Promise`, so that `then()` makes
 * plain promises (never a `BatchRun`) and `await` sees a native promise.
 *
 * Who writes what: `execute()` sets it up; admission reads `input` through its cursor
 * (`nextIndex`, `live`, `admitting`, `seen`, `prior`) and fills `calls`; the settle point empties
 * the slot of each call that ends; delivery counts `pending` down; the features set the window
 * and the fair-sharing fields in their `batch` hook; the executor ends it (`endReason`).
 */
export class BatchRun<C extends object, O extends Outcome = Outcome>
  extends Promise<Report<O>>
  implements Batch<O>, FeatureBatch
{
  readonly sink: BatchSink<O>;
  readonly size: number;
  /** Unfinished calls by index; a slot empties when its call ends, so memory follows the work left. */
  readonly calls: Array<C | undefined>;
  /** Outcomes not yet delivered. */
  pending: number;
  /** Set when the whole batch was ended (deadline, cancel): calls admitted later end with it. */
  endReason: VolleyError | undefined = undefined;
  deadlineTimer: unknown = undefined;
  signal: AbortSignal | undefined = undefined;
  /** The calls as given, read in order; let go of once every call is read. */
  input: readonly unknown[];
  nextIndex = 0;
  /** Calls admitted and not yet ended. */
  live = 0;
  /** Calls held back by a feature now. */
  held = 0;
  /** Most calls live at once (see {@link FeatureBatch.window}). */
  window = Number.POSITIVE_INFINITY;
  admitting = false;
  /** The ids read so far (batches of more than one call), to refuse a repeated one. */
  seen: Set<string> | undefined;
  /** Outcomes a journal already holds for this batch, by call id. */
  prior: Map<string, Outcome> | undefined = undefined;
  /** Told after each delivered outcome while others are pending (see {@link FeatureBatch.watch}). */
  watch: (() => void) | undefined = undefined;
  /** Priority of the batch's calls that set none (`execute()`'s `priority`). */
  defaultPriority: number | undefined = undefined;
  /** Runs this batch's attempts in place of the tools' own functions (`execute`'s `invoke`). */
  invoke: AttemptInvoker | undefined = undefined;
  tenant: string | undefined = undefined;
  weight: number | undefined = undefined;
  priorityClass: PriorityClass | undefined = undefined;
  readonly #resolve: (report: Report<O>) => void;
  #id: string | undefined;
  /** The batch deadline (epoch ms), or `Infinity`. */
  readonly deadlineAt: number;

  /** @param id the caller's batch id; `undefined` for a random UUID, made when first read */
  constructor(
    id: string | undefined,
    input: readonly unknown[],
    readonly startedAt: number,
    /** The batch's time budget from `execute()` (ms), or `Infinity`. */
    readonly deadlineMs: number,
    collect: boolean,
    private readonly canceller: BatchCanceller<BatchRun<C, O>>,
  ) {
    let resolve!: (report: Report<O>) => void;
    super((r) => (resolve = r));
    this.#resolve = resolve;
    const size = input.length;
    this.#id = id;
    this.deadlineAt = startedAt + deadlineMs;
    this.input = input;
    this.size = size;
    this.seen = size > 1 ? new Set<string>() : undefined;
    this.sink = new BatchSink<O>(size, collect);
    this.calls = new Array<C | undefined>(size);
    this.pending = size;
  }

  get id(): string {
    // Most batches' ids are never read (no journal, no listener, no tool asking): a UUID costs
    // more than running a call, so it is made on demand.
    return (this.#id ??= crypto.randomUUID());
  }

  get done(): boolean {
    return this.sink.done;
  }

  /** Calls not yet read by admission. */
  get unread(): number {
    return this.input.length - this.nextIndex;
  }

  /**
   * Admission would read another call now: some are unread, and the window has room for one
   * (the window holds live calls and the outcomes a streamed batch's slowest reader has not read
   * yet; an ended batch's calls end as they are read, so only the latter).
   */
  get canAdmit(): boolean {
    return (
      this.nextIndex < this.input.length &&
      (this.endReason === undefined ? this.live : 0) + this.sink.backlog() < this.window
    );
  }

  /**
   * Ended (deadline, cancel), or about to be: its signal aborted, and the batches sharing that
   * signal are ended one after another.
   */
  get ended(): boolean {
    return this.endReason !== undefined || this.signal?.aborted === true;
  }

  [Symbol.asyncIterator](): AsyncIterator<O> {
    return this.sink.iterate();
  }

  cancel(reason?: unknown): void {
    this.canceller.cancel(this, reason);
  }

  /** Called by the signal hub when the caller's signal aborts. */
  abortFromSignal(reason: unknown): void {
    this.canceller.cancel(this, reason);
  }

  /** Resolves the batch's promise. */
  complete(report: Report<O>): void {
    this.#resolve(report);
  }
}

// `then()`, `catch()` and `finally()` make their promises with `this.constructor`: `Promise`, not
// `BatchRun`, whose constructor takes other arguments. And `await` treats a promise whose
// `constructor` is `Promise` as native, without a job to call its `then`.
Object.defineProperty(BatchRun.prototype, "constructor", {
  value: Promise,
  writable: true,
  configurable: true,
});
