import { VolleyError, hasVolleyName, type VolleyErrorOptions } from "./volley-error.js";

/** A call refused before it ran: back-pressure, a limit, an open circuit, a closed executor. */
export class RejectedError extends VolleyError {
  /** Always `"RejectedError"`, which `isRejectedError()` checks. */
  override name = "RejectedError";

  /**
   * Makes the error of a call refused before it ran.
   * @param message Which limit refused the call, with its state.
   * @param options The underlying `cause`, if any.
   */
  constructor(message: string, options?: VolleyErrorOptions) {
    super("rejected", message, options);
  }
}

/** True for a {@link RejectedError}. */
export function isRejectedError(error: unknown): error is RejectedError {
  return hasVolleyName(error, "RejectedError");
}
