import type { Tool as McpToolInfo } from "@modelcontextprotocol/sdk/types.js";
import { describeValue } from "../core/describe-value.js";
import type { Policy } from "../core/policy.js";
import type { StandardSchemaLike } from "../core/schema.js";
import type { Tool } from "../core/tool.js";
import { annotationPolicy } from "./annotation-policy.js";
import type { JsonSchemaCompiler } from "../json-schema/json-schema-compiler.js";
import { compileProblem, mcpSchemaCompiler, type McpArgs } from "./json-schema-args.js";
import { listAllTools } from "./list-all-tools.js";
import { assertMcpClient, type McpClient } from "./mcp-client.js";
import { mcpTool } from "./mcp-tool.js";
import { assertMcpToolsOptions, type McpToolsOptions } from "./mcp-tools-options.js";

/** A schema that lets any arguments through, for a tool whose own schema does not compile. */
const UNCHECKED: StandardSchemaLike<McpArgs> = Object.freeze({
  "~standard": Object.freeze({
    version: 1 as const,
    vendor: "volley/mcp",
    validate: (value: unknown) => ({ value: value as McpArgs }),
  }),
});

/**
 * The tools of a connected MCP server as Volley tools. It lists them (following `nextCursor`),
 * and each one checks its arguments against the tool's `inputSchema` before anything is sent,
 * passes the call's signal on (a timeout, deadline or cancel sends `notifications/cancelled`),
 * turns the server's progress notifications into `ctx.progress()` (so `idleTimeoutMs` works),
 * and maps the result: `structuredContent`, a single text, or the content blocks.
 *
 * The server's tools share its limits (`concurrency`, `rateLimit`, `circuitBreaker`: an
 * upstream named `mcp:<name>`); `tools` gives per-tool policy over what the tools' annotations
 * ask for (read-only or idempotent → `idempotent`; destructive → no retries, `needsApproval`).
 *
 * A tool whose input schema Ajv cannot compile is kept, unchecked, with a `VOLLEY_MCP` process
 * warning naming it; a tool that can only run as a task is left out, with the same warning.
 * @throws TypeError (the promise rejects) for a bad option or a client that is not one, naming
 *   what is wrong; an error saying what to install when the peer `ajv` is missing; the SDK's
 *   error when the server cannot list its tools.
 * @example
 * const client = new Client({ name: "agent", version: "1.0.0" });
 * await client.connect(new StdioClientTransport({ command: "npx", args: ["my-mcp-server"] }));
 * const executor = createExecutor({
 *   tools: await mcpTools(client, { concurrency: 4, tools: { search: { timeoutMs: 10_000 } } }),
 * });
 */
export async function mcpTools(
  client: McpClient,
  options: McpToolsOptions = {},
): Promise<Tool<string, McpArgs, unknown>[]> {
  assertMcpClient(client);
  assertMcpToolsOptions(options);
  const server = options.name ?? client.getServerVersion()?.name;
  if (typeof server !== "string" || server.length === 0) {
    throw new TypeError(
      `Expected mcpTools's name, or a connected client whose server gave its name; client.getServerVersion() gave ${describeValue(client.getServerVersion())} (connect the client first)`,
    );
  }
  const upstream: Policy["upstream"] = Object.freeze({
    name: `mcp:${server}`,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.rateLimit === undefined
      ? {}
      : { rateLimit: Object.freeze({ ...options.rateLimit }) }),
    ...(options.circuitBreaker === undefined
      ? {}
      : { circuitBreaker: Object.freeze({ ...options.circuitBreaker }) }),
  });
  const compiler = mcpSchemaCompiler();
  const listed = await listAllTools(client, server);
  assertToolsListed(options.tools, listed, server);
  const prefix = options.prefix ?? "";
  const taskOnly: string[] = [];
  const tools: Tool<string, McpArgs, unknown>[] = [];
  for (const info of listed) {
    if (info.execution?.taskSupport === "required") {
      taskOnly.push(info.name);
      continue;
    }
    tools.push(
      mcpTool({
        client,
        info,
        name: `${prefix}${info.name}`,
        server,
        schema: argsSchema(compiler, info, server),
        policy: { ...annotationPolicy(info.annotations), ...options.tools?.[info.name], upstream },
      }),
    );
  }
  if (taskOnly.length > 0) {
    process.emitWarning(
      `volley/mcp: MCP server "${server}" has tools that run only as tasks, which Volley does not call; left out: ${taskOnly.join(", ")}`,
      { code: "VOLLEY_MCP" },
    );
  }
  return tools;
}

/** The tool's compiled input schema; unchecked, with a warning, when it does not compile. */
function argsSchema(
  compiler: JsonSchemaCompiler,
  info: McpToolInfo,
  server: string,
): StandardSchemaLike<McpArgs> {
  try {
    return compiler.standardSchema<McpArgs>(
      `the input schema of tool "${info.name}" of MCP server "${server}"`,
      info.inputSchema,
    );
  } catch (error) {
    process.emitWarning(
      `volley/mcp: the input schema of tool "${info.name}" of MCP server "${server}" does not compile (${compileProblem(error)}): its arguments go to the server unchecked`,
      { code: "VOLLEY_MCP" },
    );
    return UNCHECKED;
  }
}

/** A policy for a tool the server does not have is a typo, or a tool that went away. */
function assertToolsListed(
  policies: McpToolsOptions["tools"],
  listed: readonly McpToolInfo[],
  server: string,
): void {
  if (policies === undefined) return;
  const names = new Set(listed.map((t) => t.name));
  for (const name of Object.keys(policies)) {
    if (!names.has(name)) {
      throw new TypeError(
        `mcpTools's tools.${name} names no tool of MCP server "${server}"; its tools: ${[...names].join(", ") || "none"}`,
      );
    }
  }
}
