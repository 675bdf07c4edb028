import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import {
  Annotation,
  Command,
  END,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
  interrupt,
} from "@langchain/langgraph";
import { createReactAgent, toolsCondition } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryJournal, createExecutor, defineTool } from "../../src/core/index.js";
import { VolleyToolNode, toolMessageError } from "../../src/langgraph/index.js";
import { Probe, lookupTool } from "./probe.js";
import { ScriptedChatModel, threeTurns } from "./scripted-model.js";

function toolMessages(messages: readonly unknown[]): ToolMessage[] {
  return messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
}

function agentGraph(model: ScriptedChatModel, node: VolleyToolNode) {
  return new StateGraph(MessagesAnnotation)
    .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode("tools", node)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", toolsCondition, ["tools", END])
    .addEdge("tools", "agent")
    .compile();
}

function aiWith(calls: Array<{ id: string; name: string; args: Record<string, unknown> }>) {
  return new AIMessage({
    id: "ai-x",
    content: "",
    tool_calls: calls.map((c) => ({ ...c, type: "tool_call" as const })),
  });
}

describe("VolleyToolNode in createReactAgent", () => {
  it("runs a 3-turn ReAct loop with 2–5 parallel calls a turn, within the executor's limit", async () => {
    const probe = new Probe();
    const executor = createExecutor({ tools: [lookupTool(probe, 30)], concurrency: 2 });
    const model = new ScriptedChatModel(threeTurns());
    const agent = createReactAgent({ llm: model, tools: new VolleyToolNode(executor) });
    const out = await agent.invoke({ messages: [new HumanMessage("go")] });
    const answers = toolMessages(out.messages);
    expect(answers).toHaveLength(10);
    for (const answer of answers) {
      expect(answer.name).toBe("lookup");
      expect(answer.content).toBe(
        `found ${answer.tool_call_id.replace(/^t(\d)-c(\d)$/, "turn $1 call $2")}`,
      );
      expect(answer.status).toBe("success");
    }
    expect(out.messages.at(-1)!.content).toBe("all done");
    expect(model.boundTools).toEqual(["lookup"]);
    expect(probe.maxInFlight).toBe(2);
    expect(probe.totalRuns).toBe(10);
  });

  it('works with version: "v2", which sends each call to the node on its own', async () => {
    const probe = new Probe();
    const executor = createExecutor({ tools: [lookupTool(probe, 30)], concurrency: 2 });
    const agent = createReactAgent({
      llm: new ScriptedChatModel(threeTurns()),
      tools: new VolleyToolNode(executor),
      version: "v2",
    });
    const out = await agent.invoke({ messages: [new HumanMessage("go")] });
    expect(toolMessages(out.messages)).toHaveLength(10);
    // One executor's limit holds across the separate tasks.
    expect(probe.maxInFlight).toBe(2);
  });

  it("answers in the model's call order, however the calls finish", async () => {
    const slowFirst = defineTool({
      name: "wait",
      description: "Waits",
      schema: z.object({ ms: z.number() }),
      run: async ({ ms }) => {
        await new Promise((r) => setTimeout(r, ms));
        return { waited: ms };
      },
    });
    const node = new VolleyToolNode([slowFirst]);
    const out = (await node.invoke({
      messages: [
        aiWith([
          { id: "a", name: "wait", args: { ms: 60 } },
          { id: "b", name: "wait", args: { ms: 5 } },
        ]),
      ],
    })) as { messages: ToolMessage[] };
    expect(out.messages.map((m) => [m.tool_call_id, m.content])).toEqual([
      ["a", '{"waited":60}'],
      ["b", '{"waited":5}'],
    ]);
  });
});

describe("VolleyToolNode with toolsCondition", () => {
  it("replaces ToolNode in a hand-built graph", async () => {
    const probe = new Probe();
    const model = new ScriptedChatModel(threeTurns());
    const graph = agentGraph(model, new VolleyToolNode([lookupTool(probe, 10)]));
    const out = await graph.invoke({ messages: [new HumanMessage("go")] });
    expect(toolMessages(out.messages).map((m) => m.tool_call_id)).toEqual([
      "t1-c0",
      "t1-c1",
      "t1-c2",
      "t2-c0",
      "t2-c1",
      "t2-c2",
      "t2-c3",
      "t2-c4",
      "t3-c0",
      "t3-c1",
    ]);
    // The model saw every answer before its next turn.
    expect(toolMessages(model.seen[1]!)).toHaveLength(3);
    expect(toolMessages(model.seen[3]!)).toHaveLength(10);
  });
});

