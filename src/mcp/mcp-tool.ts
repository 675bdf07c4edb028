import type { Progress, Tool as McpToolInfo } from "@modelcontextprotocol/sdk/types.js";
import type { Policy } from "../core/policy.js";
import type { StandardSchemaLike } from "../core/schema.js";
import { defineTool, type Tool, type ToolContext } from "../core/tool.js";
import { abortReason } from "./abort-reason.js";
import { callFailure, type CallSite } from "./call-failure.js";
import { callValue } from "./call-result.js";
import type { McpArgs } from "./json-schema-args.js";
import type { McpClient } from "./mcp-client.js";
import { isMcpToolError } from "./mcp-tool-error.js";

/**
 * The SDK's own request timeout, turned off: setTimeout's longest delay (about 24.8 days).
 * Volley's clock drives `timeoutMs`, `idleTimeoutMs` and deadlines, and aborts the request.
 */
const SDK_TIMEOUT_OFF = 2 ** 31 - 1;

/** What one Volley tool for one MCP tool is made of. */
export interface McpToolParts {
  readonly client: McpClient;
  readonly info: McpToolInfo;
  /** Its name in Volley: the prefix, then the server's name for it. */
  readonly name: string;
  readonly server: string;
  readonly schema: StandardSchemaLike<McpArgs>;
  readonly policy: Policy;
}

/**
 * One request in flight. It listens to the attempt's signal itself (`handleEvent`), and aborts
 * the controller it gives the SDK: the SDK tells the server `String(signal.reason)`, so that
 * controller is aborted with the kind alone, never the Volley error (its message, class and
 * stack). One object per call, not a closure for each listener.
 */
class McpRequest {
  readonly controller = new AbortController();
  readonly #signal: AbortSignal;
  readonly #ctx: ToolContext;

  constructor(ctx: ToolContext) {
    this.#ctx = ctx;
    this.#signal = ctx.signal;
    if (this.#signal.aborted) this.handleEvent();
    else this.#signal.addEventListener("abort", this);
  }

  /** The attempt's signal aborted: abort the request with a reason safe to send. */
  handleEvent(): void {
    this.controller.abort(abortReason(this.#signal.reason));
  }

  /** A progress notification from the server: the attempt's heartbeat. */
  readonly onprogress = (p: Progress): void =>
    this.#ctx.progress({ progress: p.progress, total: p.total, message: p.message });

  done(): void {
    this.#signal.removeEventListener("abort", this);
  }
}

/** A Volley tool that calls `info.name` on the server, under `policy`. */
export function mcpTool(parts: McpToolParts): Tool<string, McpArgs, unknown> {
  const { client, info } = parts;
  const toolName = info.name;
  const site: CallSite = { tool: toolName, server: parts.server };
  return defineTool({
    ...parts.policy,
    name: parts.name,
    description: info.description ?? "",
    schema: parts.schema,
    run: async (args: McpArgs, ctx: ToolContext): Promise<unknown> => {
      const request = new McpRequest(ctx);
      try {
        const answer = await client.callTool({ name: toolName, arguments: args }, undefined, {
          signal: request.controller.signal,
          timeout: SDK_TIMEOUT_OFF,
          onprogress: request.onprogress,
        });
        return callValue(answer, toolName);
      } catch (error) {
        // Volley ended the attempt: the reason it gave tells it the attempt honoured the abort.
        if (ctx.signal.aborted) throw ctx.signal.reason;
        if (isMcpToolError(error)) throw error;
        throw callFailure(error, site);
      } finally {
        request.done();
      }
    },
  });
}
