/**
 * What a worker records in Redis so that the next worker can tell whether a dead worker's job
 * ever started its tool. A job whose tool starts as soon as it is taken (the usual case, when the
 * worker has room) writes nothing: if its worker dies, its tool may have run. A job that has to
 * wait on the worker (the executor is full, or the tool's `concurrency` is) is marked `waiting`
 * in its own hash, and the mark is swapped for `started` just before its tool runs. A worker
 * that finds such a job stalled runs it again when the mark still says `waiting`, since its tool
 * never ran anywhere.
 *
 * The marks live in the job's hash, so they go when the job does. The scripts touch a hash only
 * if the job still has one, and every step is a compare-and-set on the mark of the worker's own
 * take of the job (its lock token), so that a worker whose lock ran out (its event loop was
 * blocked) cannot start a tool that another worker took over.
 */

/** The field of a job's hash that holds its mark. */
export const START_FIELD = "volleyStart";

/** Marks each job of `KEYS` as waiting for the take `ARGV[i + 1]`, if the job still exists. */
const MARK = `for i = 1, #KEYS do
  if redis.call("EXISTS", KEYS[i]) == 1 then
    redis.call("HSET", KEYS[i], ARGV[1], "waiting " .. ARGV[i + 1])
  end
end
return #KEYS`;

/**
 * Swaps this take's `waiting` mark for `started`: 1 if this worker may start the tool. No mark
 * at all means this take's mark was never written (Redis refused it): the tool may start, and a
 * worker that finds the job stalled later counts it as possibly run.
 */
const CLAIM = `local mark = redis.call("HGET", KEYS[1], ARGV[1])
if mark == false or mark == "waiting " .. ARGV[2] then
  redis.call("HSET", KEYS[1], ARGV[1], "started")
  return 1
end
return 0`;

/** Retires a stalled job's `waiting` mark: 1 if its tool never started. */
const RECOVER = `local mark = redis.call("HGET", KEYS[1], ARGV[1])
if mark and string.sub(mark, 1, 8) == "waiting " then
  redis.call("HSET", KEYS[1], ARGV[1], "recovered")
  return 1
end
return 0`;

/** The part of an ioredis client the ledger uses. */
export interface LedgerClient {
  eval(script: string, numkeys: number, ...args: string[]): Promise<unknown>;
}

/** A job as the ledger follows it on its worker. */
export interface LedgerEntry {
  /** The job's hash. */
  readonly key: string;
  /** This worker's take of the job: BullMQ's lock token. */
  readonly token: string;
  /** Set once its tool started (or the job ended): it needs no mark then. */
  started: boolean;
  /** `pending`: to be marked at the next flush; `sent`: marked (or being marked). */
  mark: "none" | "pending" | "sent";
}

/** The start marks of one tool queue's jobs on one worker. */
export class StartLedger {
  readonly #client: Promise<LedgerClient>;
  readonly #onError: (error: unknown) => void;
  #pending: LedgerEntry[] = [];
  #flushing = false;

  constructor(client: Promise<LedgerClient>, onError: (error: unknown) => void) {
    this.#client = client;
    this.#onError = onError;
  }

  /**
   * Marks `entry` waiting, unless its tool starts before the next turn of the event loop: the
   * jobs that wait are marked together, in one script.
   */
  markUnlessStarted(entry: LedgerEntry): void {
    entry.mark = "pending";
    this.#pending.push(entry);
    if (this.#flushing) return;
    this.#flushing = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushing = false;
    const keys: string[] = [];
    const tokens: string[] = [];
    for (const entry of this.#pending) {
      if (entry.mark !== "pending") continue;
      if (entry.started) {
        entry.mark = "none";
        continue;
      }
      entry.mark = "sent";
      keys.push(entry.key);
      tokens.push(entry.token);
    }
    this.#pending = [];
    if (keys.length === 0) return;
    this.#client
      .then((client) => client.eval(MARK, keys.length, ...keys, START_FIELD, ...tokens))
      .catch(this.#onError);
  }

  /**
   * Resolves true when `entry`'s tool may start now: at once if it was never marked; else once
   * its mark was swapped for `started`, or false when another worker took the job over.
   */
  claim(entry: LedgerEntry): true | Promise<boolean> {
    entry.started = true;
    if (entry.mark !== "sent") {
      // Not marked yet: the flush skips it, and its tool starts as if it had not waited.
      entry.mark = "none";
      return true;
    }
    // Sent on the same connection after its mark, so Redis runs it after the mark.
    return this.#client
      .then((client) => client.eval(CLAIM, 1, entry.key, START_FIELD, entry.token))
      .then((claimed) => claimed === 1);
  }

  /**
   * For a job found stalled: true when its tool never started (its mark says `waiting`); the
   * mark is retired, so that the worker that made it cannot start the tool any more.
   */
  async neverStarted(key: string): Promise<boolean> {
    const client = await this.#client;
    return (await client.eval(RECOVER, 1, key, START_FIELD)) === 1;
  }
}
