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
  /** The name of the call's tool, for a discipline that treats some tools as one group. */
  readonly toolName: string;
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

/** Entries of one rank (priority, expected duration) in one lane, in arrival order. */
interface Bucket<T extends QueueEntry> {
  priority: number;
  expectedMs: number;
  items: T[];
  /** Index of the first entry not yet taken. */
  head: number;
  /** Entries in `items[head..]` still queued (the others were removed). */
  live: number;
}

/** One lane's buckets, best rank first. */
interface Lane<T extends QueueEntry> {
  readonly key: object;
  readonly buckets: Bucket<T>[];
  size: number;
  /** A bucket that emptied, kept for the next rank: most lanes go empty and busy all the time. */
  spare: Bucket<T> | undefined;
}

/** Empty lanes kept for reuse beyond this many are let go of (a discipline may make many). */
const KEPT_LANES = 64;

const QUEUED = 1;
const NOT_QUEUED = -1;

function ranksBefore(p1: number, e1: number, p2: number, e2: number): boolean {
  return p1 !== p2 ? p1 > p2 : e1 > e2;
}

/**
 * The default discipline. Each lane (a gate such as a tool's own concurrency limit) keeps its
 * entries in buckets of equal rank, best rank first, each bucket a FIFO. Almost every batch has
 * one or two ranks, so push and pop are O(1); a closed lane never holds back the others, since
 * `pop` compares the heads of the open lanes only. Removal is lazy: the entry is marked and
 * skipped, and a bucket is compacted when it is mostly skipped entries.
 */
export class PriorityQueue<T extends QueueEntry = QueueEntry> implements QueueDiscipline<T> {
  readonly #lanes = new Map<object, Lane<T>>();
  /** The lanes with entries, for iteration without allocating. */
  readonly #active: Lane<T>[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(entry: T): void {
    let lane = this.#lanes.get(entry.lane);
    if (lane === undefined) {
      lane = { key: entry.lane, buckets: [], size: 0, spare: undefined };
      this.#lanes.set(entry.lane, lane);
    }
    if (lane.size === 0) this.#active.push(lane);
    const bucket = this.#bucketFor(lane, entry.priority, entry.expectedMs);
    const items = bucket.items;
    const last = items.length > bucket.head ? items[items.length - 1]! : undefined;
    if (last === undefined || last.seq < entry.seq) {
      items.push(entry);
    } else {
      // An older entry coming back (a retry) takes its place by arrival order.
      let lo = bucket.head;
      let hi = items.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (items[mid]!.seq < entry.seq) lo = mid + 1;
        else hi = mid;
      }
      items.splice(lo, 0, entry);
    }
    entry.queueSlot = QUEUED;
    bucket.live++;
    lane.size++;
    this.#size++;
  }

  pop(isLaneOpen: (lane: object) => boolean): T | undefined {
    if (this.#size === 0) return undefined;
    const active = this.#active;
    let best: T | undefined;
    let bestLane: Lane<T> | undefined;
    for (let i = 0; i < active.length; i++) {
      const lane = active[i]!;
      if (!isLaneOpen(lane.key)) continue;
      const head = this.#head(lane.buckets[0]!);
      if (best === undefined || startsBefore(head, best)) {
        best = head;
        bestLane = lane;
      }
    }
    if (bestLane === undefined) return undefined;
    const bucket = bestLane.buckets[0]!;
    bucket.head++;
    this.#taken(bestLane, bucket, best!);
    return best;
  }

  remove(entry: T): boolean {
    if (entry.queueSlot !== QUEUED) return false;
    const lane = this.#lanes.get(entry.lane)!;
    const bucket = lane.buckets.find(
      (b) => b.priority === entry.priority && b.expectedMs === entry.expectedMs,
    )!;
    this.#taken(lane, bucket, entry);
    if (
      bucket.live > 0 &&
      bucket.head > 64 &&
      bucket.live * 2 < bucket.items.length - bucket.head
    ) {
      bucket.items = bucket.items.slice(bucket.head).filter((e) => e.queueSlot === QUEUED);
      bucket.head = 0;
    }
    return true;
  }

  /** The first entry of a non-empty bucket still queued. */
  #head(bucket: Bucket<T>): T {
    const items = bucket.items;
    let at = bucket.head;
    while (items[at]!.queueSlot !== QUEUED) at++;
    bucket.head = at;
    return items[at]!;
  }

  #taken(lane: Lane<T>, bucket: Bucket<T>, entry: T): void {
    entry.queueSlot = NOT_QUEUED;
    this.#size--;
    lane.size--;
    if (--bucket.live === 0) {
      const buckets = lane.buckets;
      if (buckets[0] === bucket) buckets.shift();
      else buckets.splice(buckets.indexOf(bucket), 1);
      // Let go of the entries taken (a one-entry bucket, the common case, by the cheaper pop).
      if (bucket.items.length === 1) bucket.items.pop();
      else bucket.items = [];
      bucket.head = 0;
      lane.spare = bucket;
    } else if (bucket.head > 1_024 && bucket.head * 2 > bucket.items.length) {
      bucket.items = bucket.items.slice(bucket.head);
      bucket.head = 0;
    }
    if (lane.size === 0) {
      const active = this.#active;
      const at = active.indexOf(lane);
      active[at] = active[active.length - 1]!;
      active.pop();
      if (this.#lanes.size > KEPT_LANES) this.#lanes.delete(lane.key);
    }
  }

  #bucketFor(lane: Lane<T>, priority: number, expectedMs: number): Bucket<T> {
    const buckets = lane.buckets;
    let at = 0;
    for (; at < buckets.length; at++) {
      const b = buckets[at]!;
      if (b.priority === priority && b.expectedMs === expectedMs) return b;
      if (ranksBefore(priority, expectedMs, b.priority, b.expectedMs)) break;
    }
    let bucket = lane.spare;
    if (bucket === undefined) bucket = { priority, expectedMs, items: [], head: 0, live: 0 };
    else {
      lane.spare = undefined;
      bucket.priority = priority;
      bucket.expectedMs = expectedMs;
    }
    if (at === buckets.length) buckets.push(bucket);
    else buckets.splice(at, 0, bucket);
    return bucket;
  }
}
