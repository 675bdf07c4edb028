import { VolleyError, hasVolleyName } from "./volley-error.js";

/** The abort reason of an attempt that ran past its `timeoutMs`, or went `idleTimeoutMs` without progress. */
export class ToolTimeoutError extends VolleyError {
  /** Always `"ToolTimeoutError"`, which `isToolTimeoutError()` checks. */
  override name = "ToolTimeoutError";

  /**
   * Makes the abort reason of an attempt past its timeout.
   * @param tool The tool's name.
   * @param timeoutMs The limit that fired (ms).
   * @param elapsedMs How long the attempt had run (ms).
   * @param attempt The attempt that timed out (1-based).
   * @param state Live state of the executor, for the message.
   * @param idle True when the limit was `idleTimeoutMs`.
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
    /** True when the limit was `idleTimeoutMs` (no progress for that long), not `timeoutMs`. */
    readonly idle = false,
  ) {
    super(
      "timeout",
      idle
        ? `Tool "${tool}" made no progress for ${timeoutMs}ms (idle timeout; attempt ${attempt}${state ? `; ${state}` : ""})`
        : `Tool "${tool}" timed out after ${timeoutMs}ms (attempt ${attempt}${state ? `; ${state}` : ""})`,
    );
  }
}

/** True for a {@link ToolTimeoutError}. */
export function isToolTimeoutError(error: unknown): error is ToolTimeoutError {
  return hasVolleyName(error, "ToolTimeoutError");
}
