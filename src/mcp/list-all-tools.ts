import type { Tool as McpToolInfo } from "@modelcontextprotocol/sdk/types.js";
import type { McpClient } from "./mcp-client.js";

/**
 * Every tool the server lists, following `nextCursor` from page to page. A cursor the server
 * gave before would loop forever: that is the server's bug, and an error here.
 */
export async function listAllTools(client: McpClient, server: string): Promise<McpToolInfo[]> {
  const tools: McpToolInfo[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? undefined : { cursor });
    tools.push(...page.tools);
    cursor = page.nextCursor;
    if (cursor !== undefined) {
      if (seen.has(cursor)) {
        throw new Error(
          `MCP server "${server}" listed its tools with a cursor it had already given (${JSON.stringify(cursor)}): its pages loop`,
        );
      }
      seen.add(cursor);
    }
  } while (cursor !== undefined);
  return tools;
}
