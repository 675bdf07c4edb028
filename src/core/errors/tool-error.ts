import { VolleyError, hasVolleyName, type VolleyErrorOptions } from "./volley-error.js";

/** Options of a {@link ToolError}. */
export interface ToolErrorOptions extends VolleyErrorOptions {
  /**
   * Wait at least this long before the next attempt (ms), e.g. from an HTTP `Retry-After` header.
   * @example new ToolError("rate limited", { retryAfterMs: 2_000 })
   */
  readonly retryAfterMs?: number;
  /** Structured detail copied into the outcome's `error.data`. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * An error a tool throws on purpose, with structure: a retry hint and data for the outcome.
 * Any thrown value works as a tool error; this class adds the fields.
 */
export class ToolError extends VolleyError {
  /** Always `"ToolError"`, which `isToolError()` checks. */
  override name = "ToolError";
  /** Wait at least this long before retrying (ms). */
  readonly retryAfterMs: number | undefined;
  /** Structured detail for the outcome. */
  readonly data: Readonly<Record<string, unknown>> | undefined;

  /**
   * Makes an error for a tool to throw, with fields for the outcome.
   * @param message What went wrong: the outcome's `error.message`.
   * @param options `cause`, `retryAfterMs` and structured `data` for the outcome.
   * @example throw new ToolError("Rate limited", { retryAfterMs: 2_000, data: { status: 429 } });
   */
  constructor(message: string, options?: ToolErrorOptions) {
    super("tool_error", message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.data = options?.data;
  }
}

/** True for a {@link ToolError} (or a subclass). */
export function isToolError(error: unknown): error is ToolError {
  return hasVolleyName(error, "ToolError") || hasVolleyName(error, "NonRetryableError");
}
