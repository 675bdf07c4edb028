/**
 * The batch sink: where a batch's outcomes go as they are published, for its report and its
 * iterators. Each iterator keeps its own place (an outcome's number in finishing order), so any
 * number of iterators, and any number of `next()` calls pending on each, see the outcomes in
 * order, each once.
 *
 * - `collect: true` (the default) keeps every outcome: the report needs them in call order,
 *   and an iterator reads them in finishing order from the first. While outcomes arrive in call
 *   order (always, for a batch of one call) the call-order array is the finishing order too, and
 *   no second array is made.
 * - `collect: false` keeps an outcome only until every live iterator has read it, and none at
 *   all while no iterator is live (the outcomes are only counted). Admission asks
 *   {@link BatchSink.backlog} how far the slowest reader lags, and pauses while the lag and the
 *   live calls fill the batch's window; the sink calls {@link BatchSink.onRoom} when that reader
 *   reads on, so that admission resumes.
 *
 * A batch of one call awaited, never iterated, makes the sink and its call-order array and
 * nothing else until the report; iterators, their queues of pending `next()`s and the per-kind
 * counters are made when first needed.
 */
import type { ErrorKind, Outcome, OutcomeError, Report, ReportCounts } from "../outcome.js";

type Resolve<O> = (result: IteratorResult<O>) => void;

/** Outcomes read by every reader are let go of in chunks of at least this many (O(1) a read). */
const COMPACT_AT = 1_024;

/** The per-kind counts of a batch with no error (shared, so that such a batch makes none). */
const NO_ERRORS: ReportCounts["byKind"] = Object.freeze({});

const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true });

/** The resolve function of the promise being made; see {@link capture}. */
let captured: Resolve<never> | undefined;

/** A promise executor that hands out its resolve function, so that a pending `next()` makes no closure. */
function capture(resolve: Resolve<never>): void {
  captured = resolve;
}

/** Delivers a batch's outcomes to its report and its iterators. Internal. */
export class BatchSink<O extends Outcome = Outcome> {
  /**
   * Told, at most once per call of {@link backlog} that found outcomes unread, when the slowest
   * reader read one or left (`collect: false`). Set by the executor: it resumes admission.
   */
  onRoom: (() => void) | undefined = undefined;
  readonly #collect: boolean;
  /** The outcomes by call index (`collect: true`). */
  readonly #byIndex: O[];
  /**
   * `collect: true`: the outcomes in finishing order, made when one first arrives out of call
   * order (until then `#byIndex` is the finishing order). `collect: false`: outcomes number
   * `#base` on, of which those from `#floor` on are still unread by some live iterator (those
   * before it are `undefined`, let go of).
   */
  #log: Array<O | undefined> | undefined = undefined;
  #base = 0;
  /** The place of the slowest live iterator (`collect: false`). */
  #floor = 0;
  /** The live iterators: not returned, not yet done. */
  #iterators: SinkIterator<O>[] | undefined = undefined;
  #ok = 0;
  #error = 0;
  #byKind: Partial<Record<ErrorKind, number>> | undefined = undefined;
  /** Admission saw outcomes unread: tell it when they are read. */
  #wake = false;
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

