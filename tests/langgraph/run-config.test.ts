import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryJournal, createExecutor } from "../../src/core/index.js";
import { VolleyToolNode } from "../../src/langgraph/index.js";
import { Probe } from "./probe.js";

/** A LangChain tool that works `ms`, honouring the signal it is given. */
function workTool(probe: Probe, ms: number) {
  return tool(
    async ({ query }, config) => {
      await probe.work(query, ms, config?.signal);
      return `done ${query}`;
    },
    { name: "work", description: "Works a while", schema: z.object({ query: z.string() }) },
  );
}

function sixCalls(id = "ai-6") {
  return new AIMessage({
    id,
    content: "",
    tool_calls: Array.from({ length: 6 }, (_, i) => ({
      id: `w${i}`,
      name: "work",
      args: { query: `q${i}` },
      type: "tool_call" as const,
    })),
  });
}

function toolsGraph(node: ToolNode) {
  return new StateGraph(MessagesAnnotation)
    .addNode("tools", node)
    .addEdge(START, "tools")
    .compile();
}

describe("the run config, ToolNode against VolleyToolNode", () => {
  it("maxConcurrency: 2 — ToolNode runs all 6 at once, Volley at most 2", async () => {
    const lgProbe = new Probe();
    await toolsGraph(new ToolNode([workTool(lgProbe, 40)])).invoke(
      { messages: [sixCalls()] },
      { maxConcurrency: 2 },
    );
    const volleyProbe = new Probe();
    const out = await toolsGraph(new VolleyToolNode([workTool(volleyProbe, 40)])).invoke(
      { messages: [sixCalls()] },
      { maxConcurrency: 2 },
    );
    expect(lgProbe.maxInFlight).toBe(6);
    expect(volleyProbe.maxInFlight).toBe(2);
    expect(out.messages.filter((m) => ToolMessage.isInstance(m))).toHaveLength(6);
  });

  it("timeout: 200 with 3 s tools — the executor's slots are free at the timeout", async () => {
    // (Under ToolNode a tool that ignores its signal holds on until its end; LangGraph's own
    // timeout is what we compare against in the README (LangGraph.js), not something to test here.)
    const deaf = (probe: Probe) =>
      tool(
        async ({ query }) => {
          await probe.work(query, 3_000);
          return `done ${query}`;
        },
        { name: "work", description: "Works a while", schema: z.object({ query: z.string() }) },
      );
    // Under Volley, a tool that honours its signal is aborted at the timeout, and one that
    // ignores it no longer holds an executor slot.
    const volleyProbe = new Probe();
    const executor = createExecutor({ tools: [workTool(volleyProbe, 3_000)] });
    const started = performance.now();
    await expect(
      toolsGraph(new VolleyToolNode(executor)).invoke({ messages: [sixCalls()] }, { timeout: 200 }),
    ).rejects.toThrow(/timeout/i);
    // Far sooner than the 3 s the tools would take.
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(executor.stats().running).toBe(0);
    expect(executor.stats().failed).toBe(6);
    await new Promise((r) => setTimeout(r, 20));
    // Every call that had started was aborted; none ran to the end.
    expect(volleyProbe.aborted).toBe(volleyProbe.runs.size);
    expect(volleyProbe.finished).toBe(0);

    const deafProbe = new Probe();
    const deafExecutor = createExecutor({ tools: [deaf(deafProbe)] });
    await expect(
      toolsGraph(new VolleyToolNode(deafExecutor)).invoke(
        { messages: [sixCalls()] },
        { timeout: 200 },
      ),
    ).rejects.toThrow(/timeout/i);
    expect(deafExecutor.stats().running).toBe(0);
    expect(deafProbe.inFlight).toBe(deafProbe.runs.size);
  });

  it("honours config.signal: the calls are cancelled and the node rethrows the abort", async () => {
    const probe = new Probe();
    const executor = createExecutor({ tools: [workTool(probe, 1_000)] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user pressed stop")), 50);
    await expect(
      toolsGraph(new VolleyToolNode(executor)).invoke(
        { messages: [sixCalls()] },
        { signal: controller.signal },
      ),
    ).rejects.toThrow("user pressed stop");
    expect(probe.aborted).toBe(6);
    expect(executor.stats().running).toBe(0);
    expect(executor.stats().failed).toBe(6);
  });

  it("deadlineMs ends the step's unfinished calls with error answers", async () => {
    const probe = new Probe();
    const node = new VolleyToolNode([workTool(probe, 1_000)], { deadlineMs: 100 });
    const started = performance.now();
    const out = (await node.invoke({ messages: [sixCalls()] })) as { messages: ToolMessage[] };
    expect(performance.now() - started).toBeLessThan(800);
    expect(out.messages).toHaveLength(6);
    for (const message of out.messages) {
      expect(message.status).toBe("error");
      expect(message.content).toMatch(/deadline/i);
    }
    expect(probe.aborted).toBe(6);
  });
});

describe("VolleyToolNode with a journal", () => {
  it("replays recorded outcomes when the same thread runs the same AIMessage again", async () => {
    const probe = new Probe();
    const executor = createExecutor({
      tools: [workTool(probe, 10)],
      journal: new MemoryJournal(),
    });
    const graph = toolsGraph(new VolleyToolNode(executor));
    const config = { configurable: { thread_id: "journal-1" } };
    const first = await graph.invoke({ messages: [sixCalls("ai-j")] }, config);
    const second = await graph.invoke({ messages: [sixCalls("ai-j")] }, config);
    expect(probe.totalRuns).toBe(6);
    const contents = (out: typeof first) =>
      out.messages.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content);
    expect(contents(second)).toEqual(contents(first));
    // Another AIMessage is another batch, even with the same call ids.
    await graph.invoke({ messages: [sixCalls("ai-other")] }, config);
    expect(probe.totalRuns).toBe(12);
  });
});
