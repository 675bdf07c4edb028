/**
 * `volley/mcp`: the tools of an MCP server (Model Context Protocol, `@modelcontextprotocol/sdk`)
 * as Volley tools. Arguments are checked against each tool's JSON Schema (Ajv) before they are
 * sent; a timeout, deadline or cancel reaches the server as `notifications/cancelled`; progress
 * notifications keep `idleTimeoutMs` from firing; the server's tools share its limits.
 * @example
 * import { Client } from "@modelcontextprotocol/sdk/client/index.js";
 * import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
 * import { createExecutor } from "volley";
 * import { mcpTools } from "volley/mcp";
 *
 * const client = new Client({ name: "agent", version: "1.0.0" });
 * await client.connect(new StdioClientTransport({ command: "npx", args: ["my-mcp-server"] }));
 * const executor = createExecutor({ tools: await mcpTools(client, { concurrency: 4 }) });
 * @module volley/mcp
 */
export { mcpTools } from "./mcp-tools.js";
export type { McpToolsOptions, McpToolPolicy } from "./mcp-tools-options.js";
export type { McpClient } from "./mcp-client.js";
export type { McpArgs } from "./json-schema-args.js";
export { McpToolError, isMcpToolError } from "./mcp-tool-error.js";
export { McpCallError, isMcpCallError } from "./mcp-call-error.js";
export type { McpCallErrorOptions } from "./mcp-call-error.js";