  /**
   * Outcomes the slowest live iterator has not read yet: with `collect: false`, what the sink
   * holds (0 with `collect: true`, which holds them all anyway, and with no live iterator).
   */
  get unread(): number {
    if (this.#collect || this.#iterators === undefined) return 0;
    return this.#ok + this.#error - this.#floor;
  }

  /**
   * {@link unread}, for admission to pause on: when it is not 0, the sink calls `onRoom` once the
   * slowest reader reads on or leaves.
   */
  backlog(): number {
    if (this.#collect || this.#iterators === undefined) return 0;
    const unread = this.#ok + this.#error - this.#floor;
    if (unread > 0) this.#wake = true;
    return unread;
  }

  /** Records one outcome and hands it to the iterators waiting for one. */
  push(outcome: O): void {
    const seq = this.#ok + this.#error;
    if (outcome.status === "ok") this.#ok++;
    else {
      this.#error++;
      const byKind = (this.#byKind ??= {});
      const kind = outcome.error.kind;
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    }
    const iterators = this.#iterators;
    if (this.#collect) {
      const byIndex = this.#byIndex;
      if (this.#log !== undefined) this.#log.push(outcome);
      else if (outcome.index !== seq) {
        // The first outcome out of call order: from here on, the finishing order is its own array.
        const log: O[] = byIndex.slice(0, seq);
        log.push(outcome);
        this.#log = log;
      }
      byIndex[outcome.index] = outcome;
      if (iterators !== undefined) {
        for (let i = 0; i < iterators.length; i++) {
          const it = iterators[i]!;
          if (it.waiting !== undefined) {
            it.place = seq + 1;
            it.settle({ value: outcome, done: false });
          }
        }
      }
      return;
    }
    // collect: false: with no live iterator the outcome is only counted.
    if (iterators === undefined) return;
    let unread = false;
    for (let i = 0; i < iterators.length; i++) {
      const it = iterators[i]!;
      if (it.waiting !== undefined) {
        it.place = seq + 1;
        it.settle({ value: outcome, done: false });
      } else unread = true;
    }
    const log = this.#log!;
    if (unread) log.push(outcome);
    else {
      // Every reader was waiting, so every earlier outcome is read too.
      log.length = 0;
      this.#base = this.#floor = seq + 1;
    }
  }

  /** Marks the batch complete and builds its report. */
  finish(wallMs: number): Report<O> {
    this.#done = true;
    this.onRoom = undefined;
    const iterators = this.#iterators;
    if (iterators !== undefined) {
      // A waiting iterator has read everything: it is done. The others read on to the end.
      for (let i = iterators.length - 1; i >= 0; i--) {
        const it = iterators[i]!;
        if (it.waiting !== undefined) this.#leave(it);
      }
    }
    const counts: ReportCounts = {
      total: this.#ok + this.#error,
      ok: this.#ok,
      error: this.#error,
      byKind: this.#byKind ?? NO_ERRORS,
    };
    return new BatchReport(this.#byIndex, wallMs, counts) as unknown as Report<O>;
  }

  /**
   * An iterator over the outcomes in finishing order: from the first with `collect: true`, from
   * the next published with `collect: false`.
   */
  iterate(): AsyncIterator<O> & AsyncIterable<O> {
    const collect = this.#collect;
    const published = this.#ok + this.#error;
    const it = new SinkIterator<O>(this, collect ? 0 : published);
    if (this.#done) return it;
    const iterators = this.#iterators;
    if (iterators !== undefined) iterators.push(it);
    else {
      this.#iterators = [it];
      if (!collect) {
        this.#log = [];
        this.#base = this.#floor = published;
      }
    }
    return it;
  }

  /** The iterator's `next()`. */
  next(it: SinkIterator<O>): Promise<IteratorResult<O>> {
    if (it.closed) return Promise.resolve(DONE);
    const place = it.place;
    if (place < this.#ok + this.#error) {
      it.place = place + 1;
      let value: O;
      if (this.#collect) value = (this.#log ?? this.#byIndex)[place]!;
      else {
        value = this.#log![place - this.#base]!;
        this.#readOn();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) {
      this.#leave(it);
      return Promise.resolve(DONE);
    }
    // Wait for the next outcome, after the other `next()`s already waiting on this iterator.
    const promise = new Promise<IteratorResult<O>>(capture);
    it.wait(captured as Resolve<O>);
    captured = undefined;
    return promise;
  }

  /** The iterator's `return()`: it ends, and its pending `next()`s resolve done. */
  close(it: SinkIterator<O>): Promise<IteratorResult<O>> {
    if (!it.closed) this.#leave(it);
    return Promise.resolve(DONE);
  }

  /** An iterator ends: it is done, or returned. */
  #leave(it: SinkIterator<O>): void {
    it.closed = true;
    while (it.waiting !== undefined) it.settle(DONE);
    const iterators = this.#iterators;
    if (iterators === undefined) return;
    const at = iterators.indexOf(it);
    if (at < 0) return;
    iterators[at] = iterators[iterators.length - 1]!;
    iterators.pop();
    if (iterators.length === 0) {
      this.#iterators = undefined;
      if (!this.#collect) {
        // No reader left: nothing is held, and the outcomes from here on are only counted.
        this.#log = undefined;
        this.#base = this.#floor = this.#ok + this.#error;
        this.#wakeAdmission();
      }
    } else if (!this.#collect) this.#readOn();
  }

  /** `collect: false`: an iterator read on or left; let go of what every live one has read. */
  #readOn(): void {
    const iterators = this.#iterators!;
    let floor = iterators[0]!.place;
    for (let i = 1; i < iterators.length; i++) floor = Math.min(floor, iterators[i]!.place);
    const from = this.#floor;
    if (floor === from) return;
    const log = this.#log!;
    const base = this.#base;
    if (floor === this.#ok + this.#error) {
      log.length = 0;
      this.#base = floor;
    } else if (floor - base >= COMPACT_AT && 2 * (floor - base) >= log.length) {
      // Each outcome is copied at most once per COMPACT_AT reads: O(1) a read.
      this.#log = log.slice(floor - base);
      this.#base = floor;
    } else {
      for (let i = from - base; i < floor - base; i++) log[i] = undefined;
    }
    this.#floor = floor;
    this.#wakeAdmission();
  }

  #wakeAdmission(): void {
    if (!this.#wake) return;
    this.#wake = false;
    this.onRoom?.();
  }
}

/** One iteration over a batch's outcomes. Its state is the sink's to change. Internal. */
class SinkIterator<O extends Outcome> implements AsyncIterator<O>, AsyncIterable<O> {
  /** The number (in finishing order) of the next outcome it yields. */
  place: number;
  /** The oldest pending `next()`; `undefined` when none is pending. */
  waiting: Resolve<O> | undefined = undefined;
  /** The later pending `next()`s, from `head` on (made when two are pending at once). */
  #queue: Array<Resolve<O> | undefined> | undefined = undefined;
  #head = 0;
  /** Returned or done: every later `next()` is done. */
  closed = false;
  readonly #sink: BatchSink<O>;

  constructor(sink: BatchSink<O>, place: number) {
    this.#sink = sink;
    this.place = place;
  }

  next(): Promise<IteratorResult<O>> {
    return this.#sink.next(this);
  }

  return(): Promise<IteratorResult<O>> {
    return this.#sink.close(this);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Queues a pending `next()`. */
  wait(resolve: Resolve<O>): void {
    if (this.waiting === undefined) this.waiting = resolve;
    else (this.#queue ??= []).push(resolve);
  }

  /** Resolves the oldest pending `next()`. */
  settle(result: IteratorResult<O>): void {
    const resolve = this.waiting!;
    const queue = this.#queue;
    if (queue !== undefined && this.#head < queue.length) {
      this.waiting = queue[this.#head];
      queue[this.#head++] = undefined;
      if (this.#head === queue.length) {
        queue.length = 0;
        this.#head = 0;
      }
    } else this.waiting = undefined;
    resolve(result);
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
