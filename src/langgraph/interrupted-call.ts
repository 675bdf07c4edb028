import { CancelledError, isVolleyError } from "../core/index.js";

/**
 * How a call that interrupted the graph (`interrupt()`, a parent `Command`) ends: `cancelled`,
 * with `error.data.interrupted` set, which tells every Volley journal never to record it, whatever
 * its `transientKinds`: the resume must run the call again with the resume value. It is a
 * `CancelledError` by class (`instanceof`), with a name of its own.
 */
export class InterruptedCallError extends CancelledError {
  /** Always `"InterruptedCallError"`, which `isInterruptedCallError()` checks. */
  override name = "InterruptedCallError";
  /** Copied onto the outcome's `error.data`. */
  readonly data = Object.freeze({
    /** Tells every Volley journal never to record the outcome. */
    interrupted: true,
  });

  /**
   * Makes the error of a call that interrupted the graph.
   * @param callId The id of the call whose tool called `interrupt()`.
   */
  constructor(callId: string) {
    super(`call "${callId}" interrupted the graph`);
  }
}

/** True for an {@link InterruptedCallError}, even one made by another copy of the library. */
export function isInterruptedCallError(error: unknown): error is InterruptedCallError {
  return isVolleyError(error) && error.name === "InterruptedCallError";
}
