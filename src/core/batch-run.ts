import type { Batch } from "./batch.js";
import { BatchSink } from "./batch.js";
import type { CallOwner, CallState } from "./call-state.js";
import type { VolleyError } from "./errors/volley-error.js";
import type { AttemptInvoker } from "./attempt-invoker.js";
import type { Outcome, Report } from "./outcome.js";

/** A batch as the executor tracks it; the object `execute()` returns. Internal. */
export class BatchRun<O extends Outcome = Outcome> implements Batch<O>, CallOwner {
  readonly sink: BatchSink<O>;
  /** Unfinished calls by index; a slot empties when its call ends, so memory follows the work left. */
  readonly calls: Array<CallState | undefined>;
  /** Outcomes not yet delivered. */
  pending: number;
  /** Set when the whole batch was ended (deadline, cancel): calls admitted later end with it. */
  endReason: VolleyError | undefined = undefined;
  deadlineTimer: unknown = undefined;
  signal: AbortSignal | undefined = undefined;
  /** Runs this batch's attempts in place of the tools' own functions (`execute`'s `invoke`). */
  invoke: AttemptInvoker | undefined = undefined;
  readonly #report: Promise<Report<O>>;
  #resolve!: (report: Report<O>) => void;

  constructor(
    readonly id: string,
    readonly size: number,
    readonly startedAt: number,
    readonly deadlineAt: number,
    collect: boolean,
    private readonly onCancel: (run: BatchRun<O>, reason: unknown) => void,
  ) {
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
