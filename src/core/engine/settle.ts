/**
 * The settle point: the one place where a call ends. It builds every outcome and updates every
 * outcome counter and statistic, whatever the path: ok, each error kind, recovered (a default
 * value or a fallback tool), deduped, replayed from the journal, or refused before it ran. Then
 * it hands the outcome on (journal, caller, events) and tells the engine the call ended, so that
 * its features let go of it and its batch admits the next call.
 *
 * "Exactly one outcome per call" is a property of this class: a call that is already done is
 * never ended again, and an outcome literal is written nowhere else in the core.
 */
import type { Clock } from "../clock.js";
import type { ErrorKind, Outcome, OutcomeError } from "../outcome.js";
import type { BatchRun } from "./batch-run.js";
import { CallPhase, type CallState } from "./call-state.js";
import type { Delivery } from "./delivery.js";

/** The executor's outcome counters. */
export class OutcomeCounters {
  finished = 0;
  ok = 0;
  failed = 0;
}

/** What the engine does once a placed call has ended. */
export type EndedListener = (call: CallState, outcome: Outcome) => void;

/** Where a batch's calls end. Internal to the executor. */
export class Settle {
  readonly counters = new OutcomeCounters();
  readonly #clock: Clock;
  readonly #delivery: Delivery<CallState>;
  readonly #onEnded: EndedListener;
  readonly #onReleased: (run: BatchRun<CallState>) => void;

  /**
   * @param onEnded told after a placed call's outcome is delivered: its features' `ended` hooks
   * @param onReleased told when a call gave up its place in its batch's window of live calls
   */
  constructor(
    clock: Clock,
    delivery: Delivery<CallState>,
    onEnded: EndedListener,
    onReleased: (run: BatchRun<CallState>) => void,
  ) {
    this.#clock = clock;
    this.#delivery = delivery;
    this.#onEnded = onEnded;
    this.#onReleased = onReleased;
  }

  // ─── calls that never became live: refused as they were read ──────────────

  /**
   * Ends call `index` as admission reads it: malformed, a repeated id, an unknown tool, bad
   * overrides, beyond the batch's size limit, or its batch already ended. `record: false` keeps it
   * out of the journal (a malformed call's id is a placeholder or another call's).
   */
  early(
    run: BatchRun<CallState>,
    index: number,
    id: string,
    name: string,
    error: OutcomeError,
    record: boolean,
  ): void {
    this.#count(error.kind);
    this.#delivery.deliver(run, notStarted(id, index, name, error), record);
  }

  /** Delivers an outcome the journal already holds, as it was (counted by the run that made it). */
  replay(run: BatchRun<CallState>, index: number, outcome: Outcome): void {
    this.#delivery.publish(run, { ...outcome, index, replayed: true });
  }

  /**
   * Ends a live call that was never placed: its arguments failed its schema, its batch ended or a
   * feature refused it while it was being checked.
   */
  refused(call: CallState, error: OutcomeError): void {
    if (call.phase === CallPhase.Done) return;
    call.phase = CallPhase.Done;
    const run = call.batch;
    if (run.calls[call.index] === call) run.calls[call.index] = undefined;
    run.live--;
    this.#count(error.kind);
    this.#delivery.deliver(run, notStarted(call.id, call.index, call.name, error), true);
    this.#onReleased(run);
  }

  // ─── placed calls ─────────────────────────────────────────────────────────

