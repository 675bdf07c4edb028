/**
 * A tools module: the tutorial's two tools, exported by name. `volley run` loads it with the
 * calls of examples/calls.json (see docs/cli.md):
 *
 *   npx volley run --tools examples/tools.ts --calls examples/calls.json
 *
 * The CLI, worker threads and queue workers all load a tools module the same way: its exports
 * that are tools (named, or a default array) are its tools.
 */
import { defineTool } from "volley";
import { z } from "zod";

/** Resolves after `ms`, or rejects as soon as `signal` aborts (a timeout, the deadline, Ctrl-C). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Simulated fast tool: answers after 0.1 s. */
export const fast_tool = defineTool({
  name: "fast_tool",
  description: "Simulated fast tool",
  schema: z.object({ query: z.string() }),
  run: async ({ query }, { signal }) => {
    await sleep(100, signal);
    return `Fast result for: ${query}`;
  },
});

/** Simulated slow tool: answers after 1 s, fails when the query contains "fail". */
export const slow_tool = defineTool({
  name: "slow_tool",
  description: "Simulated slow tool with occasional failures",
  schema: z.object({ query: z.string() }),
  run: async ({ query }, { signal }) => {
    await sleep(1_000, signal);
    if (query.includes("fail")) throw new Error("Simulated failure");
    return `Slow result for: ${query}`;
  },
});
