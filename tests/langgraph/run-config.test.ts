import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { MemoryJournal, createExecutor, type Executor } from "../../src/core/index.js";
import { VolleyToolNode, toolMessageError } from "../../src/langgraph/index.js";
import { Probe } from "./probe.js";

/** A LangChain tool that works `ms`, honouring the signal it is given (unless told not to). */
function workTool(probe: Probe, ms: number, { honoursSignal = true } = {}) {
  return tool(
    async ({ query }, config) => {
      await probe.work(query, ms, honoursSignal ? config?.signal : undefined);
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

const gc = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/**
 * Makes `AbortSignal.timeout()` give signals a garbage collection cannot take away, until
 * disposed. LangChain folds a run config's `timeout` into the graph's signal as
 * `AbortSignal.timeout(ms)` inside `AbortSignal.any`, and on Node 20 `any` holds its sources
 * weakly: a collection before the timeout means it never fires (docs/langgraph.md, "How the run
 * config maps onto the executor" says so), and the graph waits for its tools instead. That is
 * Node's doing, not the executor's; here the timer holds the signal until it aborts it.
 */
function strongTimeoutSignals(): Disposable {
  const timers = new Set<NodeJS.Timeout>();
  const spy = vi.spyOn(AbortSignal, "timeout").mockImplementation((ms) => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      timers.delete(timer);
      controller.abort(
        new DOMException("The operation was aborted due to timeout", "TimeoutError"),
      );
    }, ms);
    timers.add(timer);
    return controller.signal;
  });
  return {
    [Symbol.dispose]() {
      spy.mockRestore();
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

/**
 * Invokes a graph of the executor's node on six calls with `timeout: 200`, with a garbage
 * collection while they run (as a loaded machine makes), and expects the timeout to reject it.
 */
async function timesOut(executor: Executor): Promise<void> {
  const rejected = expect(
    toolsGraph(new VolleyToolNode(executor)).invoke({ messages: [sixCalls()] }, { timeout: 200 }),
  ).rejects.toThrow(/timeout/i);
  await new Promise((r) => setTimeout(r, 20));
  gc();
  await rejected;
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
    // ToolNode hands all 6 calls the graph's one signal, and LangChain's tool() adds a listener
    // to it per call: with the probe's too, that would be 14 at once, past Node's warning
    // threshold of 10. What is measured here is concurrency, so this tool leaves the signal be.
    await toolsGraph(new ToolNode([workTool(lgProbe, 40, { honoursSignal: false })])).invoke(
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
    using _timeouts = strongTimeoutSignals();
    // (Under ToolNode a tool that ignores its signal holds on until its end; LangGraph's own
    // timeout is what we compare against in docs/langgraph.md, not something to test here.)
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
    await timesOut(executor);
    // Before the 3 s the tools would take (their timers are due after the timeout's, so this
    // holds however late a loaded machine runs them): every call was cut short.
    expect(volleyProbe.finished).toBe(0);
    expect(executor.stats().running).toBe(0);
    expect(executor.stats().failed).toBe(6);
    await new Promise((r) => setTimeout(r, 20));
    // Every call that had started was aborted; none ran to the end.
    expect(volleyProbe.aborted).toBe(volleyProbe.runs.size);
    expect(volleyProbe.finished).toBe(0);

    const deafProbe = new Probe();
    const deafExecutor = createExecutor({ tools: [deaf(deafProbe)] });
    await timesOut(deafExecutor);
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
      expect(message.content).toBe(
        'The tool "work" was stopped: the time budget for this step ran out before the call finished.',
      );
      expect(toolMessageError(message)?.kind).toBe("deadline");
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
