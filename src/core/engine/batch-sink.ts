import type { ErrorKind, Outcome, OutcomeError, Report, ReportCounts } from "../outcome.js";

interface Waiter<O> {
  resolve(result: IteratorResult<O>): void;
}

/** Delivers a batch's outcomes to its report and its iterators. Internal. */
export class BatchSink<O extends Outcome = Outcome> {
  readonly #collect: boolean;
  readonly #byIndex: O[];
  readonly #inOrder: O[] = [];
  /** Live iterators' buffers and waiters (collect: false). */
  readonly #streams = new Set<{ buffer: O[]; head: number; waiter: Waiter<O> | undefined }>();
  /** Iterators waiting for outcome number `n` (collect: true). */
  #waiters: Array<{ at: number; waiter: Waiter<O> }> = [];
  #ok = 0;
  #error = 0;
  #byKind: Partial<Record<ErrorKind, number>> = {};
  #done = false;

  constructor(size: number, collect: boolean) {
    this.#collect = collect;
    this.#byIndex = collect ? new Array<O>(size) : [];
  }

  get done(): boolean {
    return this.#done;
  }

  get delivered(): number {
    return this.#ok + this.#error;
  }

  /** Records one outcome and wakes the iterators. */
  push(outcome: O): void {
    if (outcome.status === "ok") this.#ok++;
    else {
      this.#error++;
      const kind = outcome.error.kind;
      this.#byKind[kind] = (this.#byKind[kind] ?? 0) + 1;
    }
    if (this.#collect) {
      this.#byIndex[outcome.index] = outcome;
      this.#inOrder.push(outcome);
      if (this.#waiters.length > 0) {
        const waiting = this.#waiters;
        this.#waiters = [];
        for (const { at, waiter } of waiting)
          waiter.resolve({ value: this.#inOrder[at]!, done: false });
      }
    } else {
      for (const stream of this.#streams) {
        if (stream.waiter) {
          const waiter = stream.waiter;
          stream.waiter = undefined;
          waiter.resolve({ value: outcome, done: false });
        } else stream.buffer.push(outcome);
      }
    }
  }

  /** Marks the batch complete and builds its report. */
  finish(wallMs: number): Report<O> {
    this.#done = true;
    for (const { waiter } of this.#waiters) waiter.resolve({ value: undefined, done: true });
    this.#waiters = [];
    for (const stream of this.#streams) {
      if (stream.waiter && stream.head >= stream.buffer.length)
        stream.waiter.resolve({ value: undefined, done: true });
    }
    const counts: ReportCounts = {
      total: this.#ok + this.#error,
      ok: this.#ok,
      error: this.#error,
      byKind: this.#byKind,
    };
    return new BatchReport(this.#byIndex, wallMs, counts) as unknown as Report<O>;
  }

  /** An iterator over the outcomes, in finishing order. */
  iterate(): AsyncIterator<O> {
    if (this.#collect) {
      let at = 0;
      const inOrder = this.#inOrder;
      return {
        next: () => {
          if (at < inOrder.length) return Promise.resolve({ value: inOrder[at++]!, done: false });
          if (this.#done) return Promise.resolve({ value: undefined, done: true });
          const want = at++;
          return new Promise((resolve) => this.#waiters.push({ at: want, waiter: { resolve } }));
        },
        return: () => Promise.resolve({ value: undefined, done: true }),
      };
    }
    const stream = { buffer: [] as O[], head: 0, waiter: undefined as Waiter<O> | undefined };
    if (!this.#done) this.#streams.add(stream);
    return {
      next: () => {
        if (stream.head < stream.buffer.length) {
          const value = stream.buffer[stream.head++]!;
          // Compact now and then, so a slow reader costs O(1) per outcome, not O(buffer).
          if (stream.head > 1024 && stream.head * 2 > stream.buffer.length) {
            stream.buffer = stream.buffer.slice(stream.head);
            stream.head = 0;
          }
          return Promise.resolve({ value, done: false });
        }
        if (this.#done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (stream.waiter = { resolve }));
      },
      return: () => {
        this.#streams.delete(stream);
        stream.buffer = [];
        stream.head = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/**
 * A report whose `results` and `errors` maps are built on first read: many callers only walk
 * `outcomes`, and keying thousands of ids costs more than running the calls.
 */
class BatchReport<O extends Outcome> {
  #results: Record<string, unknown> | undefined;
  #errors: Record<string, OutcomeError> | undefined;

  constructor(
    readonly outcomes: readonly O[],
    readonly wallMs: number,
    readonly counts: ReportCounts,
  ) {}

  get results(): Record<string, unknown> {
    if (this.#results === undefined) this.#build();
    return this.#results!;
  }

  get errors(): Record<string, OutcomeError> {
    if (this.#errors === undefined) this.#build();
    return this.#errors!;
  }

  #build(): void {
    const results: Record<string, unknown> = Object.create(null);
    const errors: Record<string, OutcomeError> = Object.create(null);
    for (const outcome of this.outcomes) {
      // The first call to use an id owns its key; `outcomes` has the later duplicates.
      if (outcome.id in results || outcome.id in errors) continue;
      if (outcome.status === "ok") results[outcome.id] = outcome.value;
      else errors[outcome.id] = outcome.error;
    }
    this.#results = results;
    this.#errors = errors;
  }

  toJSON(): {
    outcomes: readonly O[];
    results: Record<string, unknown>;
    errors: Record<string, OutcomeError>;
    wallMs: number;
    counts: ReportCounts;
  } {
    return {
      outcomes: this.outcomes,
      results: this.results,
      errors: this.errors,
      wallMs: this.wallMs,
      counts: this.counts,
    };
  }
}
