import type pg from "pg";
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

/** What the journal needs of a `pg` connection: a `pg.Pool` or a connected `pg.Client`. */
export interface PostgresQueryable {
  /** Runs one parameterised statement (`$1`, `$2`, …) and resolves with its rows. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** Options of {@link PostgresJournal}. */
export interface PostgresJournalOptions {
  /**
   * Error kinds that describe the run rather than the call, and are not recorded: resuming the
   * batch runs those calls again. `[]` records every outcome.
   * @default ["cancelled", "deadline", "rejected"]
   */
  readonly transientKinds?: readonly ErrorKind[];
  /**
   * A `pg.Pool` (or connected `pg.Client`) to use. The journal does not end it. Give either
   * `pool` or `connectionString`.
   */
  readonly pool?: PostgresQueryable;
  /**
   * A connection string; the journal opens a small pool of its own and ends it on `close()`.
   * @example "postgresql://postgres@127.0.0.1:5432/postgres"
   */
  readonly connectionString?: string;
  /**
   * The table that holds the outcomes; created on first use if missing (or by `setup()`).
   * @default "volley_journal"
   */
  readonly table?: string;
  /**
   * The most outcomes one statement (one transaction, one commit) writes. While a commit is in
   * flight the next outcomes wait and form the next group.
   * @default 1000
   */
  readonly maxBatchSize?: number;
}

/** The keys of {@link PostgresJournalOptions}. */
const POSTGRES_JOURNAL_KEYS = optionKeys<PostgresJournalOptions>()([
  "transientKinds",
  "pool",
  "connectionString",
  "table",
  "maxBatchSize",
]);

/**
 * A {@link Journal} in Postgres (`pg`). As with the SQLite journal, outcomes are grouped: those
 * that finish while a commit is in flight, or in the same turn of the event loop, go into one
 * `INSERT … SELECT FROM unnest(…)` statement, and each `record()` resolves after it has committed.
 *
 * @example
 * ```ts
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const journal = new PostgresJournal({ pool });
 * const executor = createExecutor({ tools, journal });
 * ```
 */
export class PostgresJournal implements Journal {
  /** The table the journal writes to. */
  readonly table: string;
  readonly #pool: PostgresQueryable;
  readonly #ownedPool: pg.Pool | undefined;
  readonly #committer: GroupCommitter;
  readonly #transient: ReadonlySet<ErrorKind>;
  #ready: Promise<void> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * Makes the journal; it connects, and creates its table if missing, on first use.
   * @param options A connection string, or {@link PostgresJournalOptions}.
   * @throws TypeError for a bad or unknown option.
   */
  constructor(options: PostgresJournalOptions | string) {
    const opts: PostgresJournalOptions =
      typeof options === "string" ? { connectionString: options } : options;
    if (typeof opts !== "object" || opts === null) {
      throw new TypeError(
        `Expected a connection string or PostgresJournal options, got ${describeValue(options)}`,
      );
    }
    assertKnownKeys("PostgresJournal", opts, POSTGRES_JOURNAL_KEYS);
    this.table = checkIdentifier("table", opts.table ?? "volley_journal");
    const maxBatchSize = checkPositiveInteger("maxBatchSize", opts.maxBatchSize ?? 1000);
    this.#transient = checkTransientKinds(opts.transientKinds);
    if (opts.pool !== undefined) {
      if (typeof opts.pool !== "object" || typeof opts.pool?.query !== "function") {
        throw new TypeError(
          `Expected pool to be a pg.Pool or pg.Client, got ${describeValue(opts.pool)}`,
        );
      }
      this.#pool = opts.pool;
      this.#ownedPool = undefined;
    } else if (typeof opts.connectionString === "string" && opts.connectionString.length > 0) {
      const { Pool } = requirePeer<typeof pg>("pg", "PostgresJournal");
      this.#ownedPool = new Pool({ connectionString: opts.connectionString, max: 4 });
      // An idle connection the server drops (a restart, a failover) must not crash the process:
      // the next query reconnects, and a failed write surfaces through record().
      this.#ownedPool.on("error", (error) =>
        process.emitWarning(`PostgresJournal: idle connection lost: ${error.message}`, {
          code: "VOLLEY_JOURNAL",
        }),
      );
      this.#pool = this.#ownedPool;
    } else {
      throw new TypeError(
        `Expected pool or connectionString, got connectionString ${describeValue(opts.connectionString)}`,
      );
    }
    const insert = `INSERT INTO "${this.table}" (batch_id, call_id, outcome)
      SELECT * FROM unnest($1::text[], $2::text[], $3::json[])
      ON CONFLICT (batch_id, call_id) DO NOTHING`;
    this.#committer = new GroupCommitter(async (rows: readonly PendingRow[]) => {
      await this.setup();
      // One statement is one transaction: one commit (and one WAL flush) for the whole group.
      await this.#pool.query(insert, [
        rows.map((r) => r.batchId),
        rows.map((r) => r.callId),
        rows.map((r) => r.text),
      ]);
    }, maxBatchSize);
  }

  /** Creates the table if it is missing. Called on first use; call it early to fail early. */
  setup(): Promise<void> {
    this.#ready ??= this.#createIfMissing().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #createIfMissing(): Promise<void> {
    // Look first: CREATE TABLE IF NOT EXISTS needs the CREATE privilege on the schema even when
    // the table exists, which an application role that only reads and writes it lacks.
    const found = await this.#pool.query<{ found: string | null }>(
      "SELECT to_regclass($1)::text AS found",
      [`"${this.table}"`],
    );
    if (found.rows[0]?.found != null) return;
    try {
      await this.#pool.query(
        `CREATE TABLE IF NOT EXISTS "${this.table}" (
          batch_id text NOT NULL,
          call_id text NOT NULL,
          outcome json NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (batch_id, call_id)
        )`,
      );
    } catch (error) {
      // Two processes creating the table at once: the loser sees a duplicate; the table exists.
      const code = (error as { code?: unknown }).code;
      if (code !== "23505" && code !== "42P07") throw error;
    }
  }

  /** The outcomes recorded for `batchId` (including those still waiting for their commit). */
  async load(batchId: string): Promise<Outcome[]> {
    checkBatchId(batchId);
    checkText(batchId);
    this.#checkOpen();
    await this.setup();
    // Fetched as text, so the journal's own decoder reads it the same way in every driver setup.
    const result = await this.#pool.query<{ outcome: string }>(
      `SELECT outcome::text AS outcome FROM "${this.table}" WHERE batch_id = $1 ORDER BY recorded_at, call_id`,
      [batchId],
    );
    const stored = result.rows;
    return this.#committer.gather(
      "PostgresJournal",
      batchId,
      mapRows(stored, (row) => decodeOutcome(row.outcome)),
    );
  }

  /** Records one outcome; resolves once the statement that holds it has committed. */
  record(batchId: string, outcome: Outcome): Promise<void> {
    checkBatchId(batchId);
    this.#checkOpen();
    // An id Postgres text cannot hold would fail the whole group's statement, or (half a
    // surrogate pair, sent as U+FFFD) share its key with another id: it fails its own call here
    // instead (the outcome's JSON escapes both and is fine).
    const problem = textProblem(batchId, "batch id") ?? textProblem(outcome.id, "call id");
    if (problem !== undefined) {
      return Promise.reject(
        new TypeError(
          `Cannot journal call ${JSON.stringify(outcome.id)} of batch ${JSON.stringify(batchId)}: ${problem}`,
        ),
      );
    }
    return this.#committer.record(batchId, outcome, this.#transient);
  }

  /** Forgets a batch. Outcomes of that batch still waiting for a commit are committed first. */
  async delete(batchId: string): Promise<void> {
    checkBatchId(batchId);
    checkText(batchId);
    this.#checkOpen();
    await this.#committer.flush();
    await this.setup();
    await this.#pool.query(`DELETE FROM "${this.table}" WHERE batch_id = $1`, [batchId]);
  }

  /** Commits every waiting outcome now. */
  flush(): Promise<void> {
    return this.#committer.flush();
  }

  /** Write counters: outcomes recorded, statements committed, outcomes waiting. */
  stats(): JournalWriteStats {
    return this.#committer.stats();
  }

  /** Commits what is waiting, then ends the pool if the journal opened it. */
  close(): Promise<void> {
    // One closing for every caller: a second close() (say, `await using` after an explicit
    // close) waits for the first instead of ending the pool twice.
    this.#closing ??= (async () => {
      await this.#committer.flush();
      this.#closed = true;
      await this.#ownedPool?.end();
    })();
    return this.#closing;
  }

  /** Closes it, as `close()` does: for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("The PostgresJournal is closed");
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why Postgres text cannot keep `value` as it is, if it cannot. */
function textProblem(value: string, what: string): string | undefined {
  if (value.includes("\0"))
    return `its ${what} contains a NUL character, which Postgres text cannot hold`;
  if (LONE_SURROGATE.test(value)) {
    return `its ${what} contains half a surrogate pair, which Postgres text would turn into U+FFFD (and so into another id)`;
  }
  return undefined;
}

/** Refuses a batch id that Postgres text cannot keep as it is. */
function checkText(batchId: string): void {
  const problem = textProblem(batchId, "batch id");
  if (problem !== undefined) throw new TypeError(`Batch ${JSON.stringify(batchId)}: ${problem}`);
}