  /**
   * The call's attempt returned `value` (at `now`): it ends `ok`, recovered when a fallback tool
   * ran it.
   */
  ok(call: CallState, value: unknown, now: number): void {
    if (call.phase === CallPhase.Done) return;
    const from = call.recoveredFrom;
    call.tool.counters.ok++;
    // Two literals rather than a conditional spread: this is every successful call's path.
    this.#end(
      call,
      now,
      from === undefined
        ? {
            id: call.id,
            index: call.index,
            name: call.name,
            status: "ok",
            value,
            startedAt: call.startedAt,
            durationMs: now - call.startedAt,
            attempts: call.attempt,
          }
        : {
            id: call.id,
            index: call.index,
            name: call.name,
            status: "ok",
            value,
            startedAt: call.startedAt,
            durationMs: now - call.startedAt,
            attempts: call.attempts,
            recoveredBy: "fallback",
            recoveredFrom: from,
          },
    );
  }

  /**
   * The call failed for good with `error`. A call a fallback ran ends with its first error, the
   * fallback's added, unless the batch's time or the caller's interest ran out.
   */
  error(call: CallState, error: OutcomeError): void {
    if (call.phase === CallPhase.Done) return;
    call.tool.counters.failed++;
    const from = call.recoveredFrom;
    const outcomeError =
      from === undefined || error.kind === "deadline" || error.kind === "cancelled"
        ? error
        : {
            ...from,
            message: `${from.message} (fallback "${call.tool.name}" failed too: ${error.message})`,
            data: { ...from.data, fallback: call.tool.name, fallbackError: error },
          };
    const started = call.attempts > 0;
    const now = started ? this.#clock.now() : Number.NaN;
    this.#end(call, now, {
      id: call.id,
      index: call.index,
      name: call.name,
      status: "error",
      error: outcomeError,
      startedAt: started ? call.startedAt : null,
      durationMs: started ? now - call.startedAt : 0,
      attempts: call.attempts,
    });
  }

  /** The call failed with `error`, and its tool's recovery gives it `value`: it ends `ok`. */
  recovered(call: CallState, value: unknown, error: OutcomeError): void {
    if (call.phase === CallPhase.Done) return;
    const counters = call.tool.counters;
    counters.failed++;
    counters.recovered++;
    const started = call.attempts > 0;
    const now = started ? this.#clock.now() : Number.NaN;
    this.#end(call, now, {
      id: call.id,
      index: call.index,
      name: call.name,
      status: "ok",
      value,
      startedAt: started ? call.startedAt : null,
      durationMs: started ? now - call.startedAt : 0,
      attempts: call.attempts,
      recoveredBy: "default",
      recoveredFrom: error,
    });
  }

  /** The call ends with the outcome of an identical call (in flight, or cached). */
  deduped(call: CallState, source: Outcome): void {
    if (call.phase === CallPhase.Done) return;
    if (source.status === "ok") call.tool.counters.ok++;
    else call.tool.counters.failed++;
    // The identical call's own review is not this call's: this call's is added at its end.
    const { replayed: _replayed, approval: _approval, ...rest } = source;
    this.#end(call, Number.NaN, {
      ...rest,
      id: call.id,
      index: call.index,
      deduped: true,
    } as Outcome);
  }

  /**
   * The call leaves its tool for a fallback: that tool counts it finished, failed and recovered;
   * the call's outcome comes later, from the fallback.
   */
  leave(call: CallState): void {
    if (call.phase === CallPhase.Done) return;
    const counters = call.tool.counters;
    counters.failed++;
    counters.finished++;
    counters.recovered++;
  }

  /** The end of every placed call (the callers checked it was not done); `now` when the clock was read for it, else `NaN`. */
  #end(call: CallState, now: number, outcome: Outcome): void {
    call.phase = CallPhase.Done;
    const approval = call.approval;
    if (approval !== undefined) outcome = { ...outcome, approval };
    call.tool.counters.finished++;
    this.#count(outcome.status === "ok" ? undefined : outcome.error.kind);
    const run = call.batch;
    run.calls[call.index] = undefined;
    run.live--;
    this.#delivery.deliver(run, outcome, true, now);
    this.#onEnded(call, outcome);
    this.#onReleased(run);
  }

  #count(kind: ErrorKind | undefined): void {
    const counters = this.counters;
    counters.finished++;
    if (kind === undefined) counters.ok++;
    else counters.failed++;
  }
}

/** The outcome of a call that ended before any attempt started. */
function notStarted(id: string, index: number, name: string, error: OutcomeError): Outcome {
  return { id, index, name, status: "error", error, startedAt: null, durationMs: 0, attempts: 0 };
}
