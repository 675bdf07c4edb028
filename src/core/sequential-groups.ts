/**
 * Sequential groups: calls that share a `group`, and calls to a tool marked `exclusive`, run
 * one at a time in call order. Each group is a FIFO lock; a call holds its locks from when it
 * is queued until its outcome is decided (retries included). A call with a group and an
 * exclusive tool takes the group's lock first and the tool's second, always in that order, so
 * two calls can never wait for each other.
 */

/** One group's lock: the call holding it and the calls waiting, in call order. */
export class SequenceLock<C> {
  holder: SequenceTicket<C> | undefined = undefined;
  readonly #waiting: Array<SequenceTicket<C> | undefined> = [];
  #head = 0;
  #count = 0;

  constructor(
    /** The group's name (`tool:<name>` for an exclusive tool's own lock). */
    readonly name: string,
  ) {}

  /** Calls waiting for this lock. */
  get waiting(): number {
    return this.#count;
  }

  get idle(): boolean {
    return this.holder === undefined && this.#count === 0;
  }

  enqueue(ticket: SequenceTicket<C>): void {
    this.#waiting.push(ticket);
    this.#count++;
  }

  /** The next waiting ticket, removed, or `undefined`. */
  shift(): SequenceTicket<C> | undefined {
    while (this.#head < this.#waiting.length) {
      const ticket = this.#waiting[this.#head];
      this.#waiting[this.#head++] = undefined;
      if (ticket !== undefined) {
        this.#count--;
        this.#compact();
        return ticket;
      }
    }
    this.#compact();
    return undefined;
  }

  /** Removes a waiting ticket (its batch ended). O(n), only on cancel and deadline. */
  drop(ticket: SequenceTicket<C>): void {
    const at = this.#waiting.indexOf(ticket, this.#head);
    if (at >= 0) {
      this.#waiting[at] = undefined;
      this.#count--;
    }
  }

  #compact(): void {
    if (this.#head > 64 && this.#head * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#count === 0) {
      this.#waiting.length = 0;
      this.#head = 0;
    }
  }
}

/** A call's claim on its locks; `at` is the number it holds (they are taken in order). */
export class SequenceTicket<C> {
  at = 0;
  constructor(
    readonly call: C,
    readonly locks: readonly SequenceLock<C>[],
  ) {}
}

/** The named groups of an executor; a group's lock exists while it has calls. */
export class Sequencer<C> {
  readonly #groups = new Map<string, SequenceLock<C>>();

  /** The lock of group `name`, made when first needed. */
  group(name: string): SequenceLock<C> {
    let lock = this.#groups.get(name);
    if (lock === undefined) this.#groups.set(name, (lock = new SequenceLock<C>(name)));
    return lock;
  }

  /** Named groups with calls now. */
  get size(): number {
    return this.#groups.size;
  }

  /** Takes the ticket's locks in order; true when it holds them all and its call may be queued. */
  acquire(ticket: SequenceTicket<C>): boolean {
    while (ticket.at < ticket.locks.length) {
      const lock = ticket.locks[ticket.at]!;
      if (lock.holder !== undefined) {
        lock.enqueue(ticket);
        return false;
      }
      lock.holder = ticket;
      ticket.at++;
    }
    return true;
  }

  /**
   * Frees the locks a ticket holds, and drops it from the lock it waits for. Returns the calls
   * that now hold all their locks, to be queued, in call order.
   */
  release(ticket: SequenceTicket<C>): C[] {
    const ready: C[] = [];
    const waitingOn = ticket.locks[ticket.at];
    if (waitingOn !== undefined && waitingOn.holder !== ticket) waitingOn.drop(ticket);
    for (let i = 0; i < ticket.at; i++) {
      const lock = ticket.locks[i]!;
      if (lock.holder !== ticket) continue;
      lock.holder = undefined;
      const next = lock.shift();
      if (next !== undefined) {
        lock.holder = next;
        next.at++;
        if (this.acquire(next)) ready.push(next.call);
      }
    }
    ticket.at = 0;
    for (const lock of ticket.locks) {
      if (lock.idle && this.#groups.get(lock.name) === lock) this.#groups.delete(lock.name);
    }
    return ready;
  }
}
