import type { ContentBlock } from "@modelcontextprotocol/sdk/types.js";
import { ToolError } from "../core/errors/tool-error.js";
import { hasVolleyName } from "../core/errors/volley-error.js";

/**
 * What an MCP server answered when a tool call failed on its side (`isError: true`): the call
 * ends `tool_error` with the server's text as the message and its content in `error.data`.
 */
export class McpToolError extends ToolError {
  /** Always `"McpToolError"`, which `isMcpToolError()` checks. */
  override name = "McpToolError";
  /** The server's content blocks, as it sent them. */
  readonly content: readonly ContentBlock[];

  /**
   * Makes the error of a tool result with `isError: true`.
   * @param message The server's text: its text blocks, one a line.
   * @param content The result's content blocks, copied into `error.data.content`.
   * @param structuredContent The result's `structuredContent`, if it had one.
   */
  constructor(message: string, content: readonly ContentBlock[], structuredContent?: unknown) {
    super(message, {
      data: structuredContent === undefined ? { content } : { content, structuredContent },
    });
    this.content = content;
  }
}

/** True for a {@link McpToolError}. */
export function isMcpToolError(error: unknown): error is McpToolError {
  return hasVolleyName(error, "McpToolError");
}
