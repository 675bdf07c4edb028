import { CancelledError } from "../core/index.js";

/**
 * How a call that interrupted the graph (`interrupt()`, a parent `Command`) ends: `cancelled`,
 * with `error.data.interrupted` set, which tells every Volley journal never to record it, whatever
 * its `transientKinds`: the resume must run the call again with the resume value.
 */
export class InterruptedCallError extends CancelledError {
  /** Copied onto the outcome's `error.data`. */
  readonly data = Object.freeze({ interrupted: true });

  constructor(callId: string) {
    super(`call "${callId}" interrupted the graph`);
  }
}
