import { VolleyError, hasVolleyName } from "./volley-error.js";

/** The abort reason when a batch's `deadlineMs` passes. */
export class DeadlineExceededError extends VolleyError {
  /** Always `"DeadlineExceededError"`, which `isDeadlineExceededError()` checks. */
  override name = "DeadlineExceededError";

  /**
   * Makes the abort reason of a batch whose deadline passed.
   * @param deadlineMs The batch's deadline, relative to `execute()` (ms).
   * @param message Defaults to `Batch deadline of <deadlineMs>ms passed`.
   */
  constructor(
    /** The batch's deadline, relative to `execute()` (ms). */
    readonly deadlineMs: number,
    message = `Batch deadline of ${deadlineMs}ms passed`,
  ) {
    super("deadline", message);
  }
}

/** True for a {@link DeadlineExceededError}. */
export function isDeadlineExceededError(error: unknown): error is DeadlineExceededError {
  return hasVolleyName(error, "DeadlineExceededError");
}
