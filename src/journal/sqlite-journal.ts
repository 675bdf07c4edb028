import type Database from "better-sqlite3";
import type { ErrorKind, Journal, Outcome } from "../core/index.js";
import { describeValue } from "../core/describe-value.js";
import { assertKnownKeys, optionKeys } from "../core/validate-options.js";
import {
  checkBatchId,
  checkTransientKinds,
  checkIdentifier,
  checkPositiveInteger,
  decodeOutcome,
  mapRows,
} from "./codec.js";
import { GroupCommitter, type JournalWriteStats, type PendingRow } from "./group-commit.js";
import { requirePeer } from "../core/optional-peer.js";

/** Options of {@link SqliteJournal}. */
export interface SqliteJournalOptions {
  /**
   * Error kinds that describe the run rather than the call, and are not recorded: resuming the
   * batch runs those calls again. `[]` records every outcome.
   * @default ["cancelled", "deadline", "rejected"]
   */
  readonly transientKinds?: readonly ErrorKind[];
  /**
   * The database file (created if missing), or `":memory:"`. Give either `path` or `database`.
   * @example "volley-journal.db"
   */
  readonly path?: string;
  /**
   * An open better-sqlite3 database to use instead of opening `path` (for example the one your
   * `SqliteSaver` checkpointer uses). The journal switches it to WAL mode and does not close it.
   */
  readonly database?: Database.Database;
  /**
   * The table that holds the outcomes; created if missing.
   * @default "volley_journal"
   */
  readonly table?: string;
  /**
   * The most outcomes one transaction commits. Outcomes that finish in the same turn of the
   * event loop share one transaction, up to this many.
   * @default 1000
   */
  readonly maxBatchSize?: number;
  /**
   * SQLite's `synchronous` setting. `"full"` syncs the write-ahead log at every commit, so a
   * journaled outcome survives a power cut; `"normal"` survives a crash of the process (the
   * SIGKILL case) but may lose the last commits on a power cut, and is faster.
   * @default "full"
   */
  readonly synchronous?: "full" | "normal";
  /**
   * How long a write waits for another process's lock before failing (ms).
   * @default 5000
   */
  readonly busyTimeoutMs?: number;
}

/** The keys of {@link SqliteJournalOptions}. */
const SQLITE_JOURNAL_KEYS = optionKeys<SqliteJournalOptions>()([
  "transientKinds",
  "path",
  "database",
  "table",
  "maxBatchSize",
  "synchronous",
  "busyTimeoutMs",
]);

/**
 * A {@link Journal} in a SQLite file (better-sqlite3, WAL mode). Outcomes that finish in the same
 * turn of the event loop are written in one transaction, and each `record()` resolves after that
 * transaction has committed: 10,000 outcomes cost a few dozen syncs, not 10,000.
 *
 * @example
 * ```ts
 * const journal = new SqliteJournal("volley-journal.db");
 * const executor = createExecutor({ tools, journal });
 * await executor.execute(calls, { batchId: "order-42" }); // run it again after a crash: only
 * // the calls without a journaled outcome run.
 * ```
 */
