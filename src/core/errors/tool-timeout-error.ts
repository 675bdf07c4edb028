import { VolleyError, hasVolleyName } from "./volley-error.js";

/** The abort reason of an attempt that ran past its `timeoutMs`. */
export class ToolTimeoutError extends VolleyError {
  /** Always `"ToolTimeoutError"`, which `isToolTimeoutError()` checks. */
  override name = "ToolTimeoutError";

  /**
   * Makes the abort reason of an attempt past its timeout.
   * @param tool The tool's name.
   * @param timeoutMs The limit that fired (ms).
   * @param elapsedMs How long the attempt had run (ms).
   */
  constructor(
    /** The tool's name. */
    readonly tool: string,
    /** The limit that fired (ms). */
    readonly timeoutMs: number,
    /** How long the attempt had run (ms). */
    readonly elapsedMs: number,
    /** The attempt that timed out (1-based). */
    readonly attempt: number,
    /** Live state of the executor when it fired, for the message. */
    state?: string,
  ) {
    super(
      "timeout",
      `Tool "${tool}" timed out after ${timeoutMs}ms (attempt ${attempt}${state ? `; ${state}` : ""})`,
    );
  }
}

/** True for a {@link ToolTimeoutError}. */
export function isToolTimeoutError(error: unknown): error is ToolTimeoutError {
  return hasVolleyName(error, "ToolTimeoutError");
}
