import { START, StateGraph } from "@langchain/langgraph";
import { HumanMessage } from "@langchain/core/messages";
import { describe, expect, it, vi } from "vitest";
import { MemoryJournal, createExecutor } from "../../src/core/index.js";
import { runTutorialGraph } from "../../src/langgraph/demo-graph.js";
import {
  ParallelToolState,
  parallelToolNode,
  type ToolOutcomeChunk,
} from "../../src/langgraph/index.js";
import { tutorialCalls, tutorialTools } from "./tutorial-tools.js";

function graphOf(node: ReturnType<typeof parallelToolNode>) {
  return new StateGraph(ParallelToolState).addNode("tools", node).addEdge(START, "tools").compile();
}

describe("parallelToolNode", () => {
  it("runs the tutorial's batch: results and errors by id, kinds kept, pending cleared, messages untouched", async () => {
    const { fastTool, slowTool } = tutorialTools(20, 400);
    const executor = createExecutor({ tools: [fastTool, slowTool] });
    const order: string[] = [];
    executor.on("call:started", (e) => order.push(`start ${e.callId}`));
    executor.on("call:finished", (e) => order.push(`end ${e.callId}`));
    const graph = graphOf(parallelToolNode(executor));
    const started = performance.now();
    const state = await graph.invoke({
      messages: [new HumanMessage("hi")],
      pending_tools: tutorialCalls,
    });
    const wallMs = performance.now() - started;
    expect(state.results).toEqual({
      fast_1: "Fast result for: task 1",
      slow_1: "Slow result for: task 2",
      fast_2: "Fast result for: task 3",
    });
    expect(state.errors).toEqual({ error_1: { kind: "tool_error", message: "Simulated failure" } });
    expect(state.pending_tools).toEqual([]);
    expect(state.messages.map((m) => m.content)).toEqual(["hi"]);
    // Parallel: all four start before any ends, so the wall time is the slowest call, not the sum.
    expect(order.slice(0, 4).every((e) => e.startsWith("start"))).toBe(true);
    expect(wallMs).toBeGreaterThanOrEqual(390);
  });

  it("merges results and errors across steps instead of replacing them", async () => {
    const { fastTool, slowTool } = tutorialTools(5, 10);
    const node = parallelToolNode([fastTool, slowTool]);
    const graph = new StateGraph(ParallelToolState)
      .addNode("first", node)
      .addNode("queue_more", () => ({
        pending_tools: [
          { id: "fast_3", name: "fast_tool", args: { query: "task 4" } },
          { id: "error_2", name: "slow_tool", args: { query: "fail again" } },
        ],
      }))
      .addNode("second", node)
      .addEdge(START, "first")
      .addEdge("first", "queue_more")
      .addEdge("queue_more", "second")
      .compile();
    const state = await graph.invoke({ pending_tools: tutorialCalls });
    expect(Object.keys(state.results).sort()).toEqual(["fast_1", "fast_2", "fast_3", "slow_1"]);
    expect(Object.keys(state.errors).sort()).toEqual(["error_1", "error_2"]);
  });

  it.each([
    ["in one batch", undefined],
    ["under maxConcurrency", 2],
  ])("turns malformed pending calls into error entries, never a crash (%s)", async (_l, max) => {
    const { fastTool } = tutorialTools(5, 10);
    const graph = graphOf(parallelToolNode([fastTool]));
    const state = await graph.invoke(
      {
        pending_tools: [
          { id: "good", name: "fast_tool", args: { query: "a" } },
          null,
          { name: "fast_tool", args: { query: "no id" } },
          { id: "good", name: "fast_tool", args: { query: "again" } },
          { id: "no_name", args: {} },
          { id: "unknown", name: "nope", args: {} },
          { id: "bad_args", name: "fast_tool", args: { query: 1 } },
        ] as never,
      },
      max === undefined ? {} : { maxConcurrency: max },
    );
    expect(state.results).toEqual({ good: "Fast result for: a" });
    expect(Object.fromEntries(Object.entries(state.errors).map(([k, v]) => [k, v.kind]))).toEqual({
      "#1": "invalid_call",
      "#2": "invalid_call",
      no_name: "invalid_call",
      unknown: "unknown_tool",
      bad_args: "invalid_args",
    });
    const notArray = await graph.invoke({ pending_tools: { id: "x" } as never });
    expect(notArray.errors["pending_tools"]?.kind).toBe("invalid_call");
    expect(notArray.pending_tools).toEqual([]);
  });

  it("streams each outcome to the custom stream as it finishes", async () => {
    const { fastTool, slowTool } = tutorialTools(10, 80);
    const graph = graphOf(parallelToolNode([fastTool, slowTool]));
    const order: string[] = [];
    const stream = await graph.stream({ pending_tools: tutorialCalls }, { streamMode: "custom" });
    for await (const chunk of stream) order.push((chunk as ToolOutcomeChunk).outcome.id);
    expect(order.slice(0, 2).sort()).toEqual(["fast_1", "fast_2"]);
    expect(order.slice(2).sort()).toEqual(["error_1", "slow_1"]);
  });

  it("honours the run config's maxConcurrency", async () => {
    let inFlight = 0;
    let max = 0;
    const { fastTool } = tutorialTools(20, 20);
    const executor = createExecutor({ tools: [fastTool] });
    executor.on("call:started", () => void (max = Math.max(max, ++inFlight)));
    executor.on("call:finished", () => void inFlight--);
    const graph = graphOf(parallelToolNode(executor));
    const pending = Array.from({ length: 6 }, (_, i) => ({
      id: `c${i}`,
      name: "fast_tool",
      args: { query: `q${i}` },
    }));
    const state = await graph.invoke({ pending_tools: pending }, { maxConcurrency: 2 });
    expect(Object.keys(state.results)).toHaveLength(6);
    expect(max).toBe(2);
  });

  it("replays journaled outcomes when the same thread runs the same calls again", async () => {
    const { fastTool, slowTool, runs } = tutorialTools(5, 20);
    const executor = createExecutor({ tools: [fastTool, slowTool], journal: new MemoryJournal() });
    const graph = graphOf(parallelToolNode(executor));
    const config = { configurable: { thread_id: "thread-a" } };
    const first = await graph.invoke({ pending_tools: tutorialCalls }, config);
    expect(runs.get("task 1")).toBe(1);
    const second = await graph.invoke({ pending_tools: tutorialCalls }, config);
    expect(second.results).toEqual(first.results);
    expect(second.errors).toEqual(first.errors);
    expect([...runs.values()]).toEqual([1, 1, 1, 1]);
    // Another thread is another batch: its calls run.
    await graph.invoke({ pending_tools: tutorialCalls }, { configurable: { thread_id: "b" } });
    expect([...runs.values()]).toEqual([2, 2, 2, 2]);
  });

  it("survives a stream writer that throws what String() cannot convert, and says so", async () => {
    const { fastTool } = tutorialTools(1, 1);
    const node = parallelToolNode(createExecutor({ tools: [fastTool] }));
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      const update = await node(
        { pending_tools: [{ id: "a", name: "fast_tool", args: { query: "x" } }] },
        {
          writer: () => {
            throw Object.create(null);
          },
        },
      );
      expect(update.results).toEqual({ a: "Fast result for: x" });
      expect(warn).toHaveBeenCalledWith(
        'A stream writer threw on the outcome of call "a": `{}` (null-prototype object)',
        { code: "VOLLEY_LANGGRAPH" },
      );
    } finally {
      warn.mockRestore();
    }
  });

  it("says what pending_tools holds when it is not an array", async () => {
    const node = parallelToolNode(createExecutor({ tools: [] }));
    const update = await node({ pending_tools: { id: "a" } });
    expect(update.errors).toEqual({
      pending_tools: {
        kind: "invalid_call",
        message: 'Expected pending_tools to be an array of tool calls, got `{ id: "a" }` (object)',
      },
    });
  });

  it("refuses what is neither an executor nor tools", () => {
    expect(() => parallelToolNode({} as never)).toThrow(TypeError);
    expect(() => parallelToolNode([{ name: "x" }] as never)).toThrow(/tools\[0\]/);
    const executor = createExecutor({ tools: [] });
    expect(() => parallelToolNode(executor, { executor: { concurrency: 2 } })).toThrow(TypeError);
  });
});

describe("runTutorialGraph", () => {
  it("returns the final state, the wall time and the outcomes in finishing order", async () => {
    const { fastTool, slowTool } = tutorialTools(20, 120);
    const executor = createExecutor({ tools: [fastTool, slowTool] });
    const run = await runTutorialGraph(executor, tutorialCalls);
    expect(
      run.outcomes
        .map((o) => o.id)
        .slice(0, 2)
        .sort(),
    ).toEqual(["fast_1", "fast_2"]);
    expect(run.outcomes).toHaveLength(4);
    expect(Object.keys(run.state.results)).toHaveLength(3);
    expect(run.state.errors["error_1"]?.message).toBe("Simulated failure");
    expect(run.wallMs).toBeGreaterThanOrEqual(110);
    expect(run.wallMs).toBeLessThan(400);
  });
});