export class SqliteJournal implements Journal {
  /** The better-sqlite3 database the journal writes to. */
  readonly database: Database.Database;
  /** The table the journal writes to. */
  readonly table: string;
  readonly #ownsDatabase: boolean;
  readonly #committer: GroupCommitter;
  readonly #transient: ReadonlySet<ErrorKind>;
  readonly #select: Database.Statement<[string], { outcome: string }>;
  readonly #remove: Database.Statement<[string]>;
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * Opens (or creates) the journal's table, in WAL mode.
   * @param options A database file path, or {@link SqliteJournalOptions}.
   * @throws TypeError for a bad or unknown option.
   */
  constructor(options: string | SqliteJournalOptions) {
    const opts: SqliteJournalOptions = typeof options === "string" ? { path: options } : options;
    if (typeof opts !== "object" || opts === null) {
      throw new TypeError(
        `Expected a database path or SqliteJournal options, got ${describeValue(options)}`,
      );
    }
    assertKnownKeys("SqliteJournal", opts, SQLITE_JOURNAL_KEYS);
    const table = checkIdentifier("table", opts.table ?? "volley_journal");
    const maxBatchSize = checkPositiveInteger("maxBatchSize", opts.maxBatchSize ?? 1000);
    this.#transient = checkTransientKinds(opts.transientKinds);
    const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
    if (typeof busyTimeoutMs !== "number" || !(busyTimeoutMs >= 0)) {
      throw new TypeError(
        `Expected busyTimeoutMs to be a number >= 0, got ${describeValue(busyTimeoutMs)}`,
      );
    }
    const synchronous = opts.synchronous ?? "full";
    if (synchronous !== "full" && synchronous !== "normal") {
      throw new TypeError(
        `Expected synchronous to be "full" or "normal", got ${describeValue(synchronous)}`,
      );
    }
    if (opts.database !== undefined) {
      if (typeof opts.database !== "object" || typeof opts.database.prepare !== "function") {
        throw new TypeError(
          `Expected database to be a better-sqlite3 Database, got ${describeValue(opts.database)}`,
        );
      }
      this.database = opts.database;
      this.#ownsDatabase = false;
    } else {
      if (typeof opts.path !== "string" || opts.path.length === 0) {
        throw new TypeError(
          `Expected path to be a non-empty file path (or pass database), got ${describeValue(opts.path)}`,
        );
      }
      const Driver = requirePeer<typeof Database>(
        "better-sqlite3",
        "SqliteJournal",
        "better-sqlite3@12",
      );
      this.database = new Driver(opts.path);
      this.#ownsDatabase = true;
    }
    const db = this.database;
    this.table = table;
    try {
      db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
      db.pragma("journal_mode = WAL");
      db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
      db.exec(
        `CREATE TABLE IF NOT EXISTS "${table}" (
          batch_id TEXT NOT NULL,
          call_id TEXT NOT NULL,
          outcome TEXT NOT NULL,
          recorded_at INTEGER NOT NULL,
          PRIMARY KEY (batch_id, call_id)
        )`,
      );
      // The first outcome recorded for a call wins, as in MemoryJournal: a resumed batch replays it.
      const insert = db.prepare<[string, string, string, number]>(
        `INSERT OR IGNORE INTO "${table}" (batch_id, call_id, outcome, recorded_at) VALUES (?, ?, ?, ?)`,
      );
      const writeGroup = db.transaction((rows: readonly PendingRow[]) => {
        const now = Date.now();
        for (const row of rows) insert.run(row.batchId, row.callId, row.text, now);
      });
      this.#select = db.prepare(`SELECT outcome FROM "${table}" WHERE batch_id = ? ORDER BY rowid`);
      this.#remove = db.prepare(`DELETE FROM "${table}" WHERE batch_id = ?`);
      this.#committer = new GroupCommitter((rows) => writeGroup(rows), maxBatchSize);
    } catch (error) {
      // Not a SQLite database, a locked or read-only file: let go of what this journal opened.
      if (this.#ownsDatabase) db.close();
      throw error;
    }
  }

  /** The outcomes recorded for `batchId` (including those still waiting for their commit). */
  load(batchId: string): Outcome[] {
    checkBatchId(batchId);
    this.#checkOpen();
    const stored = this.#select.iterate(batchId);
    return this.#committer.gather(
      "SqliteJournal",
      batchId,
      mapRows(stored, (row) => decodeOutcome(row.outcome)),
    );
  }

  /** Records one outcome; resolves once the transaction that holds it has committed. */
  record(batchId: string, outcome: Outcome): Promise<void> {
    checkBatchId(batchId);
    this.#checkOpen();
    return this.#committer.record(batchId, outcome, this.#transient);
  }

  /** Forgets a batch. Outcomes of that batch still waiting for a commit are committed first. */
  async delete(batchId: string): Promise<void> {
    checkBatchId(batchId);
    this.#checkOpen();
    await this.#committer.flush();
    this.#remove.run(batchId);
  }

  /** Commits every waiting outcome now. */
  flush(): Promise<void> {
    return this.#committer.flush();
  }

  /** Write counters: outcomes recorded, transactions committed, outcomes waiting. */
  stats(): JournalWriteStats {
    return this.#committer.stats();
  }

  /** Commits what is waiting, then closes the database if the journal opened it. */
  close(): Promise<void> {
    // One closing for every caller, as in PostgresJournal.
    this.#closing ??= (async () => {
      await this.#committer.flush();
      this.#closed = true;
      if (this.#ownsDatabase) this.database.close();
    })();
    return this.#closing;
  }

  /** Closes it, as `close()` does: for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("The SqliteJournal is closed");
  }
}
