/**
 * Sequential groups: calls that share a `group`, and calls to a tool marked `exclusive`, run
 * one at a time in call order. Each group is a line of calls. A call joins the lines of all its
 * groups at once, when it is admitted, and may run when it is first in every one of them; it
 * keeps its places until its outcome is decided (retries included). Because every call joins
 * its lines at the same moment, the lines agree on one order, and the earliest waiting call is
 * always first in all of its lines: two calls can never wait for each other.
 */
import type {
  Feature,
  FeatureCall,
  FeatureHost,
  FeatureTool,
  Placement,
  ToolHooks,
} from "./feature.js";

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
   * Takes a ticket out of the line of `lock` (its call moves to a fallback tool, leaving that
   * tool's exclusive line), keeping its other places. Returns the calls the change lets go.
   */
  leave(ticket: SequenceTicket<C>, lock: SequenceLock<C>): C[] {
    lock.remove(ticket);
    ticket.locks = ticket.locks.filter((l) => l !== lock);
    return this.#grantHeads([lock]);
  }

  /**
   * Puts a ticket at the front of `lock`'s line, behind the call running there (a fallback joins
   * its tool's exclusive line ahead of the calls that came after it). True when its call may be
   * queued at once.
   */
  joinFront(ticket: SequenceTicket<C>, lock: SequenceLock<C>): boolean {
    ticket.granted = false;
    ticket.locks = [...ticket.locks, lock];
    lock.pushFront(ticket);
    return this.#grant(ticket);
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

/** The policy field of this feature. */
export interface ExclusivePolicy {
  /**
   * Calls of this tool run one at a time, in call order, across all batches.
   * @default false
   */
  readonly exclusive?: boolean;
}

/** The sequential-groups feature: named groups, and a line per exclusive tool. */
export function sequentialGroups<C extends FeatureCall>(host: FeatureHost<C>): Feature<C> {
  const sequencer = new Sequencer<C>();
  const tickets = new Map<C, SequenceTicket<C>>();
  const resumeAll = (ready: readonly C[]): void => {
    for (const call of ready) host.resume(call);
    if (ready.length > 0) host.drain();
  };
  const hooksFor = (exclusive: SequenceLock<C> | null): ToolHooks<C> => {
    const hooks: ToolHooks<C> = {
      place(call: C): Placement {
        let ticket = tickets.get(call);
        if (ticket === undefined) {
          // A call joins the lines of all its groups at once, as it is placed. A fallback with
          // no line yet and no group joins its tool's line below, at the front, as a fallback
          // that has a line does: at the back, it could wait for a call that waits (in a group)
          // for a duplicate of it. One with a group (it failed before it joined it: an open
          // circuit) joins both at the back, at once, so the two lines keep one order.
          const fallback =
            call.recoveredFrom !== undefined && exclusive !== null && call.group === undefined;
          const locks: SequenceLock<C>[] = [];
          if (call.group !== undefined) locks.push(sequencer.group(call.group));
          if (exclusive !== null && !fallback) locks.push(exclusive);
          if (locks.length === 0 && !fallback) return undefined;
          ticket = new SequenceTicket(call, locks);
          tickets.set(call, ticket);
          const granted = sequencer.join(ticket);
          if (!fallback) return granted ? undefined : "hold";
        }
        // A fallback keeps its call's places and joins its own tool's line at the front.
        if (exclusive !== null && !ticket.locks.includes(exclusive))
          return sequencer.joinFront(ticket, exclusive) ? undefined : "hold";
        return ticket.granted ? undefined : "hold";
      },
      ended(call: C): void {
        const ticket = tickets.get(call);
        if (ticket === undefined) return;
        tickets.delete(call);
        resumeAll(sequencer.release(ticket));
      },
    };
    if (exclusive !== null) {
      hooks.leave = (call: C): void => {
        const ticket = tickets.get(call);
        if (ticket !== undefined) resumeAll(sequencer.leave(ticket, exclusive));
      };
    }
    return hooks;
  };
  return {
    name: "sequential groups",
    forTool: (tool: FeatureTool, policy: ExclusivePolicy) =>
      policy.exclusive ? hooksFor(new SequenceLock<C>(`tool:${tool.name}`)) : undefined,
    forGroupedTool: () => hooksFor(null),
  };
}
