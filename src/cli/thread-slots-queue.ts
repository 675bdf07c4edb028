import { PriorityQueue, type QueueDiscipline, type QueueEntry } from "../core/index.js";

/**
 * The queue of `volley run --isolation worker`: the default order, with one more gate, so that
 * the worker tools together never start more calls than the pool has threads. A call beyond
 * that waits here, where its timeout does not run yet, and not in the pool's own queue, where
 * it would. Tools outside the pool (`@langchain/core` tools stay inline) pass freely.
 *
 * A queue entry does not say its tool; its lane does not change. The executor's `call:queued`
 * event, which follows each push at once, names the tool: {@link ThreadSlotsQueue.queued} learns
 * the worker tools' lanes from it (each worker tool has a concurrency limit, hence a lane of its
 * own).
 * @example
 * const queue = new ThreadSlotsQueue(4, new Set(["hash"]));
 * const executor = createExecutor({ tools, backends, queue });
 * executor.on("call:queued", ({ tool }) => queue.queued(tool));
 */
export class ThreadSlotsQueue implements QueueDiscipline {
  readonly #inner = new PriorityQueue();
  readonly #threads: number;
  readonly #workerTools: ReadonlySet<string>;
  readonly #workerLanes = new Set<object>();
  #running = 0;
  #pushed: QueueEntry | undefined;

  /**
   * @param threads The pool's threads: most worker calls running at once.
   * @param workerTools The names of the tools that run in the pool.
   */
  constructor(threads: number, workerTools: ReadonlySet<string>) {
    this.#threads = threads;
    this.#workerTools = workerTools;
  }

  get size(): number {
    return this.#inner.size;
  }

  push(entry: QueueEntry): void {
    this.#inner.push(entry);
    this.#pushed = entry;
  }

  /** Told the tool of the entry just pushed (the executor's `call:queued` event). */
  queued(tool: string): void {
    if (this.#pushed !== undefined && this.#workerTools.has(tool)) {
      this.#workerLanes.add(this.#pushed.lane);
    }
    this.#pushed = undefined;
  }

  pop(isLaneOpen: (lane: object) => boolean): QueueEntry | undefined {
    const full = this.#running >= this.#threads;
    const entry = this.#inner.pop(
      full ? (lane) => !this.#workerLanes.has(lane) && isLaneOpen(lane) : isLaneOpen,
    );
    if (entry !== undefined && this.#workerLanes.has(entry.lane)) this.#running++;
    return entry;
  }

  remove(entry: QueueEntry): boolean {
    return this.#inner.remove(entry);
  }

  release(entry: QueueEntry): void {
    if (this.#workerLanes.has(entry.lane)) this.#running--;
  }
}
