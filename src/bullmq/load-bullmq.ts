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
