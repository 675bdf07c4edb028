import {
  END,
  InMemoryStore,
  MemorySaver,
  START,
  StateGraph,
  type Operation,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type Outcome } from "../../src/index.js";
import { ParallelToolState, StoreJournal, parallelToolNode } from "../../src/langgraph/index.js";

function ok(id: string, value: unknown, index = 0): Outcome {
  return { id, index, name: "echo", status: "ok", value, startedAt: 1, durationMs: 2, attempts: 1 };
}

describe("StoreJournal", () => {
  it("round-trips outcomes under a namespace per batch, with graph-style batch ids", async () => {
    const store = new InMemoryStore();
    const journal = new StoreJournal(store);
    const batchId = "thread-1:ns.a|b:call_1,call_2";
    await Promise.all([
      journal.record(batchId, ok("a", { x: [1] })),
      journal.record(batchId, {
        id: "b",
        index: 1,
        name: "echo",
        status: "error",
        error: { kind: "timeout", message: "slow" },
        startedAt: 1,
        durationMs: 9,
        attempts: 3,
      }),
      journal.record("other", ok("a", "other")),
    ]);
    expect((await journal.load(batchId)).map((o) => [o.id, o.status])).toEqual([
      ["a", "ok"],
      ["b", "error"],
    ]);
    const item = await store.get(
      ["volley", "journal", "thread-1~3Ans~2Ea~7Cb~3Acall~5F1~2Ccall~5F2"],
      "a",
    );
    expect(item?.value).toMatchObject({ id: "a", status: "ok", value: { x: [1] } });
    await journal.delete(batchId);
    expect(await journal.load(batchId)).toEqual([]);
    expect(await journal.load("other")).toHaveLength(1);
  });

  it("keeps apart batch ids that differ only in characters it escapes, lone surrogates too", async () => {
    const store = new InMemoryStore();
    const journal = new StoreJournal(store);
    const ids = ["a.b", "a:b", "a_b", "a%b", "a~b", "a~5Fb", "a\\b", "a\ud800b", "a\udc00b", "aéb"];
    await Promise.all(ids.map((id) => journal.record(id, ok("c", id))));
    for (const id of ids) {
      const loaded = await journal.load(id);
      expect(loaded.map((o) => (o as { value?: unknown }).value)).toEqual([id]);
    }
    const labels = (await store.listNamespaces({ prefix: ["volley", "journal"] })).map(
      (ns) => ns[2],
    );
    expect(new Set(labels).size).toBe(ids.length);
    for (const label of labels) expect(label).toMatch(/^[A-Za-z0-9~-]+$/);
  });

  it("pages through a large batch and groups writes into few store.batch() calls", async () => {
    const store = new InMemoryStore();
    let batchCalls = 0;
    const batch = store.batch.bind(store);
    store.batch = ((ops: Operation[]) => {
      batchCalls++;
      return batch(ops);
    }) as unknown as typeof store.batch;
    const journal = new StoreJournal(store, { namespace: ["app", "outcomes"], pageSize: 300 });
    await Promise.all(
      Array.from({ length: 2_000 }, (_, i) => journal.record("big", ok(`c${i}`, i, i))),
    );
    expect(journal.stats()).toEqual({ recorded: 2_000, commits: 4, pending: 0 });
    expect(batchCalls).toBe(4);
    const loaded = await journal.load("big");
    expect(loaded).toHaveLength(2_000);
    expect(new Set(loaded.map((o) => o.id)).size).toBe(2_000);
  });

  it("lets the executor resume a batch", async () => {
    const store = new InMemoryStore();
    const runs: string[] = [];
    const echo = defineTool({
      name: "echo",
      description: "echo",
      schema: z.object({ text: z.string() }),
      run: ({ text }, { callId }) => {
        runs.push(callId);
        return text;
      },
    });
    const calls = ["a", "b", "c"].map((id) => ({ id, name: "echo", args: { text: id } }));
    const first = createExecutor({ tools: [echo], journal: new StoreJournal(store) });
    await first.execute(calls.slice(0, 1), { batchId: "b1" });
    const second = createExecutor({ tools: [echo], journal: new StoreJournal(store) });
    const report = await second.execute(calls, { batchId: "b1" });
    expect(runs).toEqual(["a", "b", "c"]);
    expect(report.outcomes.map((o) => o.replayed ?? false)).toEqual([true, false, false]);
  });

  it("journals into the graph's own store and resumes a thread with invoke(null, config)", async () => {
    const runs: string[] = [];
    let hang = true;
    const work = defineTool({
      name: "work",
      description: "works",
      schema: z.object({ item: z.string(), slow: z.boolean() }),
      run: async ({ item, slow }, { signal }) => {
        runs.push(item);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, slow && hang ? 60_000 : 1);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
        });
        return item.toUpperCase();
      },
    });
    const store = new InMemoryStore();
    const executor = createExecutor({ tools: [work], journal: new StoreJournal(store) });
    const graph = new StateGraph(ParallelToolState)
      .addNode("tools", parallelToolNode(executor))
      .addEdge(START, "tools")
      .addEdge("tools", END)
      .compile({ checkpointer: new MemorySaver(), store });
    const controller = new AbortController();
    const off = executor.on("call:finished", () => controller.abort());
    const config = { configurable: { thread_id: "t.1:x" } };
    const calls = ["a", "b", "c"].map((item, i) => ({
      id: item,
      name: "work",
      args: { item, slow: i > 0 },
    }));
    await expect(
      graph.invoke(
        { pending_tools: calls },
        { ...config, signal: controller.signal, durability: "sync" },
      ),
    ).rejects.toThrow();
    off();
    expect(await store.listNamespaces({ prefix: ["volley", "journal"] })).toHaveLength(1);
    hang = false;
    const state = await graph.invoke(null, config);
    expect(state.results).toEqual({ a: "A", b: "B", c: "C" });
    expect(runs.sort()).toEqual(["a", "b", "b", "c", "c"]);
  });

  it("rejects a bad store or namespace with a TypeError", () => {
    expect(() => new StoreJournal({} as InMemoryStore)).toThrow(/LangGraph BaseStore/);
    expect(() => new StoreJournal(new InMemoryStore(), { namespace: ["a.b"] })).toThrow(
      /Expected namespace/,
    );
    expect(() => new StoreJournal(new InMemoryStore(), { namespace: [] })).toThrow(TypeError);
  });
});
