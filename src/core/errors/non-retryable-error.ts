import { hasVolleyName } from "./volley-error.js";
import { ToolError, type ToolErrorOptions } from "./tool-error.js";

/** Thrown by a tool to say "retrying will not help": the call fails at once, whatever the policy. */
export class NonRetryableError extends ToolError {
  override name = "NonRetryableError";

  constructor(message: string, options?: ToolErrorOptions) {
    super(message, options);
  }
}

/** True for a {@link NonRetryableError}. */
export function isNonRetryableError(error: unknown): error is NonRetryableError {
  return hasVolleyName(error, "NonRetryableError");
}
