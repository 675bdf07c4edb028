import { randomUUID } from "node:crypto";
import type { QueueEvents, QueueEventsProducer } from "bullmq";

/** The event that proves a reader is running: sent on the reader's own stream. */
const SYNC_EVENT = "volley:sync";

/**
 * Resolves once `events` reads its stream: publishes a marker there, again every 200 ms, until
 * the reader has seen one. A reader reads from the moment its first read reaches the server,
 * which `waitUntilReady()` does not wait for; after this, nothing published can pass it unseen.
 * @throws Error naming the queue when the reader sees nothing within `timeoutMs`.
 */
export async function untilReading(
  events: QueueEvents,
  producer: QueueEventsProducer,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const nonce = randomUUID();
  const on = events.on.bind(events) as (event: string, listener: (args: unknown) => void) => void;
  const off = events.off.bind(events) as (event: string, listener: (args: unknown) => void) => void;
  let listener: ((args: unknown) => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let again: ReturnType<typeof setInterval> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      listener = (args) => {
        if ((args as { nonce?: unknown } | null)?.nonce === nonce) resolve();
      };
      on(SYNC_EVENT, listener);
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `The reader of queue "${name}" did not see its own event within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      const publish = () =>
        void producer.publishEvent({ eventName: SYNC_EVENT, nonce }).catch(() => {});
      publish();
      again = setInterval(publish, 200);
    });
  } finally {
    clearTimeout(timer);
    clearInterval(again);
    if (listener !== undefined) off(SYNC_EVENT, listener);
  }
}
