/**
 * Sequential groups: calls that share a `group`, and calls to a tool marked `exclusive`, run
 * one at a time in call order. Each group is a line of calls. A call joins the lines of all its
 * groups at once, when it is admitted, and may run when it is first in every one of them; it
 * keeps its places until its outcome is decided (retries included). Because every call joins
 * its lines at the same moment, the lines agree on one order, and the earliest waiting call is
 * always first in all of its lines: two calls can never wait for each other.
 */

/** One group's line: the calls waiting or running, in call order. */
export class SequenceLock<C> {
  readonly #line: Array<SequenceTicket<C> | undefined> = [];
  #head = 0;
  #count = 0;

  constructor(
    /** The group's name (`tool:<name>` for an exclusive tool's own line). */
    readonly name: string,
  ) {}

  /** Calls in line, the running one included. */
  get size(): number {
    return this.#count;
  }

  get idle(): boolean {
    return this.#count === 0;
  }

  /** The call first in line. */
  first(): SequenceTicket<C> | undefined {
    const line = this.#line;
    while (this.#head < line.length && line[this.#head] === undefined) this.#head++;
    if (this.#head > 64 && this.#head * 2 > line.length) {
      line.splice(0, this.#head);
      this.#head = 0;
    }
    return line[this.#head];
  }

  push(ticket: SequenceTicket<C>): void {
    this.#line.push(ticket);
    this.#count++;
  }

  /** Puts a ticket first in line, behind the call running now if there is one. */
  pushFront(ticket: SequenceTicket<C>): void {
    const first = this.first();
    const at = first !== undefined && first.granted ? this.#head + 1 : this.#head;
    this.#line.splice(at, 0, ticket);
    this.#count++;
  }

  /** Takes a ticket out of the line (its call ended, or left). */
  remove(ticket: SequenceTicket<C>): void {
    const line = this.#line;
    const at = line[this.#head] === ticket ? this.#head : line.indexOf(ticket, this.#head);
    if (at < 0) return;
    line[at] = undefined;
    this.#count--;
    if (this.#count === 0) {
      line.length = 0;
      this.#head = 0;
    }
  }
}

/** A call's places in its lines. */
export class SequenceTicket<C> {
  /** True once the call is first in all its lines (it is queued or running). */
  granted = false;

  constructor(
    /** The call (a fallback takes over its call's ticket). */
    public call: C,
    public locks: readonly SequenceLock<C>[],
  ) {}
}

/** The named groups of an executor; a group's line exists while it has calls. */
export class Sequencer<C> {
  readonly #groups = new Map<string, SequenceLock<C>>();

  /** The line of group `name`, made when first needed. */
  group(name: string): SequenceLock<C> {
    let lock = this.#groups.get(name);
    if (lock === undefined) this.#groups.set(name, (lock = new SequenceLock<C>(name)));
    return lock;
  }

  /** Named groups with calls now. */
  get size(): number {
    return this.#groups.size;
  }

  /** Puts a new ticket in all its lines; true when its call may be queued at once. */
  join(ticket: SequenceTicket<C>): boolean {
    for (const lock of ticket.locks) lock.push(ticket);
    return this.#grant(ticket);
  }

  /**
   * Takes a ticket out of its lines (its call ended, or its batch did). Returns the calls that
   * are now first in all their lines, to be queued, in call order.
   */
  release(ticket: SequenceTicket<C>): C[] {
    ticket.granted = false;
    for (const lock of ticket.locks) lock.remove(ticket);
    const ready = this.#grantHeads(ticket.locks);
    this.#forget(ticket.locks);
    return ready;
  }

  /**
   * Hands a ticket over to the call that replaces its call (a fallback): it keeps its places in
   * the named groups, leaves its old tool's line, and joins `extra` (the fallback tool's line)
   * at the front, behind the call running there. Returns the calls the change lets go, and
   * whether the fallback may be queued at once.
   */
  handOver(
    ticket: SequenceTicket<C>,
    call: C,
    extra: SequenceLock<C> | null,
  ): { granted: boolean; ready: C[] } {
    const keep: SequenceLock<C>[] = [];
    const left: SequenceLock<C>[] = [];
    for (const lock of ticket.locks) {
      if (this.#groups.get(lock.name) === lock) keep.push(lock);
      else {
        lock.remove(ticket);
        left.push(lock);
      }
    }
    ticket.call = call;
    ticket.granted = false;
    ticket.locks = extra === null ? keep : [...keep, extra];
    extra?.pushFront(ticket);
    const granted = this.#grant(ticket);
    return { granted, ready: this.#grantHeads(left) };
  }

  #grant(ticket: SequenceTicket<C>): boolean {
    for (const lock of ticket.locks) if (lock.first() !== ticket) return false;
    ticket.granted = true;
    return true;
  }

  #grantHeads(locks: readonly SequenceLock<C>[]): C[] {
    const ready: C[] = [];
    for (const lock of locks) {
      const head = lock.first();
      if (head !== undefined && !head.granted && this.#grant(head)) ready.push(head.call);
    }
    return ready;
  }

  #forget(locks: readonly SequenceLock<C>[]): void {
    for (const lock of locks) {
      if (lock.idle && this.#groups.get(lock.name) === lock) this.#groups.delete(lock.name);
    }
  }
}
