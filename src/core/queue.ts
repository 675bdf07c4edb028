/**
 * The queue discipline: which queued call starts next. Pluggable, so that tenants, rate limits
 * and sequential groups can slot in. The core's default orders by `priority` (higher first),
 * then expected duration (longer first), then arrival (first come, first served).
 */

/** What the scheduler puts in the queue. */
export interface QueueEntry {
  /** Higher starts first. */
  readonly priority: number;
  /** Expected duration (ms); among equal priorities, longer starts first. */
  readonly expectedMs: number;
  /** Arrival order across all batches of the executor. */
  readonly seq: number;
  /**
   * The gate this entry waits behind (for instance its tool's concurrency limit). Entries whose
   * lane is closed are passed over, so that one busy tool never blocks the others.
   */
  readonly lane: object;
  /** Slot for the discipline's own bookkeeping (for instance a heap position). */
  queueSlot: number;
}

/** A queue discipline. Implementations must never lose an entry: every push is popped or removed. */
export interface QueueDiscipline<T extends QueueEntry = QueueEntry> {
  /** Entries waiting. */
  readonly size: number;
  /** Adds an entry. */
  push(entry: T): void;
  /** Removes and returns the best entry whose lane is open, or `undefined`. */
  pop(isLaneOpen: (lane: object) => boolean): T | undefined;
  /** Removes an entry that will not start (cancelled, deadline); returns whether it was queued. */
  remove(entry: T): boolean;
  /**
   * Optional: told once per popped entry when its attempt ends (or it was refused at the start),
   * so that a discipline can count running work, as the fair queue does per tenant.
   */
  release?(entry: T): void;
}

/** True when `a` should start before `b` under the default order. */
export function startsBefore(a: QueueEntry, b: QueueEntry): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.expectedMs !== b.expectedMs) return a.expectedMs > b.expectedMs;
  return a.seq < b.seq;
}

/** A binary heap that tracks each entry's position, for O(log n) removal. */
class EntryHeap<T extends QueueEntry> {
  readonly items: T[] = [];

  push(entry: T): void {
    const items = this.items;
    items.push(entry);
    this.#up(items.length - 1);
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      last.queueSlot = 0;
      this.#down(0);
    }
    top.queueSlot = -1;
    return top;
  }

  remove(entry: T): boolean {
    const items = this.items;
    const at = entry.queueSlot;
    if (at < 0 || items[at] !== entry) return false;
    const last = items.pop()!;
    if (at < items.length) {
      items[at] = last;
      last.queueSlot = at;
      this.#down(at);
      this.#up(last.queueSlot);
    }
    entry.queueSlot = -1;
    return true;
  }

  #up(at: number): void {
    const items = this.items;
    const entry = items[at]!;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = items[parentAt]!;
      if (!startsBefore(entry, parent)) break;
      items[at] = parent;
      parent.queueSlot = at;
      at = parentAt;
    }
    items[at] = entry;
    entry.queueSlot = at;
  }

  #down(at: number): void {
    const items = this.items;
    const length = items.length;
    const entry = items[at]!;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && startsBefore(items[right]!, items[left]!)) child = right;
      const best = items[child]!;
      if (!startsBefore(best, entry)) break;
      items[at] = best;
      best.queueSlot = at;
      at = child;
    }
    items[at] = entry;
    entry.queueSlot = at;
  }
}

/**
 * The default discipline: one heap per lane, so that a closed lane (a tool at its own limit)
 * never holds back the calls of other tools. `pop` compares the heads of the open lanes.
 */
export class PriorityQueue<T extends QueueEntry = QueueEntry> implements QueueDiscipline<T> {
  readonly #lanes = new Map<object, EntryHeap<T>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(entry: T): void {
    let heap = this.#lanes.get(entry.lane);
    if (heap === undefined) this.#lanes.set(entry.lane, (heap = new EntryHeap<T>()));
    heap.push(entry);
    this.#size++;
  }

  pop(isLaneOpen: (lane: object) => boolean): T | undefined {
    if (this.#size === 0) return undefined;
    let bestHeap: EntryHeap<T> | undefined;
    let best: T | undefined;
    for (const [lane, heap] of this.#lanes) {
      const head = heap.peek();
      if (head === undefined || !isLaneOpen(lane)) continue;
      if (best === undefined || startsBefore(head, best)) {
        best = head;
        bestHeap = heap;
      }
    }
    if (bestHeap === undefined) return undefined;
    this.#size--;
    const entry = bestHeap.pop()!;
    if (bestHeap.items.length === 0) this.#lanes.delete(entry.lane);
    return entry;
  }

  remove(entry: T): boolean {
    const heap = this.#lanes.get(entry.lane);
    if (heap === undefined || !heap.remove(entry)) return false;
    this.#size--;
    if (heap.items.length === 0) this.#lanes.delete(entry.lane);
    return true;
  }
}
