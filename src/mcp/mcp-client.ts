import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { describeValue } from "../core/describe-value.js";

/** The part of an MCP SDK `Client` that `mcpTools()` uses; give it a connected client. */
export type McpClient = Pick<Client, "callTool" | "listTools" | "getServerVersion">;

/** Checks that `client` looks like a connected SDK `Client`. */
export function assertMcpClient(client: unknown): asserts client is McpClient {
  const c = client as Partial<Record<keyof McpClient, unknown>> | null;
  if (
    typeof c !== "object" ||
    c === null ||
    typeof c.callTool !== "function" ||
    typeof c.listTools !== "function" ||
    typeof c.getServerVersion !== "function"
  ) {
    throw new TypeError(
      `Expected mcpTools() to get an MCP Client (from @modelcontextprotocol/sdk/client/index.js), connected to a server, got ${describeValue(client)}`,
    );
  }
}
