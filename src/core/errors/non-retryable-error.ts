import { hasVolleyName } from "./volley-error.js";
import { ToolError, type ToolErrorOptions } from "./tool-error.js";

/** Thrown by a tool to say "retrying will not help": the call fails at once, whatever the policy. */
export class NonRetryableError extends ToolError {
  /** Always `"NonRetryableError"`, which `isNonRetryableError()` checks. */
  override name = "NonRetryableError";

  /**
   * Makes an error that fails the call at once, without retries.
   * @param message What went wrong: the outcome's `error.message`.
   * @param options `cause` and structured `data` for the outcome.
   * @example throw new NonRetryableError("No such user", { data: { userId } });
   */
  constructor(message: string, options?: ToolErrorOptions) {
    super(message, options);
  }
}

/** True for a {@link NonRetryableError}. */
export function isNonRetryableError(error: unknown): error is NonRetryableError {
  return hasVolleyName(error, "NonRetryableError");
}
