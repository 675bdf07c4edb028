import type { Queue, QueueEvents, QueueEventsProducer, WaitingError, Worker } from "bullmq";
import { requirePeer } from "../core/optional-peer.js";

/** The BullMQ classes Volley uses, loaded from the optional peer. */
export interface BullmqClasses {
  readonly Queue: typeof Queue;
  readonly QueueEvents: typeof QueueEvents;
  readonly QueueEventsProducer: typeof QueueEventsProducer;
  readonly Worker: typeof Worker;
  readonly WaitingError: typeof WaitingError;
}

/** Loads `bullmq`, or says what to install. */
export function loadBullmq(needer: string): BullmqClasses {
  return requirePeer<BullmqClasses>("bullmq", needer, "bullmq ioredis");
}

/** Where the BullMQ objects of one caller or worker connect, and where their errors go. */
export interface BullmqSite {
  /** The `connection` option of every BullMQ class. */
  readonly connection: unknown;
  /** BullMQ's Postgres backend factory, or `undefined` for Redis. */
  readonly backendFactory: unknown;
  /** Told of each object's connection errors (an `error` event left unheard would throw). */
  readonly onError: (error: unknown) => void;
}

/**
 * Makes a BullMQ `Queue`, `QueueEvents` or `QueueEventsProducer` named `name` at `site`, with
 * `extra` options, its errors told to `site.onError`. (The Postgres backend's classes differ
 * from the Redis ones in their type parameters only.)
 */
export function openBullmq<
  T extends { on(event: "error", listener: (e: unknown) => void): unknown },
>(Class: unknown, name: string, site: BullmqSite, extra: Record<string, unknown> = {}): T {
  const made = new (Class as new (n: string, o: unknown, f: unknown) => T)(
    name,
    { connection: site.connection, ...extra },
    site.backendFactory,
  );
  made.on("error", site.onError);
  return made;
}
