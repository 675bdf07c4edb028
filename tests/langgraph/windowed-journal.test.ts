import { START, StateGraph } from "@langchain/langgraph";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/core/index.js";
import { SqliteJournal } from "../../src/journal/index.js";
import { ParallelToolState, parallelToolNode } from "../../src/langgraph/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/** A SQLite journal that counts its loads and the rows they read. */
class CountingJournal extends SqliteJournal {
  loads = 0;
  rowsRead = 0;
  override load(batchId: string) {
    const outcomes = super.load(batchId);
    this.loads++;
    this.rowsRead += outcomes.length;
    return outcomes;
  }
}

describe("a step under the run config's maxConcurrency, with a journal", () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => (dir = makeTempDir("windowed")));
  afterEach(() => dir.remove());

  // Under maxConcurrency the step is still one batch (execute(calls, { concurrency })), so the
  // journal is loaded once: one execute() per call would read rows growing with the square of
  // the step's size (4,000 calls under maxConcurrency 50 took ~30 s, against 0.1 s without).
  it("loads the journal a bounded number of times, not once per call", async () => {
    const journal = new CountingJournal(join(dir.path, "j.db"));
    const noop = defineTool({
      name: "noop",
      description: "Returns its index",
      schema: z.object({ i: z.number() }),
      run: async ({ i }) => i,
    });
    const graph = new StateGraph(ParallelToolState)
      .addNode("tools", parallelToolNode(createExecutor({ tools: [noop], journal })))
      .addEdge(START, "tools")
      .compile();
    const pending = Array.from({ length: 400 }, (_, i) => ({
      id: `c${i}`,
      name: "noop",
      args: { i },
    }));
    const state = await graph.invoke(
      { pending_tools: pending },
      { configurable: { thread_id: "windowed" }, maxConcurrency: 10 },
    );
    expect(Object.keys(state.results)).toHaveLength(400);
    expect(journal.rowsRead).toBeLessThan(4 * 400);
    expect(journal.loads).toBeLessThan(10);
    await journal.close();
  });
});