describe("VolleyToolNode answers", () => {
  it("marks failures status: error with a useful message, and answers invalid_tool_calls", async () => {
    const probe = new Probe();
    const model = new ScriptedChatModel([
      {
        calls: [
          { id: "ok", name: "lookup", args: { query: "x" } },
          { id: "boom", name: "lookup", args: { query: "fail" } },
          { id: "nope", name: "missing_tool", args: {} },
          { id: "bad", name: "lookup", args: { query: 42 } },
        ],
        invalid: [{ id: "garbled", name: "lookup", args: "{not json", error: "bad JSON" }],
      },
      { text: "ok" },
    ]);
    const graph = agentGraph(model, new VolleyToolNode([lookupTool(probe, 5)]));
    const out = await graph.invoke({ messages: [new HumanMessage("go")] });
    const byId = new Map(toolMessages(out.messages).map((m) => [m.tool_call_id, m]));
    expect([...byId.keys()]).toEqual(["ok", "boom", "nope", "bad", "garbled"]);
    expect(byId.get("ok")!.status).toBe("success");
    expect(byId.get("boom")!.status).toBe("error");
    expect(byId.get("boom")!.content).toContain("lookup failed for fail");
    // ToolNode's own words for what ToolNode has; Volley's account beside them, for the caller.
    expect(byId.get("nope")!.content).toBe(
      'Error: Tool "missing_tool" not found.\n Please fix your mistakes.',
    );
    expect(toolMessageError(byId.get("nope"))).toMatchObject({
      kind: "unknown_tool",
      message: expect.stringContaining('Unknown tool "missing_tool"'),
    });
    expect(byId.get("bad")!.content).toMatch(
      /^Error: Received tool input did not match expected schema\n\n✖ .*\n {2}→ at query\n Please fix your mistakes\.$/,
    );
    expect(toolMessageError(byId.get("bad"))).toMatchObject({
      kind: "invalid_args",
      message: expect.stringMatching(/Invalid arguments for tool "lookup"/),
    });
    expect(byId.get("garbled")!.status).toBe("error");
    expect(byId.get("garbled")!.content).toContain("bad JSON");
    expect(toolMessageError(byId.get("garbled"))?.kind).toBe("invalid_call");
    expect(byId.get("garbled")!.name).toBe("lookup");
  });

  it("streams outcomes to the custom stream only when asked", async () => {
    const probe = new Probe();
    const input = {
      messages: [
        aiWith([
          { id: "a", name: "lookup", args: { query: "x" } },
          { id: "b", name: "lookup", args: { query: "y" } },
        ]),
      ],
    };
    const chunks = async (node: VolleyToolNode) => {
      const graph = new StateGraph(MessagesAnnotation)
        .addNode("tools", node)
        .addEdge(START, "tools")
        .compile();
      const seen: unknown[] = [];
      for await (const chunk of await graph.stream(input, { streamMode: "custom" })) {
        seen.push(chunk);
      }
      return seen as Array<{ type: string; outcome: { id: string } }>;
    };
    expect(await chunks(new VolleyToolNode([lookupTool(probe, 5)]))).toEqual([]);
    const streamed = await chunks(new VolleyToolNode([lookupTool(probe, 5)], { stream: true }));
    expect(streamed.map((c) => `${c.type}:${c.outcome.id}`).sort()).toEqual([
      "volley:outcome:a",
      "volley:outcome:b",
    ]);
  });

  it("passes the artifact of a content_and_artifact tool through", async () => {
    const chart = tool(async ({ n }) => [`chart of ${n}`, { points: [1, 2, n] }], {
      name: "chart",
      description: "Draws a chart",
      schema: z.object({ n: z.number() }),
      responseFormat: "content_and_artifact",
    });
    const node = new VolleyToolNode([chart]);
    const out = (await node.invoke({
      messages: [aiWith([{ id: "c1", name: "chart", args: { n: 3 } }])],
    })) as { messages: ToolMessage[] };
    expect(out.messages[0]!.content).toBe("chart of 3");
    expect(out.messages[0]!.artifact).toEqual({ points: [1, 2, 3] });
    expect(out.messages[0]!.tool_call_id).toBe("c1");
  });

  it("supports handleToolErrors: false and a handler function", async () => {
    const probe = new Probe();
    const input = {
      messages: [
        aiWith([
          { id: "ok", name: "lookup", args: { query: "x" } },
          { id: "boom", name: "lookup", args: { query: "fail" } },
        ]),
      ],
    };
    await expect(
      new VolleyToolNode([lookupTool(probe, 5)], { handleToolErrors: false }).invoke(input),
    ).rejects.toThrow("lookup failed for fail");
    const seen: string[] = [];
    const handled = (await new VolleyToolNode([lookupTool(probe, 5)], {
      handleToolErrors: (error, call, outcome) => {
        seen.push(`${call.id}:${outcome.error.kind}:${error.message}`);
        return `sorry: ${error.message}`;
      },
    }).invoke(input)) as { messages: ToolMessage[] };
    expect(seen).toEqual(["boom:tool_error:lookup failed for fail"]);
    expect(handled.messages[1]!.content).toBe("sorry: lookup failed for fail");
    expect(handled.messages[1]!.status).toBe("error");
  });

  it("passes a tool's Command through to the graph", async () => {
    const State = Annotation.Root({
      ...MessagesAnnotation.spec,
      mood: Annotation<string>({ reducer: (_a, b) => b, default: () => "calm" }),
    });
    const setMood = tool(
      async ({ mood }, config) =>
        new Command({
          update: {
            mood,
            messages: [
              new ToolMessage({ content: `mood is ${mood}`, tool_call_id: config.toolCall!.id! }),
            ],
          },
        }),
      { name: "set_mood", description: "Sets the mood", schema: z.object({ mood: z.string() }) },
    );
    const model = new ScriptedChatModel([
      { calls: [{ id: "m1", name: "set_mood", args: { mood: "happy" } }] },
      { text: "done" },
    ]);
    const graph = new StateGraph(State)
      .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
      .addNode("tools", new VolleyToolNode([setMood]))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", toolsCondition, ["tools", END])
      .addEdge("tools", "agent")
      .compile();
    const out = await graph.invoke({ messages: [new HumanMessage("go")] });
    expect(out.mood).toBe("happy");
    expect(toolMessages(out.messages).map((m) => m.content)).toEqual(["mood is happy"]);
  });

  it.each([
    ["without a journal", false],
    ["with a journal", true],
  ])("lets interrupt() through, and resumes the thread (%s)", async (_label, journaled) => {
    const probe = new Probe();
    const approve = tool(
      async ({ action }) => {
        const answer = interrupt({ question: `may I ${action}?` }) as string;
        return `${action}: ${answer}`;
      },
      { name: "approve", description: "Asks a human", schema: z.object({ action: z.string() }) },
    );
    const model = new ScriptedChatModel([
      {
        calls: [
          { id: "q", name: "approve", args: { action: "deploy" } },
          { id: "l", name: "lookup", args: { query: "docs" } },
        ],
      },
      { text: "done" },
    ]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
      .addNode(
        "tools",
        new VolleyToolNode(
          createExecutor({
            tools: [approve, lookupTool(probe, 5)],
            ...(journaled ? { journal: new MemoryJournal() } : {}),
          }),
        ),
      )
      .addEdge(START, "agent")
      .addConditionalEdges("agent", toolsCondition, ["tools", END])
      .addEdge("tools", "agent")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: `interrupt-${String(journaled)}` } };
    const first = await graph.invoke({ messages: [new HumanMessage("go")] }, config);
    const pause = (first as { __interrupt__?: Array<{ value: unknown }> }).__interrupt__;
    expect(pause?.[0]?.value).toEqual({ question: "may I deploy?" });
    const resumed = await graph.invoke(new Command({ resume: "yes" }), config);
    const answers = toolMessages(resumed.messages);
    expect(answers.map((m) => [m.tool_call_id, m.content])).toEqual([
      ["q", "deploy: yes"],
      ["l", "found docs"],
    ]);
    // The call that finished before the interrupt is not run again, with or without a journal
    // (without one, the node keeps it in the task's checkpoint).
    expect(probe.runs.get("docs")).toBe(1);
  });
});
