import type { ErrorKind, Outcome } from "./outcome.js";

/**
 * Kinds that describe the run rather than the call (the caller aborted, the batch's time ran
 * out, a limit refused it): not recorded, so that resuming the batch runs those calls again.
 */
const TRANSIENT: ReadonlySet<ErrorKind> = new Set<ErrorKind>(["cancelled", "deadline", "rejected"]);

/**
 * Durable record of finished outcomes, keyed by (batch id, call id). The executor records an
 * outcome before the caller hears of it, so a resumed batch never re-runs a call whose outcome
 * anyone saw. SQLite, Postgres and LangGraph-store journals implement this outside the core.
 */
export interface Journal {
  /** The outcomes already recorded for `batchId`. */
  load(batchId: string): Promise<Iterable<Outcome>> | Iterable<Outcome>;
  /**
   * Records one outcome. The executor waits for the returned promise before delivering the
   * outcome; implementations may group the writes of many outcomes into one commit.
   */
  record(batchId: string, outcome: Outcome): Promise<void> | void;
  /** Forgets a batch (after its owner has consumed it). */
  delete?(batchId: string): Promise<void> | void;
}

/**
 * A journal in memory: for tests, and as the reference behaviour for real ones. Like the durable
 * journals, it does not record `cancelled`, `deadline` and `rejected` outcomes.
 */
export class MemoryJournal implements Journal {
  readonly #batches = new Map<string, Map<string, Outcome>>();

  load(batchId: string): Outcome[] {
    return [...(this.#batches.get(batchId)?.values() ?? [])];
  }

  record(batchId: string, outcome: Outcome): void {
    if (outcome.status === "error" && TRANSIENT.has(outcome.error.kind)) return;
    let batch = this.#batches.get(batchId);
    if (batch === undefined) this.#batches.set(batchId, (batch = new Map()));
    if (!batch.has(outcome.id)) batch.set(outcome.id, outcome);
  }

  delete(batchId: string): void {
    this.#batches.delete(batchId);
  }
}
