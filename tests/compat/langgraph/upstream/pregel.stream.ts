// Ported from langchain-ai/langgraphjs, libs/langgraph-core/src/tests/pregel.stream.test.ts at
// commit f8bdf16d4fe23a79e945ea5dc6f86bbf09abb77d: the tests that build a ToolNode (the "tool
// errors" block of "streamEvents version v3"), unchanged. The file's other tests build no
// ToolNode and are not ported. Only the imports differ: `ToolNode` comes from ../subject.js, the
// rest from the packages' public entry points.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { describe, it, expect } from "vitest";
import { z } from "zod/v4";
import { MemorySaver } from "@langchain/langgraph-checkpoint";

import { StateGraph } from "@langchain/langgraph";
import { END, START } from "@langchain/langgraph";
import { AIMessage } from "@langchain/core/messages";
import { DynamicStructuredTool } from "@langchain/core/tools";
import { MessagesAnnotation } from "@langchain/langgraph";
import { ToolNode } from "../subject.js";
import type { ToolsEventData } from "@langchain/langgraph";

describe("streamEvents version v3", () => {
  describe("tool errors", () => {
    const errorTool = new DynamicStructuredTool({
      name: "error_tool",
      description: "Always throws",
      schema: z.object({}),
      func: async () => {
        throw new Error("test error");
      },
    });

    function buildErrorToolGraph(handleToolErrors: boolean) {
      return new StateGraph(MessagesAnnotation)
        .addNode("tools", new ToolNode([errorTool], { handleToolErrors }))
        .addEdge(START, "tools")
        .addEdge("tools", END)
        .compile({ checkpointer: new MemorySaver() });
    }

    async function collectToolEvents(handleToolErrors: boolean) {
      const graph = buildErrorToolGraph(handleToolErrors);
      const toolEvents: ToolsEventData[] = [];

      try {
        const run = await graph.streamEvents(
          {
            messages: [
              new AIMessage({
                tool_calls: [{ id: "call_1", name: "error_tool", args: {} }],
              }),
            ],
          },
          {
            version: "v3",
            configurable: {
              thread_id: `tool-error-${handleToolErrors}`,
            },
          }
        );

        for await (const event of run) {
          if (event.method === "tools") {
            toolEvents.push(event.params.data as ToolsEventData);
          }
        }

        await run.output;
      } catch {
        // Expected when handleToolErrors=false — the error propagates from invoke().
      }

      return toolEvents;
    }

    it("emits tool-started and tool-error when handleToolErrors=false", async () => {
      const toolEvents = await collectToolEvents(false);

      expect(toolEvents.some((e) => e.event === "tool-started")).toBe(true);
      expect(toolEvents.some((e) => e.event === "tool-error")).toBe(true);
      const err = toolEvents.find((e) => e.event === "tool-error");
      expect(err).toMatchObject({
        tool_call_id: "call_1",
        message: "test error",
      });
    });

    it("emits tool-started and tool-error when handleToolErrors=true", async () => {
      const toolEvents = await collectToolEvents(true);

      expect(toolEvents.some((e) => e.event === "tool-started")).toBe(true);
      expect(toolEvents.some((e) => e.event === "tool-error")).toBe(true);
      const err = toolEvents.find((e) => e.event === "tool-error");
      expect(err).toMatchObject({
        tool_call_id: "call_1",
        message: "test error",
      });
    });
  });
});
