import type { Progress, Tool as McpToolInfo } from "@modelcontextprotocol/sdk/types.js";
import type { Policy } from "../core/policy.js";
import type { StandardSchemaLike } from "../core/schema.js";
import { AttemptContext } from "../core/engine/attempt-context.js";
import { defineTool, type Tool, type ToolContext } from "../core/tool.js";
import { abortReason } from "./abort-reason.js";
import { callFailure, type CallSite } from "./call-failure.js";
import { callValue } from "./call-result.js";
import type { McpArgs } from "./json-schema-args.js";
import type { McpClient } from "./mcp-client.js";
import { isMcpToolError } from "./mcp-tool-error.js";
import { RequestSignal } from "./request-signal.js";

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
 * One request in flight. It hears the attempt end and aborts the signal it gives the SDK: the
 * SDK tells the server `String(signal.reason)`, so that signal is aborted with the kind alone,
 * never the Volley error (its message, class and stack). A light {@link RequestSignal}, not an
 * AbortController's, which would cost a third of a fast call.
 *
 * The executor's own context tells the abort without making its `signal` (an AbortSignal per
 * call is most of what a fast call costs), and says whether progress is heard at all: when not,
 * no `onprogress` goes to the SDK, which then sends no progress token and keeps no handler. Any
 * other {@link ToolContext} (one wrapped by a worker, or made by hand) is heard through its
 * public `signal`, and its progress is always passed on.
 */
class McpRequest {
  readonly signal = new RequestSignal();
  readonly #ctx: ToolContext;
  /** The executor's context, or undefined for another one. */
  readonly #attempt: AttemptContext | undefined;
  /** The other context's signal, listened to (`handleEvent`). */
  readonly #signal: AbortSignal | undefined;
  /** For the SDK: undefined when nothing hears the attempt's progress. */
  readonly onprogress: ((p: Progress) => void) | undefined;

  constructor(ctx: ToolContext) {
    this.#ctx = ctx;
    if (ctx instanceof AttemptContext) {
      this.#attempt = ctx;
      this.#signal = undefined;
      this.onprogress = AttemptContext.wantsProgress(ctx)
        ? (p: Progress): void => this.#progressed(p)
        : undefined;
      AttemptContext.onAbort(ctx, (reason) => this.#abort(reason));
    } else {
      this.#attempt = undefined;
      this.#signal = ctx.signal;
      this.onprogress = (p: Progress): void => this.#progressed(p);
      if (this.#signal.aborted) this.handleEvent();
      else this.#signal.addEventListener("abort", this);
    }
  }

  /** The other context's signal aborted. */
  handleEvent(): void {
    this.#abort(this.#signal!.reason);
  }

  /** The attempt aborted: abort the request with a reason safe to send. */
  #abort(reason: unknown): void {
    this.signal.abort(abortReason(reason));
  }

  /** A progress notification from the server: the attempt's heartbeat. */
  #progressed(p: Progress): void {
    this.#ctx.progress({ progress: p.progress, total: p.total, message: p.message });
  }

  /** Why the attempt was aborted, or undefined if it was not (it ended otherwise). */
  abortedWith(): { readonly reason: unknown } | undefined {
    if (this.#attempt !== undefined) {
      return AttemptContext.aborted(this.#attempt)
        ? { reason: AttemptContext.reasonOf(this.#attempt) }
        : undefined;
    }
    return this.#signal!.aborted ? { reason: this.#signal!.reason } : undefined;
  }

  done(): void {
    if (this.#attempt !== undefined) AttemptContext.onAbort(this.#attempt, undefined);
    else this.#signal!.removeEventListener("abort", this);
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
    // Not an async function: the SDK's promise, and one `then`, are all the hops a call takes.
    run: (args: McpArgs, ctx: ToolContext): Promise<unknown> => {
      const request = new McpRequest(ctx);
      return client
        .callTool({ name: toolName, arguments: args }, undefined, {
          signal: request.signal.asAbortSignal(),
          timeout: SDK_TIMEOUT_OFF,
          onprogress: request.onprogress,
        })
        .then(
          (answer) => {
            request.done();
            return callValue(answer, toolName);
          },
          (error: unknown) => {
            request.done();
            // Volley ended the attempt: the reason it gave tells it the attempt honoured the abort.
            const aborted = request.abortedWith();
            if (aborted !== undefined) throw aborted.reason;
            if (isMcpToolError(error)) throw error;
            throw callFailure(error, site);
          },
        );
    },
  });
}
