import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { END, START, StateGraph } from "@langchain/langgraph";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { createExecutor, defineTool } from "../src/index.js";
import { SqliteJournal } from "../src/journal/index.js";
import { ParallelToolState, parallelToolNode } from "../src/langgraph/index.js";
const schema = z.object({ i: z.number() });
const D = defineTool({ name: "double", description: "d", schema, run: async ({ i }) => i * 2 });
const dir = mkdtempSync(join(tmpdir(), "p-"));
const calls = Array.from({ length: 1000 }, (_, i) => ({ id: `call_${i}`, name: "double", args: { i } }));
const journal = new SqliteJournal(join(dir, `j.db`));
const ex = createExecutor({ tools: [D], concurrency: Infinity, journal });
const graph = new StateGraph(ParallelToolState).addNode("tools", parallelToolNode(ex, { stream: false })).addEdge(START, "tools").addEdge("tools", END)
  .compile({ checkpointer: SqliteSaver.fromConnString(join(dir, `c.db`)) });
const times: number[] = [];
for (let r = 0; r < 300; r++) {
  const t0 = performance.now();
  await graph.invoke({ pending_tools: [...calls] }, { configurable: { thread_id: `t${r}` } });
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log("median", times[150]!.toFixed(1), "min", times[0]!.toFixed(1));
