import type { ToolMessage } from "@langchain/core/messages";
import { AIMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool } from "../../src/core/index.js";
import { VolleyToolNode } from "../../src/langgraph/index.js";

const input = {
  messages: [
    new AIMessage({
      id: "ai",
      content: "",
      tool_calls: [{ id: "c1", name: "t", args: {}, type: "tool_call" }],
    }),
  ],
};

async function answerOf(node: ToolNode): Promise<ToolMessage> {
  const out = (await node.invoke(input)) as { messages: ToolMessage[] };
  return out.messages[0]!;
}

const values: Array<[string, unknown]> = [
  ["a string", "plain"],
  ["an object", { a: 1 }],
  ["an array of numbers", [1, "x"]],
  [
    "content blocks",
    [
      { type: "text", text: "see" },
      { type: "image_url", image_url: { url: "data:image/png;base64,AA==" } },
    ],
  ],
  ["an empty array", []],
  ["undefined", undefined],
  ["null", null],
  ["a number", 3],
  ["a Date", new Date(0)],
  ["a BigInt", 7n],
];

describe("VolleyToolNode answers a defineTool() value as ToolNode answers a LangChain tool's", () => {
  it.each(values)("%s", async (_label, value) => {
    const lc = tool(async () => value as string, {
      name: "t",
      description: "returns a value",
      schema: z.object({}),
    });
    const volley = defineTool({
      name: "t",
      description: "returns a value",
      schema: z.object({}),
      run: () => value,
    });
    const reference = await answerOf(new ToolNode([lc]));
    const ours = await answerOf(new VolleyToolNode([volley]));
    expect(ours.content).toEqual(reference.content);
    expect(ours.status).toBe("success");
    expect(ours.tool_call_id).toBe("c1");
    expect(ours.name).toBe("t");
  });
});
