import { AIMessage } from "@langchain/core/messages";
import { getContextVariable, setContextVariable } from "@langchain/core/context";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import {
  END,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
  getConfig,
  getCurrentTaskInput,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/core/index.js";
import { ParallelToolState, VolleyToolNode, parallelToolNode } from "../../src/langgraph/index.js";
import { runInConfig } from "../../src/langgraph/run-in-config.js";

/** A Volley tool that reports what it sees of the graph around it. */
const look = defineTool({
  name: "look",
  description: "Reports its context",
  schema: z.object({}),
  run: async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const input = getCurrentTaskInput() as { messages?: unknown[]; pending_tools?: unknown[] };
    return {
      thread: getConfig().configurable?.["thread_id"],
      inputKeys: Object.keys(input).sort(),
      mood: getContextVariable("mood"),
    };
  },
});

describe("the config a defineTool() tool runs in", () => {
  it("VolleyToolNode: the graph's config, the task's input and the node's context variables", async () => {
    const node = new VolleyToolNode(createExecutor({ tools: [look] }));
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", async (state, config) => {
        setContextVariable("mood", "calm");
        return node.invoke(state, config);
      })
      .addEdge(START, "tools")
      .addEdge("tools", END)
      .compile({ checkpointer: new MemorySaver() });
    const ai = new AIMessage({
      id: "ai-1",
      content: "",
      tool_calls: [
        { id: "l1", name: "look", args: {}, type: "tool_call" },
        { id: "l2", name: "look", args: {}, type: "tool_call" },
      ],
    });
    const out = await graph.invoke({ messages: [ai] }, { configurable: { thread_id: "seen" } });
    const seen = out.messages.slice(1).map((m) => JSON.parse(String(m.content)) as unknown);
    expect(seen).toEqual([
      { thread: "seen", inputKeys: ["messages"], mood: "calm" },
      { thread: "seen", inputKeys: ["messages"], mood: "calm" },
    ]);
  });

  it("parallelToolNode: the same, for every call, however many wait for a slot", async () => {
    const graph = new StateGraph(ParallelToolState)
      .addNode(
        "tools",
        parallelToolNode(createExecutor({ tools: [look], concurrency: 1 }), { stream: false }),
      )
      .addEdge(START, "tools")
      .addEdge("tools", END)
      .compile({ checkpointer: new MemorySaver() });
    const pending = ["a", "b", "c"].map((id) => ({ id, name: "look", args: {} }));
    const out = await graph.invoke(
      { pending_tools: pending },
      { configurable: { thread_id: "queued" } },
    );
    for (const id of ["a", "b", "c"]) {
      expect(out.results[id]).toMatchObject({ thread: "queued" });
      expect((out.results[id] as { inputKeys: string[] }).inputKeys).toContain("pending_tools");
    }
  });

  it("runInConfig: outside any run, and inside another run's, the given config is current", () => {
    const mine = { callbacks: undefined, configurable: { thread_id: "mine" } };
    expect(runInConfig(mine, () => getConfig())).toBe(mine);
    const other = { callbacks: undefined, configurable: { thread_id: "other" } };
    const seen = AsyncLocalStorageProviderSingleton.runWithConfig(other, () =>
      runInConfig(mine, () => getConfig()),
    );
    expect(seen).toBe(mine);
  });
});
