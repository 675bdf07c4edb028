import { errorText } from "../describe-value.js";
import { VolleyError, hasVolleyName } from "./volley-error.js";

/** The abort reason when the caller cancels: its signal aborted, or `batch.cancel()`. */
export class CancelledError extends VolleyError {
  /** Always `"CancelledError"`, which `isCancelledError()` checks. */
  override name = "CancelledError";

  /**
   * Makes the abort reason of a cancelled batch.
   * @param reason What the caller gave as the reason (`batch.cancel(reason)`, the signal's).
   */
  constructor(
    /** What the caller gave as the reason, if anything. */
    readonly reason?: unknown,
  ) {
    super("cancelled", `Cancelled by the caller${describeReason(reason)}`, { cause: reason });
  }
}

function describeReason(reason: unknown): string {
  if (reason === undefined) return "";
  if (reason instanceof Error) {
    // An AbortSignal's default reason says nothing the word "cancelled" does not.
    return reason.name === "AbortError" ? "" : `: ${reason.message}`;
  }
  return `: ${errorText(reason)}`;
}

/** True for a {@link CancelledError}. */
export function isCancelledError(error: unknown): error is CancelledError {
  return hasVolleyName(error, "CancelledError");
}
