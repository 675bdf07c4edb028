import { PriorityQueue, type QueueDiscipline, type QueueEntry } from "../core/index.js";

/**
 * The queue of `volley run --isolation worker`: the default order, with one more gate, so that
 * the worker tools together never start more calls than the pool has threads. A call beyond
 * that waits here, where its timeout does not run yet, and not in the pool's own queue, where
 * it would. Tools outside the pool (`@langchain/core` tools stay inline) pass freely.
 * @example
 * const queue = new ThreadSlotsQueue(4, new Set(["hash"]));
 * const executor = createExecutor({ tools, backends, queue });
 */
export class ThreadSlotsQueue implements QueueDiscipline {
  readonly #inner = new PriorityQueue();
  readonly #threads: number;
  readonly #workerTools: ReadonlySet<string>;
  /** The lanes of the worker tools' queued calls: closed to pop() while the threads are busy. */
  readonly #workerLanes = new Set<object>();
  #running = 0;

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
    if (this.#workerTools.has(entry.toolName)) this.#workerLanes.add(entry.lane);
    this.#inner.push(entry);
  }

  pop(isLaneOpen: (lane: object) => boolean): QueueEntry | undefined {
    const full = this.#running >= this.#threads;
    const entry = this.#inner.pop(
      full ? (lane) => !this.#workerLanes.has(lane) && isLaneOpen(lane) : isLaneOpen,
    );
    if (entry !== undefined && this.#workerTools.has(entry.toolName)) this.#running++;
    return entry;
  }

  remove(entry: QueueEntry): boolean {
    return this.#inner.remove(entry);
  }

  release(entry: QueueEntry): void {
    if (this.#workerTools.has(entry.toolName)) this.#running--;
  }
}
