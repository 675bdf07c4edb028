/**
 * A virtual event loop for the fuzz campaign: the executor's {@link Clock} (time, timers and
 * randomness), the `setImmediate` the engine's pacer yields through, and a driver that runs them
 * in Node's order, exactly and deterministically, without waiting for real time.
 *
 * Virtual time moves in two ways only:
 * - **idle jumps**: when nothing is due (no timer at or before now, no immediate), the loop jumps
 *   to the earliest timer. Each jump starts a new *epoch*; an outcome that must be delivered "at
 *   once" (a deadline's, a cancel's) must be delivered within the epoch of its instant.
 * - **blocks**: a tool (or a listener) that holds the event loop advances the time synchronously
 *   ({@link VirtualLoop.block}), or busy-waits on {@link VirtualLoop.now}, which advances a little
 *   at each read while it spins ({@link VirtualLoop.spin}). Timers that fall due meanwhile fire
 *   late, in the next timers phase, as they would in Node.
 *
 * One turn of the loop: the timers phase runs every timer due when it began, in (time, creation)
 * order; the check phase runs the immediates queued when it began; between any two callbacks the
 * real microtask and `process.nextTick` queues are drained (the engine's timeout wheel arms its
 * timer from a `nextTick`), by a real `setImmediate` round trip. Timers fire exactly on time, to
 * the fraction of a millisecond: a timer of `ms` fires at `now + ms` (0 and negatives: the next
 * timers phase).
 */
import type { Clock } from "../../src/index.js";

/** Where the fuzz run's time starts (epoch ms): a realistic, fixed instant. */
export const VIRTUAL_EPOCH = 1_700_000_000_000;

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cleared: boolean;
}

interface Immediate {
  readonly fn: () => void;
  cleared: boolean;
}

/** How a run of the loop ended. */
export type LoopEnd = "done" | "stalled" | "time budget" | "step budget";

// Taken when this module loads, before any loop installs its own.
const realSetImmediate = globalThis.setImmediate;
const realClearImmediate = globalThis.clearImmediate;

