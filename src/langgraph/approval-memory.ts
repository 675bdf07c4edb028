/**
 * The in-process record of the calls that finished before an approval `interrupt()`: when a
 * node (or a turn of the middleware that runs in one task) resumes in the same process, their
 * outcomes answer them again instead of running them a second time, with or without a journal.
 * A durable journal (`SqliteJournal`, `StoreJournal`) does the same across processes; this is
 * the default that makes the common case (one process) safe without one.
 */
import type { Executor, Outcome } from "../core/index.js";

/** Most interrupted batches remembered per executor: a thread never resumed is forgotten last-in. */
const MAX_BATCHES = 1_000;

/** Finished outcomes of interrupted batches, by batch key and call id. */
export class ApprovalMemory {
  readonly #batches = new Map<string, Map<string, Outcome>>();
  /** Resume values refused as malformed, by batch key, as JSON. */
  readonly #refused = new Map<string, Set<string>>();

  /** Keeps `outcomes` (replacing what the key held) until the batch resumes. */
  remember(key: string, outcomes: Iterable<Outcome>): void {
    const calls = new Map<string, Outcome>();
    for (const outcome of outcomes) calls.set(outcome.id, outcome);
    this.#batches.delete(key);
    if (calls.size === 0) return;
    this.#batches.set(key, calls);
    if (this.#batches.size > MAX_BATCHES) {
      const oldest = this.#batches.keys().next().value;
      if (oldest !== undefined) this.#batches.delete(oldest);
    }
  }

  /** What the key holds, taken out (a resumed batch that interrupts again remembers anew). */
  take(key: string): ReadonlyMap<string, Outcome> | undefined {
    const calls = this.#batches.get(key);
    this.#batches.delete(key);
    return calls;
  }

  /**
   * Notes a resume value refused as malformed. LangGraph records a task's resume values and
   * hands them back in order on every later run of the task, so the refused one comes back
   * first: known, it is skipped, and the next `interrupt()` gets the corrected answer.
   */
  refuse(key: string, value: unknown): void {
    const json = jsonOf(value);
    if (json === undefined) return;
    let values = this.#refused.get(key);
    if (values === undefined) this.#refused.set(key, (values = new Set()));
    values.add(json);
    if (this.#refused.size > MAX_BATCHES) {
      const oldest = this.#refused.keys().next().value;
      if (oldest !== undefined) this.#refused.delete(oldest);
    }
  }

  /** True for a resume value of this batch that was refused before. */
  refused(key: string, value: unknown): boolean {
    const values = this.#refused.get(key);
    if (values === undefined) return false;
    const json = jsonOf(value);
    return json !== undefined && values.has(json);
  }

  /** The batch's decisions were applied: its refused values are of no more use. */
  decided(key: string): void {
    this.#refused.delete(key);
  }

  /** Batches remembered now (for tests). */
  get size(): number {
    return this.#batches.size;
  }
}

const memories = new WeakMap<Executor, ApprovalMemory>();

/** The memory of one executor: batch ids are the executor's, as its journal's are. */
export function approvalMemoryOf(executor: Executor): ApprovalMemory {
  let memory = memories.get(executor);
  if (memory === undefined) memories.set(executor, (memory = new ApprovalMemory()));
  return memory;
}

function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
