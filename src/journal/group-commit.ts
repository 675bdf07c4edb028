import type { ErrorKind, Outcome } from "../core/index.js";
import { decodeOutcome, encodeOutcome, isTransient, warnSkipped } from "./codec.js";

/** One outcome waiting for its commit. */
export interface PendingRow {
  readonly batchId: string;
  readonly callId: string;
  /** The outcome, already encoded, so a value that cannot be encoded fails only its own call. */
  readonly text: string;
  resolve(): void;
  reject(error: unknown): void;
}

/** Writes one group of rows in one transaction (one commit, one sync). */
export type GroupWriter = (rows: readonly PendingRow[]) => void | Promise<void>;

/** Counters of a journal's writes, for tuning and for the benchmarks. */
export interface JournalWriteStats {
  /** Outcomes committed. */
  readonly recorded: number;
  /** Transactions committed: each is one sync of the journal's storage. */
  readonly commits: number;
  /** Outcomes waiting for their commit right now. */
  readonly pending: number;
}

/**
 * Group commit: every `record()` that arrives in the same turn of the event loop (up to
 * `maxRows`) goes into one transaction, and each caller's promise resolves once that transaction
 * has committed. While a commit is in flight (an async driver), new rows wait and form the next
 * group, so a slow disk makes groups larger instead of making a queue of syncs.
 */
export class GroupCommitter {
  readonly #write: GroupWriter;
  readonly #maxRows: number;
  #queue: PendingRow[] = [];
  #scheduled = false;
  #inFlight: Promise<void> | undefined;
  #recorded = 0;
  #commits = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(write: GroupWriter, maxRows: number) {
    this.#write = write;
    this.#maxRows = maxRows;
  }

  /** Queues one row; the promise settles when its transaction has committed (or failed). */
  add(batchId: string, callId: string, text: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ batchId, callId, text, resolve, reject });
      if (this.#inFlight !== undefined) return;
      if (this.#queue.length >= this.#maxRows) {
        this.#drain();
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate runs after the poll phase: every outcome that finished in this turn of
        // the event loop (timers, I/O, and the microtasks they set off) joins the same commit.
        setImmediate(() => {
          this.#scheduled = false;
          if (this.#inFlight === undefined) this.#drain();
        });
      }
    });
  }

  /** Encodes and queues an outcome unless its kind is transient; settles once it has committed. */
  record(batchId: string, outcome: Outcome, transient: ReadonlySet<ErrorKind>): Promise<void> {
    if (isTransient(outcome, transient)) return Promise.resolve();
    let text: string;
    try {
      text = encodeOutcome(batchId, outcome);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.add(batchId, outcome.id, text);
  }

  /**
   * A batch's outcomes for a journal's `load`: the stored ones (`undefined` marks a row that
   * could not be read; the first outcome of a call id wins), then those still waiting here.
   */
  gather(journal: string, batchId: string, stored: Iterable<Outcome | undefined>): Outcome[] {
    const outcomes: Outcome[] = [];
    const seen = new Set<string>();
    let skipped = 0;
    for (const outcome of stored) {
      if (outcome === undefined) skipped++;
      else if (!seen.has(outcome.id)) {
        seen.add(outcome.id);
        outcomes.push(outcome);
      }
    }
    for (const row of this.#queue) {
      if (row.batchId !== batchId || seen.has(row.callId)) continue;
      const outcome = decodeOutcome(row.text);
      if (outcome !== undefined) {
        seen.add(outcome.id);
        outcomes.push(outcome);
      }
    }
    warnSkipped(journal, batchId, skipped);
    return outcomes;
  }

  /** Commits every waiting row now; resolves when nothing is waiting or in flight. */
  flush(): Promise<void> {
    if (this.#inFlight === undefined && this.#queue.length > 0) this.#drain();
    if (this.#inFlight === undefined && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stats(): JournalWriteStats {
    return { recorded: this.#recorded, commits: this.#commits, pending: this.#queue.length };
  }

  #drain(): void {
    while (this.#queue.length > 0) {
      const group =
        this.#queue.length <= this.#maxRows ? this.#queue : this.#queue.slice(0, this.#maxRows);
      this.#queue = this.#queue.length <= this.#maxRows ? [] : this.#queue.slice(this.#maxRows);
      let written: void | Promise<void>;
      try {
        written = this.#write(group);
      } catch (error) {
        const isolating = this.#isolate(group, error);
        if (isolating === undefined) continue;
        this.#inFlight = isolating.then(() => this.#afterAsync());
        return;
      }
      if (written instanceof Promise) {
        this.#inFlight = written
          .then(
            () => this.#committed(group),
            (error: unknown) => this.#isolate(group, error),
          )
          .then(() => this.#afterAsync());
        return;
      }
      this.#committed(group);
    }
    this.#becomeIdle();
  }

  /**
   * After a group failed on a row's data (a NUL or half a surrogate pair in a jsonb store, an
   * oversized value), writes each of its rows alone, so that only the refused rows fail. Any
   * other failure (the database is down, full, locked) fails the whole group at once: retrying
   * row by row against a server that does not answer would only multiply the wait.
   */
  #isolate(group: readonly PendingRow[], error: unknown): Promise<void> | undefined {
    if (group.length === 1 || !isRowError(error)) {
      for (const row of group) row.reject(error);
      return undefined;
    }
    let chain: Promise<void> | undefined;
    for (const row of group) {
      if (chain !== undefined) {
        chain = chain.then(() => this.#writeAlone(row));
        continue;
      }
      const alone = this.#writeAlone(row);
      if (alone !== undefined) chain = alone;
    }
    return chain;
  }

  /** Writes one row in a transaction of its own; a promise only when the writer is async. */
  #writeAlone(row: PendingRow): Promise<void> | undefined {
    let written: void | Promise<void>;
    try {
      written = this.#write([row]);
    } catch (error) {
      row.reject(error);
      return undefined;
    }
    if (!(written instanceof Promise)) {
      this.#committed([row]);
      return undefined;
    }
    return written.then(
      () => this.#committed([row]),
      (error: unknown) => row.reject(error),
    );
  }

  #afterAsync(): void {
    this.#inFlight = undefined;
    // Rows that arrived during the commit form the next group at once: they have waited already.
    this.#drain();
  }

  #committed(group: readonly PendingRow[]): void {
    this.#commits++;
    this.#recorded += group.length;
    for (const row of group) row.resolve();
  }

  #becomeIdle(): void {
    if (this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * True for an error about one row's data rather than the database: Postgres's data exceptions
 * (SQLSTATE class 22: bad encoding, a NUL, invalid JSON) and program limits (class 54: a value
 * too large), and SQLite's `SQLITE_TOOBIG` and `SQLITE_MISMATCH`.
 */
function isRowError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return (
    /^(22|54)[0-9A-Z]{3}$/.test(code) || code === "SQLITE_TOOBIG" || code === "SQLITE_MISMATCH"
  );
}
