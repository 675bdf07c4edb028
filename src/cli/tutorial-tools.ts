import { z } from "zod";
import { defineTool } from "../core/index.js";

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const query = z.object({ query: z.string().describe("Input query string") });

/** The tutorial's fast tool: answers after 0.1 s. */
export const fastTool = defineTool({
  name: "fast_tool",
  description: "Simulated fast tool",
  schema: query,
  run: async ({ query }, { signal }) => {
    await sleep(100, signal);
    return `Fast result for: ${query}`;
  },
});

/** The tutorial's slow tool: answers after 1 s, and fails when the query contains "fail". */
export const slowTool = defineTool({
  name: "slow_tool",
  description: "Simulated slow tool with occasional failures",
  schema: query,
  run: async ({ query }, { signal }) => {
    await sleep(1_000, signal);
    if (query.includes("fail")) throw new Error("Simulated failure");
    return `Slow result for: ${query}`;
  },
});

/**
 * A tool whose first attempt at each call fails, like a service that drops the odd request;
 * its own retry policy recovers it.
 */
export const flakyTool = defineTool({
  name: "flaky_tool",
  description: "Simulated flaky tool: the first attempt fails, the next one works",
  schema: query,
  retry: { maxAttempts: 3, initialInterval: 100, jitter: false },
  run: async ({ query }, { signal, attempt }) => {
    await sleep(50, signal);
    if (attempt === 1) throw new Error("Simulated flaky failure");
    return `Flaky result for: ${query} (attempt ${attempt})`;
  },
});

/** The tutorial's four calls, in its own `{ id, tool_name, args }` shape. */
export const tutorialCalls = [
  { id: "fast_1", tool_name: "fast_tool", args: { query: "task 1" } },
  { id: "slow_1", tool_name: "slow_tool", args: { query: "task 2" } },
  { id: "fast_2", tool_name: "fast_tool", args: { query: "task 3" } },
  { id: "error_1", tool_name: "slow_tool", args: { query: "fail" } },
] as const;
