/**
 * What a failed `client.callTool()` means for the call. The SDK rejects with an `McpError` (a
 * JSON-RPC error from the server, or one it made itself: the connection closed), a transport's
 * own error (Streamable HTTP), or `Error("Not connected")` once the connection is gone. Each is
 * read by its code and name, never by `instanceof`, so that another copy of the SDK works too.
 */
import { errorText } from "../core/describe-value.js";
import { McpCallError } from "./mcp-call-error.js";

/** JSON-RPC codes the SDK gives (`ErrorCode` in `@modelcontextprotocol/sdk/types.js`). */
const CONNECTION_CLOSED = -32000;
const INVALID_PARAMS = -32602;

/** The messages of the SDK's own `InvalidParams` errors about a result, not the arguments. */
const RESULT_CHECK = /Structured content does not match|Failed to validate structured content/;

/** Network failures of a transport: the server is not there (any more). */
const UNREACHABLE = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ENOTFOUND", "UND_ERR_SOCKET"]);

/** Which call failed, for the messages. */
export interface CallSite {
  readonly tool: string;
  readonly server: string;
}

/** Turns what `callTool()` rejected with into a typed Volley error with the right kind. */
export function callFailure(error: unknown, site: CallSite): McpCallError {
  const text = errorText(error);
  const code = numericCode(error);
  const where = `tool "${site.tool}" of MCP server "${site.server}"`;
  const subject = `Tool "${site.tool}" of MCP server "${site.server}"`;
  if (nameOf(error) === "McpError") {
    if (code === CONNECTION_CLOSED) {
      return new McpCallError("crashed", `The connection to the server closed while ${where} ran`, {
        cause: error,
        code,
      });
    }
    if (code === INVALID_PARAMS && !RESULT_CHECK.test(text)) {
      return new McpCallError("invalid_args", `${subject} refused the arguments: ${bare(text)}`, {
        cause: error,
        code,
      });
    }
    return new McpCallError("tool_error", `${subject} failed: ${bare(text)}`, {
      cause: error,
      code,
    });
  }
  if (text === "Not connected") {
    return new McpCallError("crashed", `${subject} was called on a closed connection`, {
      cause: error,
    });
  }
  if (text.startsWith("Streamable HTTP error:")) {
    // 404: the server forgot the session (it restarted); anything else is the call's failure.
    return new McpCallError(code === 404 ? "crashed" : "tool_error", `${subject} failed: ${text}`, {
      cause: error,
      ...(code === undefined ? {} : { code }),
    });
  }
  if (unreachable(error)) {
    return new McpCallError(
      "crashed",
      `The server could not be reached while ${where} ran: ${text}`,
      {
        cause: error,
      },
    );
  }
  return new McpCallError("tool_error", `${subject} failed: ${text}`, { cause: error });
}

/** "MCP error -32602: Tool x not found" → "Tool x not found" (the server's SDK and ours may both prefix it). */
function bare(text: string): string {
  return text.replace(/^(?:MCP error -?\d+: )+/, "");
}

function nameOf(error: unknown): unknown {
  try {
    return error instanceof Error ? error.name : undefined;
  } catch {
    return undefined;
  }
}

function numericCode(error: unknown): number | undefined {
  try {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === "number" ? code : undefined;
  } catch {
    return undefined;
  }
}

/** A `fetch failed` (or socket error) whose cause, at any depth, is a network failure. */
function unreachable(error: unknown): boolean {
  try {
    for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === "string" && UNREACHABLE.has(code)) return true;
    }
  } catch {
    // A throwing getter: not a network error we can name.
  }
  return false;
}
