import { PriorityQueue, type QueueDiscipline, type QueueEntry } from "../../queue.js";
import { describeValue } from "../../describe-value.js";

/** A batch's priority class: `interactive` calls start before any `background` call. */
export type PriorityClass = "interactive" | "background";

/** The classes, in the order they are served. */
export const PRIORITY_CLASSES: readonly PriorityClass[] = Object.freeze([
  "interactive",
  "background",
]);

/** Fair sharing: `execute()`'s options that place a batch among others. */
export interface FairnessOptions {
  /**
   * Who the batch is for (an agent thread, a user, an API key). Tenants share the executor's
   * limit by weighted fair queuing.
   * @default "" (one shared tenant)
   */
  readonly tenant?: string;
  /**
   * The tenant's share relative to others: weight 2 gets twice the slots of weight 1 when both
   * are busy.
   * @default 1
   */
  readonly weight?: number;
  /**
   * `interactive` calls start before any `background` call that is ready.
   * @default "interactive"
   */
  readonly class?: PriorityClass;
}

/** Checks `execute()`'s `tenant`, `weight` and `class`; throws a `TypeError` naming the bad one. */
export function assertFairnessOptions(options: {
  readonly tenant?: unknown;
  readonly weight?: unknown;
  readonly class?: unknown;
}): void {
  const { tenant, weight } = options;
  if (tenant !== undefined && (typeof tenant !== "string" || tenant.length === 0)) {
    throw new TypeError(`Expected tenant to be a non-empty string, got ${describeValue(tenant)}`);
  }
  if (
    weight !== undefined &&
    (typeof weight !== "number" || !(weight > 0) || !Number.isFinite(weight))
  ) {
    throw new TypeError(`Expected weight to be a finite number > 0, got ${describeValue(weight)}`);
  }
  const cls = options.class;
  if (cls !== undefined && cls !== "interactive" && cls !== "background") {
    throw new TypeError(
      `Expected class to be "interactive" or "background", got ${describeValue(cls)}`,
    );
  }
}

/** One tenant's live counters within a class. */
export interface TenantCounters {
  /** Calls waiting for a slot now. */
  readonly queued: number;
  /** Attempts running now. */
  readonly running: number;
  /** The tenant's weight, as its latest batch gave it. */
  readonly weight: number;
}

/** Tenants with calls queued or running, by class, then by tenant (`""`: the default tenant). */
export type TenantStats = Readonly<Record<PriorityClass, Readonly<Record<string, TenantCounters>>>>;

/** What the fair queue reads from an entry besides the core fields. */
export interface FairEntry extends QueueEntry {
  /** The tenant whose batch the call belongs to. @default "" (the shared default tenant) */
  readonly tenant?: string;
  /** The tenant's weight. @default 1 */
  readonly weight?: number;
  /** The call's priority class. @default "interactive" */
  readonly priorityClass?: PriorityClass;
}

/** One tenant's calls within one class. */
class Flow<T extends FairEntry> {
  readonly queue = new PriorityQueue<T>();
  weight = 1;
  /** Attempts of this flow running now. */
  running = 0;
  /** Virtual service received: grows by 1 / weight per start. */
  pass = 0;
  constructor(readonly tenant: string) {}
}

/**
 * Weighted fair queuing among tenants, under strict priority classes. Among the tenants of a
 * class that have a call ready, the next start goes to the one using the smallest share of the
 * running slots for its weight (`running / weight`), ties going to the one that received the
 * least service so far (`pass`, which grows by `1 / weight` per start). So a tenant that sends
 * five calls while another floods ten thousand gets the next free slots at once, and two busy
 * tenants of weights 2 and 1 share the limit 2 : 1. Within a tenant the core's order holds:
 * `priority`, then longest expected first, then arrival. Lanes (a tool at its own limit) are
 * honoured per tenant, so a closed lane never blocks another tool's calls.
 */
export class FairQueue<T extends FairEntry = FairEntry> implements QueueDiscipline<T> {
  readonly #classes = new Map<PriorityClass, Map<string, Flow<T>>>(
    PRIORITY_CLASSES.map((c) => [c, new Map()]),
  );
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Tenants with calls queued or running, per class. */
  tenants(): TenantStats {
    const out = {} as Record<PriorityClass, Record<string, TenantCounters>>;
    for (const [cls, flows] of this.#classes) {
      const entry: Record<string, TenantCounters> = {};
      for (const [tenant, flow] of flows)
        entry[tenant] = { queued: flow.queue.size, running: flow.running, weight: flow.weight };
      out[cls] = entry;
    }
    return out;
  }

  push(entry: T): void {
    const flows = this.#classes.get(entry.priorityClass ?? "interactive")!;
    const tenant = entry.tenant ?? "";
    let flow = flows.get(tenant);
    if (flow === undefined) {
      flow = new Flow<T>(tenant);
      // A tenant that joins starts level with the least-served busy one: no hoarded credit.
      let floor = Number.POSITIVE_INFINITY;
      for (const other of flows.values()) if (other.pass < floor) floor = other.pass;
      if (floor !== Number.POSITIVE_INFINITY) flow.pass = floor;
      flows.set(tenant, flow);
    }
    flow.weight = entry.weight ?? 1;
    flow.queue.push(entry);
    this.#size++;
  }

  pop(isLaneOpen: (lane: object) => boolean): T | undefined {
    if (this.#size === 0) return undefined;
    for (const flows of this.#classes.values()) {
      if (flows.size === 0) continue;
      let tried: Set<Flow<T>> | undefined;
      for (;;) {
        let best: Flow<T> | undefined;
        let bestShare = 0;
        for (const flow of flows.values()) {
          if (flow.queue.size === 0 || tried?.has(flow)) continue;
          const share = flow.running / flow.weight;
          if (
            best === undefined ||
            share < bestShare ||
            (share === bestShare && flow.pass < best.pass)
          ) {
            best = flow;
            bestShare = share;
          }
        }
        if (best === undefined) break;
        const entry = best.queue.pop(isLaneOpen);
        if (entry !== undefined) {
          best.running++;
          best.pass += 1 / best.weight;
          this.#size--;
          return entry;
        }
        (tried ??= new Set()).add(best);
      }
    }
    return undefined;
  }

  remove(entry: T): boolean {
    const flows = this.#classes.get(entry.priorityClass ?? "interactive")!;
    const tenant = entry.tenant ?? "";
    const flow = flows.get(tenant);
    if (flow === undefined || !flow.queue.remove(entry)) return false;
    this.#size--;
    if (flow.queue.size === 0 && flow.running === 0) flows.delete(tenant);
    return true;
  }

  release(entry: T): void {
    const flows = this.#classes.get(entry.priorityClass ?? "interactive")!;
    const tenant = entry.tenant ?? "";
    const flow = flows.get(tenant);
    if (flow === undefined) return;
    if (flow.running > 0) flow.running--;
    if (flow.queue.size === 0 && flow.running === 0) flows.delete(tenant);
  }
}
