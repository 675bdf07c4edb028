/**
 * Reading a resumed batch's outcomes from its journal, defensively: a journal that throws,
 * rejects, never answers or holds malformed records must not hang the batch or put a malformed
 * outcome in it. What cannot be read is left out, with a `VOLLEY_JOURNAL` warning, and those
 * calls run again.
 */
import type { Clock } from "../clock.js";
import type { Journal } from "../journal.js";
import { ERROR_KINDS, type Outcome } from "../outcome.js";
import { warnJournal } from "./delivery.js";

/**
 * Loads `batchId`'s outcomes and hands them to `then`, by call id, once: when the journal
 * answers, or empty after `timeoutMs` (or at the batch deadline, `deadlineAt`) or on a failure.
 */
export function readJournal(
  journal: Journal,
  batchId: string,
  timeoutMs: number,
  deadlineAt: number,
  clock: Clock,
  then: (prior: Map<string, Outcome>) => void,
): void {
  let done = false;
  let timer: unknown;
  const finish = (prior: Map<string, Outcome>, problem?: string, error?: unknown): void => {
    if (done) return;
    done = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    if (problem !== undefined) warnJournal(problem, error);
    then(prior);
  };
  const fail = (error: unknown): void =>
    finish(new Map(), `Journal could not load batch "${batchId}"; running every call`, error);
  let loading: ReturnType<Journal["load"]>;
  try {
    loading = journal.load(batchId);
  } catch (error) {
    fail(error);
    return;
  }
  const waitMs = Math.min(timeoutMs, Math.max(0, deadlineAt - clock.now()));
  if (waitMs !== Number.POSITIVE_INFINITY) {
    timer = clock.setTimeout(
      () => fail(new Error(`no answer within ${Math.round(waitMs)} ms`)),
      waitMs,
    );
  }
  Promise.resolve(loading).then((records) => {
    let prior: Map<string, Outcome>;
    let skipped = 0;
    try {
      prior = new Map();
      for (const record of records as Iterable<unknown>) {
        if (isOutcome(record)) prior.set(record.id, record);
        else skipped++;
      }
    } catch (error) {
      fail(error);
      return;
    }
    if (skipped > 0) {
      finish(
        prior,
        `Journal holds ${skipped} malformed record(s) for batch "${batchId}"; their calls run again`,
        new Error("not an outcome"),
      );
    } else finish(prior);
  }, fail);
}

/** True for a record shaped like an outcome (what a journal hands back is not trusted). */
function isOutcome(value: unknown): value is Outcome {
  if (typeof value !== "object" || value === null) return false;
  const o = value as Partial<Record<keyof Outcome | "error" | "value", unknown>>;
  if (typeof o.id !== "string" || typeof o.name !== "string") return false;
  if (o.status === "ok") return true;
  if (o.status !== "error") return false;
  const error = o.error as { kind?: unknown; message?: unknown } | null | undefined;
  return (
    typeof error === "object" &&
    error !== null &&
    (ERROR_KINDS as readonly unknown[]).includes(error.kind) &&
    typeof error.message === "string"
  );
}
