/** Checks and defaults shared by the caller's backend and the worker. */
import { describeValue, errorText } from "../core/describe-value.js";
import { redactText, type BullmqConnection } from "./connection.js";

/** A cluster's name: non-empty, and no `:` (BullMQ's key separator). */
export function assertQueueName(where: string, queue: unknown): asserts queue is string {
  if (typeof queue !== "string" || queue.length === 0 || queue.includes(":")) {
    throw new TypeError(
      `Expected ${where}'s queue to be a non-empty name without ":", got ${describeValue(queue)}`,
    );
  }
}

/** Longest a connection's errors go unreported after one was reported (ms). */
const WARN_EVERY_MS = 10_000;

/**
 * What a caller or worker does with its connection's errors: `onError`, given each one with the
 * password cut out; by default a process warning, at most one every 10 s.
 */
export function errorReporter(
  where: string,
  connection: BullmqConnection,
  onError: ((error: Error) => void) | undefined,
): (error: unknown) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (error) => {
    const safe = new Error(`${where}: ${redactText(errorText(error), connection)}`);
    if (onError !== undefined) {
      try {
        onError(safe);
      } catch {
        // A throwing handler must not take the connection's reader down with it.
      }
      return;
    }
    const now = Date.now();
    if (now - last < WARN_EVERY_MS) return;
    last = now;
    process.emitWarning(safe.message, { code: "VOLLEY_BULLMQ" });
  };
}
