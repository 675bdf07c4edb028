import type { Batch } from "./batch.js";
import { BatchSink } from "./batch.js";
import type { CallOwner, CallState } from "./call-state.js";
import type { VolleyError } from "./errors/volley-error.js";
import type { AttemptInvoker } from "./attempt-invoker.js";
import type { PriorityClass } from "./fair-queue.js";
import type { Outcome, Report } from "./outcome.js";

/** A batch as the executor tracks it; the object `execute()` returns. Internal. */
export class BatchRun<O extends Outcome = Outcome> implements Batch<O>, CallOwner {
  readonly sink: BatchSink<O>;
  readonly size: number;
  /** Unfinished calls by index; a slot empties when its call ends, so memory follows the work left. */
  readonly calls: Array<CallState | undefined>;
  /** Outcomes not yet delivered. */
  pending: number;
  /** Set when the whole batch was ended (deadline, cancel): calls admitted later end with it. */
  endReason: VolleyError | undefined = undefined;
  deadlineTimer: unknown = undefined;
  signal: AbortSignal | undefined = undefined;
  // Admission: calls are read from `input` in order. With `collect: false` only `window` calls
  // are admitted at a time, so a batch of a million calls holds a window's state, not a million.
  input: readonly unknown[];
  nextIndex = 0;
  /** Calls admitted and not yet ended. */
  live = 0;
  window = Number.POSITIVE_INFINITY;
  admitting = false;
  seen: Set<string> | undefined;
  prior: Map<string, Outcome> | undefined = undefined;
  defaultPriority: number | undefined = undefined;
  /** Runs this batch's attempts in place of the tools' own functions (`execute`'s `invoke`). */
  invoke: AttemptInvoker | undefined = undefined;
  /** Fair sharing (set from `execute()`'s options). */
  tenant: string | undefined = undefined;
  weight: number | undefined = undefined;
  priorityClass: PriorityClass | undefined = undefined;
  /** Sequential groups of the calls that name one, by index. */
  groups: Map<number, string> | undefined = undefined;
  /** Calls from this index on end `rejected` (the batch is over `maxBatchSize`). */
  rejectFrom = Number.POSITIVE_INFINITY;
  readonly #report: Promise<Report<O>>;
  #resolve!: (report: Report<O>) => void;

  constructor(
    readonly id: string,
    input: readonly unknown[],
    readonly startedAt: number,
    readonly deadlineAt: number,
    collect: boolean,
    private readonly onCancel: (run: BatchRun<O>, reason: unknown) => void,
  ) {
    const size = input.length;
    this.input = input;
    this.size = size;
    this.seen = size > 1 ? new Set<string>() : undefined;
    this.sink = new BatchSink<O>(size, collect);
    this.calls = new Array<CallState | undefined>(size);
    this.pending = size;
    this.#report = new Promise<Report<O>>((resolve) => (this.#resolve = resolve));
  }

  get done(): boolean {
    return this.sink.done;
  }

  then<A = Report<O>, B = never>(
    onfulfilled?: ((report: Report<O>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#report.then(onfulfilled, onrejected);
  }

  [Symbol.asyncIterator](): AsyncIterator<O> {
    return this.sink.iterate();
  }

  cancel(reason?: unknown): void {
    this.onCancel(this, reason);
  }

  /** Called by the signal hub when the caller's signal aborts. */
  abortFromSignal(reason: unknown): void {
    this.onCancel(this, reason);
  }

  /** Resolves the batch's promise. */
  complete(report: Report<O>): void {
    this.#resolve(report);
  }
}
