import { defineTool } from "../../src/core/index.js";
import { z } from "zod";

/** The tutorial's two tools, with their waits scaled (ms), counting their runs. */
export function tutorialTools(fastMs = 20, slowMs = 120) {
  const runs = new Map<string, number>();
  const count = (query: string): void => void runs.set(query, (runs.get(query) ?? 0) + 1);
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), {
        once: true,
      });
    });
  const fastTool = defineTool({
    name: "fast_tool",
    description: "Simulated fast tool",
    schema: z.object({ query: z.string() }),
    run: async ({ query }, { signal }) => {
      count(query);
      await sleep(fastMs, signal);
      return `Fast result for: ${query}`;
    },
  });
  const slowTool = defineTool({
    name: "slow_tool",
    description: "Simulated slow tool with occasional failures",
    schema: z.object({ query: z.string() }),
    run: async ({ query }, { signal }) => {
      count(query);
      await sleep(slowMs, signal);
      if (query.includes("fail")) throw new Error("Simulated failure");
      return `Slow result for: ${query}`;
    },
  });
  return { fastTool, slowTool, runs };
}

/** The tutorial's four calls. */
export const tutorialCalls = [
  { id: "fast_1", tool_name: "fast_tool", args: { query: "task 1" } },
  { id: "slow_1", tool_name: "slow_tool", args: { query: "task 2" } },
  { id: "fast_2", tool_name: "fast_tool", args: { query: "task 3" } },
  { id: "error_1", tool_name: "slow_tool", args: { query: "fail" } },
];
