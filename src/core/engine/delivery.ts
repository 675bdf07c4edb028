/**
 * Delivery: a decided outcome goes to the journal first, then to the caller (the batch's stream
 * and report) and the `call:finished` event, so that a resumed batch never re-runs a call whose
 * outcome anyone saw. The batch's last outcome completes it.
 */
import type { Clock } from "../clock.js";
import { errorText } from "../describe-value.js";
import type { EventHub } from "../events.js";
import type { Journal } from "../journal.js";
import type { Outcome } from "../outcome.js";
import type { BatchRun } from "./batch-run.js";

/** Hands outcomes on, in order: journal, then caller and events. Internal to the executor. */
export class Delivery<C extends object> {
  readonly #journal: Journal | undefined;
  readonly #journalTimeoutMs: number;
  readonly #clock: Clock;
  readonly #events: EventHub;
  readonly #onComplete: (run: BatchRun<C>, now: number) => void;

  /**
   * @param onComplete told when a batch's last outcome was published, with the time it was
   * decided (`NaN` when unknown: the clock must be read)
   */
  constructor(
    journal: Journal | undefined,
    journalTimeoutMs: number,
    clock: Clock,
    events: EventHub,
    onComplete: (run: BatchRun<C>, now: number) => void,
  ) {
    this.#journal = journal;
    this.#journalTimeoutMs = journalTimeoutMs;
    this.#clock = clock;
    this.#events = events;
    this.#onComplete = onComplete;
  }

  /**
   * Journals the outcome (when there is a journal and `record`), then publishes it. `now`: when
   * the outcome was decided, if the caller read the clock for it.
   */
  deliver(run: BatchRun<C>, outcome: Outcome, record: boolean, now = Number.NaN): void {
    const journal = record ? this.#journal : undefined;
    if (journal === undefined) {
      this.publish(run, outcome, now);
      return;
    }
    let written: void | Promise<void>;
    try {
      written = journal.record(run.id, outcome);
    } catch (error) {
      written = Promise.reject(error);
    }
    if (written instanceof Promise) this.#whenWritten(run, outcome, written);
    else this.publish(run, outcome);
  }

  /**
   * Publishes the outcome once the journal has it, or without it after `journalTimeoutMs` or at
   * the batch's deadline, whichever comes first: a journal that never answers cannot hang a batch.
   */
  #whenWritten(run: BatchRun<C>, outcome: Outcome, written: Promise<void>): void {
    const clock = this.#clock;
    const waitMs = Math.min(this.#journalTimeoutMs, Math.max(0, run.deadlineAt - clock.now()));
    let done = false;
    let timer: unknown;
    const finish = (problem: string | undefined, error?: unknown): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      if (problem !== undefined) warnJournal(problem, error);
      this.publish(run, outcome);
    };
    if (waitMs !== Number.POSITIVE_INFINITY) {
      timer = clock.setTimeout(
        () =>
          finish(
            `Journal did not record call "${outcome.id}" of batch "${run.id}" within ${Math.round(waitMs)} ms; delivering it unrecorded`,
            new Error("journal write timed out"),
          ),
        waitMs,
      );
    }
    written.then(
      () => finish(undefined),
      (error: unknown) =>
        finish(
          `Journal could not record call "${outcome.id}" of batch "${run.id}"; delivering it anyway`,
          error,
        ),
    );
  }

  /** Gives the outcome to the batch's stream and report and to `call:finished` listeners. */
  publish(run: BatchRun<C>, outcome: Outcome, now = Number.NaN): void {
    run.sink.push(outcome);
    if (this.#events.wants["call:finished"]) {
      this.#events.emit("call:finished", {
        batchId: run.id,
        callId: outcome.id,
        index: outcome.index,
        tool: outcome.name,
        outcome,
      });
    }
    if (--run.pending === 0) this.#onComplete(run, now);
    else run.watch?.();
  }
}

/** A journal failure: a process warning (the outcome is delivered all the same). */
export function warnJournal(message: string, error: unknown): void {
  process.emitWarning(`${message}: ${errorText(error)}`, {
    code: "VOLLEY_JOURNAL",
  });
}
