import {
  VolleyError,
  hasVolleyName,
  type VolleyErrorOptions,
} from "../core/errors/volley-error.js";
import type { ErrorKind } from "../core/outcome.js";

/** Options of a {@link McpCallError}. */
export interface McpCallErrorOptions extends VolleyErrorOptions {
  /** The JSON-RPC error code (`-32602`), or the HTTP status of a Streamable HTTP error. */
  readonly code?: number;
}

/**
 * A tool call that failed between Volley and the MCP server, not in the tool: the connection
 * closed or the server died (`crashed`), the server refused the arguments (`invalid_args`), or
 * it answered with another protocol error (`tool_error`). The kind says which.
 */
export class McpCallError extends VolleyError {
  /** Always `"McpCallError"`, which `isMcpCallError()` checks. */
  override name = "McpCallError";
  /** The JSON-RPC error code or HTTP status, in `error.data.code`. */
  readonly data: Readonly<{
    /** The JSON-RPC error code or HTTP status, when the failure had one. */
    code?: number;
  }>;

  /**
   * Makes the error of a failed request to an MCP server.
   * @param kind `crashed`, `invalid_args` or `tool_error`.
   * @param message What went wrong, naming the tool and the server.
   * @param options The SDK's error as `cause`, and its `code`.
   */
  constructor(
    kind: Extract<ErrorKind, "crashed" | "invalid_args" | "tool_error">,
    message: string,
    options?: McpCallErrorOptions,
  ) {
    super(kind, message, options);
    this.data = options?.code === undefined ? {} : { code: options.code };
  }
}

/** True for a {@link McpCallError}. */
export function isMcpCallError(error: unknown): error is McpCallError {
  return hasVolleyName(error, "McpCallError");
}
