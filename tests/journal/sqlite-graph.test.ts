import { END, START, StateGraph } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";
import { SqliteJournal } from "../../src/journal/index.js";
import { ParallelToolState, parallelToolNode } from "../../src/langgraph/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";

function workTool(runs: string[], hang: { on: boolean }) {
  return defineTool({
    name: "work",
    description: "works",
    schema: z.object({ item: z.string(), slow: z.boolean() }),
    run: async ({ item, slow }, { signal }) => {
      runs.push(item);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, slow && hang.on ? 60_000 : 1);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
      return `did ${item}`;
    },
  });
}

const calls = ["a", "b", "c", "d"].map((item, i) => ({
  id: `call_${item}`,
  name: "work",
  args: { item, slow: i >= 2 },
}));

describe("SqliteJournal in a graph with the SQLite checkpointer", () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => (dir = makeTempDir("sqlite-graph")));
  afterEach(() => dir.remove());

  it("shares one database file with SqliteSaver, and replays when the same input is sent again", async () => {
    const db = new Database(join(dir.path, "graph.db"));
    const runs: string[] = [];
    const hang = { on: true };
    const journal = new SqliteJournal({ database: db });
    const executor = createExecutor({ tools: [workTool(runs, hang)], journal });
    const graph = new StateGraph(ParallelToolState)
      .addNode("tools", parallelToolNode(executor))
      .addEdge(START, "tools")
      .addEdge("tools", END)
      .compile({ checkpointer: new SqliteSaver(db) });
    const config = { configurable: { thread_id: "same-input" } };

    const controller = new AbortController();
    let finished = 0;
    const off = executor.on("call:finished", () => {
      if (++finished === 2) controller.abort();
    });
    // The default durability ("async"): whether a checkpoint names the tool step is not certain
    // after an abort, so this resumes by sending the same input again, which works either way.
    await expect(
      graph.invoke({ pending_tools: calls }, { ...config, signal: controller.signal }),
    ).rejects.toThrow();
    off();

    hang.on = false;
    const replayed: string[] = [];
    executor.on("call:finished", ({ outcome }) => {
      if (outcome.replayed) replayed.push(outcome.id);
    });
    const state = await graph.invoke({ pending_tools: calls }, config);
    expect(replayed.sort()).toEqual(["call_a", "call_b"]);
    expect(runs.sort()).toEqual(["a", "b", "c", "c", "d", "d"]);
    expect(Object.keys(state.results).sort()).toEqual(["call_a", "call_b", "call_c", "call_d"]);

    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => (row as { name: string }).name);
    expect(tables).toEqual(expect.arrayContaining(["checkpoints", "writes", "volley_journal"]));
    await executor.close();
    await journal.close();
    db.close();
  });
});
