/**
 * The parallel tool execution tutorial as a LangGraph `StateGraph`: its state (messages,
 * pending_tools, results, errors), its fast and slow tools, and one node that runs every pending
 * call at once. One call fails; the others are unaffected, and the wall time is the slowest
 * call's (about 1 s), not the sum (2.2 s).
 *
 * Run: npx tsx examples/tutorial-graph.ts
 * Peers: @langchain/langgraph, @langchain/core, zod
 * Expect: Executed 4 tools in 1.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { createExecutor, defineTool, formatOutcomeError, type Outcome } from "volley";
import { ParallelToolState, parallelToolNode, type ToolOutcomeChunk } from "volley/langgraph";
import { z } from "zod";

/** Waits `ms`, or rejects as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), {
      once: true,
    });
  });
}

const fastTool = defineTool({
  name: "fast_tool",
  description: "Simulated fast tool",
  schema: z.object({ query: z.string() }),
  run: async ({ query }, { signal }) => {
    await sleep(100, signal);
    return `Fast result for: ${query}`;
  },
});

const slowTool = defineTool({
  name: "slow_tool",
  description: "Simulated slow tool with occasional failures",
  schema: z.object({ query: z.string() }),
  run: async ({ query }, { signal }) => {
    await sleep(1_000, signal);
    if (query.includes("fail")) throw new Error("Simulated failure");
    return `Slow result for: ${query}`;
  },
});

await using executor = createExecutor({ tools: [fastTool, slowTool] });

// START → parallel_executor → END: the node runs pending_tools and fills results and errors.
const graph = new StateGraph(ParallelToolState)
  .addNode("parallel_executor", parallelToolNode(executor))
  .addEdge(START, "parallel_executor")
  .addEdge("parallel_executor", END)
  .compile();

// The tutorial's four calls, in its own { id, tool_name, args } shape.
const state = {
  messages: [],
  pending_tools: [
    { id: "fast_1", tool_name: "fast_tool", args: { query: "task 1" } },
    { id: "slow_1", tool_name: "slow_tool", args: { query: "task 2" } },
    { id: "fast_2", tool_name: "fast_tool", args: { query: "task 3" } },
    { id: "error_1", tool_name: "slow_tool", args: { query: "fail" } },
  ],
  results: {},
  errors: {},
};

console.log("\nParallel Execution Demo");
console.log("=".repeat(50));
const started = performance.now();
// "custom" streams each outcome as it finishes; "values" gives the final state.
const finished: Outcome[] = [];
let final: typeof ParallelToolState.State | undefined;
for await (const [mode, chunk] of await graph.stream(state, {
  streamMode: ["custom", "values"],
})) {
  if (mode === "custom") finished.push((chunk as ToolOutcomeChunk).outcome);
  else final = chunk;
}
const seconds = ((performance.now() - started) / 1000).toFixed(2);

console.log(`Executed ${finished.length} tools in ${seconds} seconds`);
console.log("\nSuccessful Results:");
for (const o of finished) if (o.status === "ok") console.log(`${o.id}: ${String(o.value)}`);
console.log("\nErrors:");
for (const o of finished)
  if (o.status === "error") console.log(`${o.id}: ${formatOutcomeError(o.error)}`);

const results = Object.keys(final?.results ?? {}).length;
const errors = Object.keys(final?.errors ?? {}).length;
console.log(
  `\nFinal state: ${results} results, ${errors} error, pending_tools ${JSON.stringify(final?.pending_tools)}`,
);
