import { z } from "zod";
import { defineTool } from "../../src/index.js";

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
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

/** The tutorial's fast tool: 100 ms. */
export const fastTool = defineTool({
  name: "fast_tool",
  description: "Simulated fast tool",
  schema: z.object({ query: z.string() }),
  run: async ({ query }, { signal }) => {
    await sleep(100, signal);
    return `Fast result for: ${query}`;
  },
});

/** The tutorial's slow tool: 1 s, fails on "fail". */
export const slowTool = defineTool({
  name: "slow_tool",
  description: "Simulated slow tool with occasional failures",
  schema: z.object({ query: z.string() }),
  run: async ({ query }, { signal }) => {
    await sleep(1000, signal);
    if (query.includes("fail")) throw new Error("Simulated failure");
    return `Slow result for: ${query}`;
  },
});

/** The tutorial's four calls. */
export const tutorialCalls = [
  { id: "fast_1", tool_name: "fast_tool", args: { query: "task 1" } },
  { id: "slow_1", tool_name: "slow_tool", args: { query: "task 2" } },
  { id: "fast_2", tool_name: "fast_tool", args: { query: "task 3" } },
  { id: "error_1", tool_name: "slow_tool", args: { query: "fail" } },
];

/** A tool that waits `ms` from its args, honouring its signal. */
export const waitTool = defineTool({
  name: "wait",
  description: "Waits args.ms milliseconds",
  schema: z.object({ ms: z.number(), value: z.unknown().optional() }),
  run: async ({ ms, value }, { signal }) => {
    await sleep(ms, signal);
    return value ?? ms;
  },
});

/** Lets pending microtasks and immediate callbacks run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
