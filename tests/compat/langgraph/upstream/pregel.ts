// Ported from langchain-ai/langgraphjs, libs/langgraph-core/src/tests/pregel.test.ts at commit
// f8bdf16d4fe23a79e945ea5dc6f86bbf09abb77d: the tests that build a ToolNode (the two
// "streamMode tools" tests of runPregelTests), unchanged. The file's other tests build no
// ToolNode and are not ported. Only the imports differ: `ToolNode` comes from ../subject.js, the
// rest from the packages' public entry points and the copies beside this file.
/* eslint-disable no-process-env */
/* eslint-disable no-promise-executor-return */
/* eslint-disable no-instanceof/no-instanceof */
/* eslint-disable @typescript-eslint/no-explicit-any */
/* eslint-disable import/no-extraneous-dependencies */
/* eslint-disable prefer-template */
/* eslint-disable no-param-reassign */
import { it, expect, afterAll } from "vitest";
import { tool } from "@langchain/core/tools";
import { z as z3 } from "zod/v3";
import { AIMessage, BaseMessage, isAIMessage } from "@langchain/core/messages";
import { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { MemorySaverAssertImmutable, gatherIterator } from "./utils.js";
import {
  Annotation,
  messagesStateReducer,
  StateGraph,
} from "@langchain/langgraph";
import type { StreamOutputMap } from "@langchain/langgraph";
import { ToolNode } from "../subject.js";

// Upstream imports this type from ../pregel/types.js, which the package does not export: the
// same type, read off the public StreamOutputMap (one "tools" stream, no subgraphs).
type StreamToolsOutput = StreamOutputMap<"tools", false, unknown, unknown, string, unknown, unknown, undefined>;

export function runPregelTests(
  createCheckpointer: () => BaseCheckpointSaver | Promise<BaseCheckpointSaver>,
  teardown?: () => any
) {
  if (teardown !== undefined) {
    afterAll(teardown);
  }

  it("streamMode tools emits on_tool_start and on_tool_end for ToolNode runs", async () => {
    const AgentAnnotation = Annotation.Root({
      messages: Annotation<BaseMessage[]>({
        reducer: messagesStateReducer,
        default: () => [],
      }),
    });

    const weatherTool = tool(
      async ({ query }: { query: string }) => {
        if (
          query.toLowerCase().includes("sf") ||
          query.toLowerCase().includes("san francisco")
        ) {
          return "It's 60 degrees and foggy.";
        }
        return "It's 90 degrees and sunny.";
      },
      {
        name: "weather",
        description: "Call to get the current weather for a location.",
        schema: z3.object({
          query: z3.string().describe("The query to use in your search."),
        }),
      }
    );

    const aiMessage = new AIMessage({
      content: "",
      tool_calls: [
        {
          id: "call_1234",
          args: { query: "SF" },
          name: "weather",
          type: "tool_call",
        },
      ],
    });

    const aiMessage2 = new AIMessage({ content: "Done." });

    async function callModel(state: typeof AgentAnnotation.State) {
      const last = state.messages[state.messages.length - 1];
      if (last && isAIMessage(last) && last.tool_calls?.length) {
        return { messages: [aiMessage2] };
      }
      return { messages: [aiMessage] };
    }

    function shouldContinue({
      messages,
    }: typeof AgentAnnotation.State): "tools" | "__end__" {
      const lastMessage = messages[messages.length - 1];
      if (!isAIMessage(lastMessage)) return "__end__";
      if ((lastMessage.tool_calls?.length ?? 0) > 0) return "tools";
      return "__end__";
    }

    const graph = new StateGraph(AgentAnnotation)
      .addNode("agent", callModel)
      .addNode("tools", new ToolNode([weatherTool]))
      .addEdge("__start__", "agent")
      .addConditionalEdges("agent", shouldContinue)
      .addEdge("tools", "agent")
      .compile();

    const streamChunks = await gatherIterator(
      graph.stream({ messages: [] }, { streamMode: ["updates", "tools"] })
    );

    type ToolsStreamChunk = ["tools", StreamToolsOutput];
    const toolsChunks = streamChunks.filter(
      (chunk): chunk is ToolsStreamChunk =>
        Array.isArray(chunk) &&
        chunk.length >= 2 &&
        chunk[0] === "tools" &&
        typeof chunk[1] === "object" &&
        chunk[1] != null &&
        "event" in chunk[1]
    );

    expect(toolsChunks.length).toBeGreaterThanOrEqual(2);
    expect(toolsChunks.some(([, p]) => p.event === "on_tool_start")).toBe(true);
    expect(toolsChunks.some(([, p]) => p.event === "on_tool_end")).toBe(true);

    const startPayload = toolsChunks.find(
      ([, p]) => p.event === "on_tool_start"
    )?.[1];
    expect(startPayload).toBeDefined();
    if (startPayload) {
      expect(startPayload).toMatchObject({
        event: "on_tool_start",
        name: "weather",
      });
      if (startPayload.event === "on_tool_start" && startPayload.toolCallId) {
        expect(startPayload.toolCallId).toBe("call_1234");
      }
    }

    const endPayload = toolsChunks.find(
      ([, p]) => p.event === "on_tool_end"
    )?.[1];
    expect(endPayload).toBeDefined();
    if (endPayload) {
      expect(endPayload).toMatchObject({
        event: "on_tool_end",
        name: "weather",
      });
      if (endPayload.event === "on_tool_end") {
        if (endPayload.toolCallId) {
          expect(endPayload.toolCallId).toBe("call_1234");
        }
        expect(endPayload.output).toBeDefined();
      }
    }
  });

  it("streamMode without tools does not emit tools chunks", async () => {
    const AgentAnnotation = Annotation.Root({
      messages: Annotation<BaseMessage[]>({
        reducer: messagesStateReducer,
        default: () => [],
      }),
    });

    const weatherTool = tool(
      async ({ query }: { query: string }) => String(query),
      {
        name: "weather",
        schema: z3.object({ query: z3.string() }),
      }
    );

    const aiMessage = new AIMessage({
      content: "",
      tool_calls: [
        {
          id: "call_1",
          args: { query: "x" },
          name: "weather",
          type: "tool_call",
        },
      ],
    });

    async function callModel(state: typeof AgentAnnotation.State) {
      if (state.messages.length === 0) return { messages: [aiMessage] };
      return { messages: [new AIMessage({ content: "done" })] };
    }

    function shouldContinue({
      messages,
    }: typeof AgentAnnotation.State): "tools" | "__end__" {
      const last = messages[messages.length - 1];
      if (!isAIMessage(last) || (last.tool_calls?.length ?? 0) === 0)
        return "__end__";
      return "tools";
    }

    const graph = new StateGraph(AgentAnnotation)
      .addNode("agent", callModel)
      .addNode("tools", new ToolNode([weatherTool]))
      .addEdge("__start__", "agent")
      .addConditionalEdges("agent", shouldContinue)
      .addEdge("tools", "agent")
      .compile();

    const streamChunks = await gatherIterator(
      graph.stream({ messages: [] }, { streamMode: ["updates"] })
    );

    const toolsChunks = streamChunks.filter(
      (chunk) =>
        Array.isArray(chunk) && (chunk as [string, unknown])[0] === "tools"
    );
    expect(toolsChunks.length).toBe(0);
  });
}

runPregelTests(() => new MemorySaverAssertImmutable());
