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
      const signal = ctx.signal;
      // The SDK tells the server String(signal.reason): it gets a controller of its own, aborted
      // with the kind alone, never the Volley error (its message, class and stack).
      const controller = new AbortController();
      const onAbort = (): void => controller.abort(abortReason(signal.reason));
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort);
      try {
        const answer = await client.callTool({ name: toolName, arguments: args }, undefined, {
          signal: controller.signal,
          timeout: SDK_TIMEOUT_OFF,
          onprogress: (p: Progress) =>
            ctx.progress({ progress: p.progress, total: p.total, message: p.message }),
        });
        return callValue(answer, toolName);
      } catch (error) {
        // Volley ended the attempt: the reason it gave tells it the attempt honoured the abort.
        if (signal.aborted) throw signal.reason;
        if (isMcpToolError(error)) throw error;
        throw callFailure(error, site);
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    },
  });
}
