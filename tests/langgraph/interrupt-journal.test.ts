import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import {
  Command,
  END,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
  interrupt,
} from "@langchain/langgraph";
import { toolsCondition } from "@langchain/langgraph/prebuilt";
import { createAgent } from "langchain";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor } from "../../src/core/index.js";
import { SqliteJournal } from "../../src/journal/index.js";
import { VolleyToolNode, volleyMiddleware } from "../../src/langgraph/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { ScriptedChatModel } from "./scripted-model.js";

function tools() {
  const runs = { ask: 0, look: 0 };
  const ask = tool(
    async ({ q }) => {
      runs.ask++;
      return `answer ${String(interrupt(q))}`;
    },
    { name: "ask", description: "Asks a human", schema: z.object({ q: z.string() }) },
  );
  const look = tool(
    async ({ q }) => {
      runs.look++;
      return `look ${q}`;
    },
    { name: "look", description: "Looks", schema: z.object({ q: z.string() }) },
  );
  return { ask, look, runs };
}

const turn = {
  calls: [
    { id: "c1", name: "ask", args: { q: "colour?" } },
    { id: "c2", name: "look", args: { q: "x" } },
  ],
};

function answers(messages: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of messages) if (ToolMessage.isInstance(m)) out[m.tool_call_id] = m.content;
  return out;
}

describe("a call that interrupts the graph is not journaled, even when every kind is", () => {
  let dir: ReturnType<typeof makeTempDir>;
  let journal: SqliteJournal;
  beforeEach(() => {
    dir = makeTempDir("interrupt-journal");
    journal = new SqliteJournal({ path: join(dir.path, "j.db"), transientKinds: [] });
  });
  afterEach(async () => {
    await journal.close();
    dir.remove();
  });

  it("VolleyToolNode: the resume runs the interrupted call with the resume value", async () => {
    const { ask, look, runs } = tools();
    const model = new ScriptedChatModel([turn, { text: "done" }]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", async (s) => ({ messages: [await model.invoke(s.messages)] }))
      .addNode("tools", new VolleyToolNode(createExecutor({ tools: [ask, look], journal })))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", toolsCondition, ["tools", END])
      .addEdge("tools", "agent")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "node" } };
    const first = await graph.invoke({ messages: [new HumanMessage("hi")] }, config);
    expect((first as { __interrupt__?: unknown[] }).__interrupt__).toHaveLength(1);
    const out = await graph.invoke(new Command({ resume: "blue" }), config);
    expect(answers(out.messages)).toEqual({ c1: "answer blue", c2: "look x" });
    expect(runs).toEqual({ ask: 2, look: 1 });
    expect(out.messages.at(-1)).toBeInstanceOf(AIMessage);
  });

  it("volleyMiddleware: the same", async () => {
    const { ask, look, runs } = tools();
    const executor = createExecutor({ tools: [ask, look], journal });
    const agent = createAgent({
      model: new ScriptedChatModel([turn, { text: "done" }]),
      tools: [ask, look],
      middleware: [volleyMiddleware(executor)],
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "middleware" } };
    await agent.invoke({ messages: [new HumanMessage("hi")] }, config);
    const out = await agent.invoke(new Command({ resume: "blue" }), config);
    expect(answers(out.messages)).toEqual({ c1: "answer blue", c2: "look x" });
    expect(runs.ask).toBe(2);
  });
});
