import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Annotation, Command, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { createAgent } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor } from "../../src/core/index.js";
import { VolleyToolNode, volleyMiddleware } from "../../src/langgraph/index.js";
import { ScriptedChatModel } from "./scripted-model.js";

function searchTool() {
  const counter = { runs: 0 };
  const search = tool(
    async ({ q }) => {
      counter.runs++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return `found ${q}`;
    },
    { name: "search", description: "Searches", schema: z.object({ q: z.string() }) },
  );
  return { search, counter };
}

const same = (id: string) => ({ id, name: "search", args: { q: "x" } });
const idempotent = { search: { idempotent: { cacheTtlMs: 60_000 } } };

function answers(messages: readonly unknown[]): ToolMessage[] {
  return messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
}

describe("a deduplicated or cached call answers under its own tool_call_id", () => {
  it("VolleyToolNode: duplicates in one turn and a cache hit in a later turn", async () => {
    const { search, counter } = searchTool();
    const executor = createExecutor({ tools: [search], policies: idempotent });
    const agent = createReactAgent({
      llm: new ScriptedChatModel([
        { calls: [same("c1"), same("c2")] },
        { calls: [same("c3")] },
        { text: "done" },
      ]),
      tools: new VolleyToolNode(executor),
    });
    const out = await agent.invoke({ messages: [new HumanMessage("go")] });
    const got = answers(out.messages);
    expect(got.map((m) => [m.tool_call_id, m.content])).toEqual([
      ["c1", "found x"],
      ["c2", "found x"],
      ["c3", "found x"],
    ]);
    expect(new Set(got.map((m) => m.id)).size).toBe(3);
    expect(counter.runs).toBe(1);
  });

  it("VolleyToolNode: a deduplicated Command carries the duplicate's own ToolMessage", async () => {
    let runs = 0;
    const setMood = tool(
      async ({ mood }, config) => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return new Command({
          update: {
            mood,
            messages: [
              new ToolMessage({ content: `mood ${mood}`, tool_call_id: config.toolCall!.id! }),
            ],
          },
        });
      },
      { name: "set_mood", description: "Sets the mood", schema: z.object({ mood: z.string() }) },
    );
    const State = Annotation.Root({
      ...MessagesAnnotation.spec,
      mood: Annotation<string>({ reducer: (_a, b) => b, default: () => "calm" }),
    });
    const executor = createExecutor({
      tools: [setMood],
      policies: { set_mood: { idempotent: true } },
    });
    const graph = new StateGraph(State)
      .addNode("tools", new VolleyToolNode(executor))
      .addEdge(START, "tools")
      .compile();
    const out = await graph.invoke({
      messages: [
        new AIMessage({
          id: "ai",
          content: "",
          tool_calls: ["m1", "m2"].map((id) => ({
            id,
            name: "set_mood",
            args: { mood: "happy" },
            type: "tool_call" as const,
          })),
        }),
      ],
    });
    expect(answers(out.messages).map((m) => [m.tool_call_id, m.content])).toEqual([
      ["m1", "mood happy"],
      ["m2", "mood happy"],
    ]);
    expect(out.mood).toBe("happy");
    expect(runs).toBe(1);
  });

  it("volleyMiddleware: the same", async () => {
    const { search, counter } = searchTool();
    const executor = createExecutor({ tools: [search], policies: idempotent });
    const agent = createAgent({
      model: new ScriptedChatModel([{ calls: [same("c1"), same("c2")] }, { text: "done" }]),
      tools: [search],
      middleware: [volleyMiddleware(executor)],
    });
    const out = await agent.invoke({ messages: [new HumanMessage("go")] });
    expect(answers(out.messages).map((m) => m.tool_call_id)).toEqual(["c1", "c2"]);
    expect(counter.runs).toBe(1);
  });
});