/** One real turn of the event loop: every pending microtask and nextTick has run after it. */
export function settleReal(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** A seeded PRNG (mulberry32): the same seed, the same numbers. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The loop whose immediates `setImmediate` queues now; none between runs. */
let active: VirtualLoop | undefined;

function virtualSetImmediate(fn: (...args: unknown[]) => void, ...args: unknown[]): unknown {
  if (active === undefined) return realSetImmediate(fn, ...args);
  return active.queueImmediate(() => fn(...args));
}

function virtualClearImmediate(handle: unknown): void {
  if (handle !== null && typeof handle === "object" && "cleared" in handle) {
    (handle as Immediate).cleared = true;
  } else {
    realClearImmediate(handle as NodeJS.Immediate);
  }
}

export class VirtualLoop implements Clock {
  #now: number;
  #seq = 0;
  readonly #heap: Timer[] = [];
  #immediates: Immediate[] = [];
  readonly #random: () => number;
  /** Immediates run so far (the pacer's yields). */
  immediatesRun = 0;
  /** Idle jumps so far. */
  epoch = 0;
  /** When each epoch began (virtual ms): `epochStarts[e]`. */
  readonly epochStarts: number[];
  /** Step of a busy wait's clock reads (ms), while one spins; 0 otherwise. */
  #spinStep = 0;
  /** What went wrong in the loop itself: a callback that threw (an uncaught exception in Node). */
  readonly faults: string[] = [];
  /** Timers made with a delay that is not a number ≥ 0 (Node would clamp it to 1 ms). */
  readonly oddDelays: number[] = [];
  /** Told when a timer is made (for tagging an engine timer, such as a batch's deadline). */
  onTimer: ((handle: object, ms: number) => void) | undefined = undefined;
  /** Told when a timer fires, just before its callback. */
  onFire: ((handle: object) => void) | undefined = undefined;

  constructor(seed: number, start = VIRTUAL_EPOCH) {
    this.#now = start;
    this.epochStarts = [start];
    this.#random = prng(seed);
  }

  // ─── the Clock ────────────────────────────────────────────────────────────

  readonly now = (): number => {
    if (this.#spinStep > 0) this.#now += this.#spinStep;
    return this.#now;
  };

  readonly setTimeout = (fn: () => void, ms: number): unknown => {
    if (!(ms >= 0)) this.oddDelays.push(ms);
    const delay = ms > 0 ? ms : 0;
    const timer: Timer = { at: this.#now + delay, seq: this.#seq++, fn, cleared: false };
    this.#push(timer);
    this.onTimer?.(timer, ms);
    return timer;
  };

  readonly clearTimeout = (handle: unknown): void => {
    if (handle !== null && typeof handle === "object" && "at" in handle)
      (handle as Timer).cleared = true;
  };

  readonly random = (): number => this.#random();

  // ─── blocking the loop ────────────────────────────────────────────────────

  /** Holds the event loop for `ms`: time passes, nothing else runs. */
  block(ms: number): void {
    this.#now += ms;
  }

  /**
   * Busy-waits `ms` on the clock, as `while (clock.now() < until);` would: each read of the
   * clock while it spins advances it by `step`, so it ends a fraction past `until`.
   */
  spin(ms: number, step: number): void {
    const until = this.#now + ms;
    this.#spinStep = step;
    try {
      while (this.now() < until);
    } finally {
      this.#spinStep = 0;
    }
  }

  // ─── immediates ───────────────────────────────────────────────────────────

  queueImmediate(fn: () => void): Immediate {
    const immediate: Immediate = { fn, cleared: false };
    this.#immediates.push(immediate);
    return immediate;
  }

  /** Routes the global `setImmediate` to this loop until the returned function is called. */
  install(): () => void {
    if (active !== undefined) throw new Error("another virtual loop is installed");
    this.#activate();
    const g = globalThis as unknown as Record<string, unknown>;
    const saved = { set: g["setImmediate"], clear: g["clearImmediate"] };
    g["setImmediate"] = virtualSetImmediate;
    g["clearImmediate"] = virtualClearImmediate;
    return () => {
      g["setImmediate"] = saved.set;
      g["clearImmediate"] = saved.clear;
      active = undefined;
      // Whatever is still queued runs on the real loop, as it would have.
      const left = this.#immediates;
      this.#immediates = [];
      for (const i of left) if (!i.cleared) realSetImmediate(i.fn);
    };
  }

  #activate(): void {
    active = this as VirtualLoop;
  }

  // ─── the driver ───────────────────────────────────────────────────────────

  /** Timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#heap.filter((t) => !t.cleared).length;
  }

  /** The epoch the instant `t` belongs to: the last one that began at or before it. */
  epochAt(t: number): number {
    const starts = this.epochStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Runs the loop until `done()` holds once nothing is due, or nothing is left to run (`stalled`),
   * or the budgets run out. `onTurn` is told after every turn that ran something.
   */
  async run(
    done: () => boolean,
    { maxTime = Number.POSITIVE_INFINITY, maxSteps = 1_000_000, onTurn = (): void => {} } = {},
  ): Promise<LoopEnd> {
    let steps = 0;
    await settleReal();
    for (;;) {
      let ran = false;
      // Timers phase: what was due when it began, in order.
      const phaseSeq = this.#seq;
      for (;;) {
        const top = this.#heap[0];
        if (top === undefined || top.at > this.#now || top.seq >= phaseSeq) break;
        this.#pop();
        if (top.cleared) continue;
        top.cleared = true;
        ran = true;
        if (++steps > maxSteps) return "step budget";
        this.onFire?.(top);
        this.#call(top.fn, "timer");
        await settleReal();
      }
      // Check phase: the immediates queued when it began.
      if (this.#immediates.length > 0) {
        const list = this.#immediates;
        this.#immediates = [];
        for (const i of list) {
          if (i.cleared) continue;
          ran = true;
          if (++steps > maxSteps) return "step budget";
          this.immediatesRun++;
          this.#call(i.fn, "immediate");
          await settleReal();
        }
      }
      if (ran) {
        onTurn();
        continue;
      }
      if (done()) return "done";
      // Idle: jump to the next timer.
      let next = this.#heap[0];
      while (next !== undefined && next.cleared) {
        this.#pop();
        next = this.#heap[0];
      }
      if (next === undefined) return "stalled";
      if (next.at > maxTime) return "time budget";
      if (next.at > this.#now) {
        this.#now = next.at;
        this.epoch++;
        this.epochStarts.push(this.#now);
      }
    }
  }

  #call(fn: () => void, what: string): void {
    try {
      fn();
    } catch (error) {
      this.faults.push(
        `a ${what} callback threw (an uncaught exception in Node): ${String(error)}`,
      );
    }
  }

  // ─── the timer heap, by (at, seq) ─────────────────────────────────────────

  #less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && this.#less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && this.#less(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
}
