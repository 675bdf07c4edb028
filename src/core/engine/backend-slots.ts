import type { Backend } from "../backend.js";
import { describeValue } from "../describe-value.js";
import { assertCount } from "../validate-options.js";

/**
 * The slots of one pool of a backend, shared by the tools whose attempts run in it: the scheduler
 * starts an attempt only on a free slot, so the calls beyond the pool's size wait in Volley's
 * queue, where no timeout runs yet, rather than in the backend's own.
 */
export class BackendSlots {
  /** Attempts running in the pool now. */
  running = 0;

  constructor(
    /** Attempts the pool runs at once. */
    readonly size: number,
  ) {}

  get free(): boolean {
    return this.running < this.size;
  }
}

/** The slots of each backend's pools, made once per executor. */
export class BackendSlotTable {
  readonly #pools = new Map<Backend, Map<string, BackendSlots>>();

  /** The slots `tool`'s attempts take on `backend`, or `null` when it declares no capacity. */
  slotsFor(backend: Backend, tool: string): BackendSlots | null {
    const capacity = backend.capacity?.(tool);
    if (capacity === undefined) return null;
    const where = `backend "${backend.name}" capacity("${tool}")`;
    if (typeof capacity !== "object" || capacity === null || typeof capacity.pool !== "string") {
      throw new TypeError(
        `Expected ${where} to be { pool: string, slots: number }, got ${describeValue(capacity)}`,
      );
    }
    assertCount(`${where}.slots`, capacity.slots);
    let pools = this.#pools.get(backend);
    if (pools === undefined) this.#pools.set(backend, (pools = new Map()));
    let slots = pools.get(capacity.pool);
    if (slots === undefined) pools.set(capacity.pool, (slots = new BackendSlots(capacity.slots)));
    return slots;
  }
}
