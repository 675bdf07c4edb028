import type { CallToolResult, ContentBlock } from "@modelcontextprotocol/sdk/types.js";
import { McpToolError } from "./mcp-tool-error.js";

/** What `client.callTool()` resolves with: a result, or the 2024-10-07 protocol's `toolResult`. */
export type CallToolAnswer = CallToolResult | { readonly toolResult: unknown };

/**
 * The value of a call from its result: `structuredContent` when the server sent it; else a
 * single text block as its string; else the content blocks as they came (images, audio,
 * resource links, embedded resources, several blocks). A result with `isError: true` throws a
 * {@link McpToolError} with the server's text.
 */
export function callValue(answer: CallToolAnswer, tool: string): unknown {
  if (!("content" in answer)) {
    return "toolResult" in answer ? answer.toolResult : undefined;
  }
  const { content, structuredContent } = answer;
  if (answer.isError === true) throw toolError(content, structuredContent, tool);
  if (structuredContent !== undefined) return structuredContent;
  if (content.length === 1) {
    const only = content[0]!;
    if (only.type === "text") return only.text;
  }
  return content;
}

function toolError(
  content: readonly ContentBlock[],
  structuredContent: unknown,
  tool: string,
): McpToolError {
  const text = content
    .filter((block) => block.type === "text")
    .map((block) => block.text)
    .join("\n");
  return new McpToolError(
    text === "" ? `Tool "${tool}" failed, and its server gave no text` : text,
    content,
    structuredContent,
  );
}
