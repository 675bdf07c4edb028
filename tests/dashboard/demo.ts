/**
 * The reference demo's tools and batch (the tutorial's four calls), plus a second batch that
 * shows retries, a timeout and a concurrency limit: what the browser test and
 * `npm run screenshot` run.
 */
import { z } from "zod";
import { fastTool, sleep, slowTool } from "../../src/cli/tutorial-tools.js";
import { defineTool, type ToolCall } from "../../src/index.js";

export { fastTool, sleep, slowTool };

const query = z.object({ query: z.string() });

/** The tutorial's four calls. */
export const demoCalls: ToolCall[] = [
  { id: "fast_1", name: "fast_tool", args: { query: "task 1" } },
  { id: "slow_1", name: "slow_tool", args: { query: "task 2" } },
  { id: "fast_2", name: "fast_tool", args: { query: "task 3" } },
  { id: "error_1", name: "slow_tool", args: { query: "fail" } },
];

/** Fails the first attempt of each call, then succeeds: a retry that recovers. */
export const flakyTool = defineTool({
  name: "flaky_api",
  description: "An API that fails once per query",
  schema: query,
  retry: { maxAttempts: 3, initialInterval: 150, jitter: false },
  run: async ({ query }, { signal, attempt }) => {
    await sleep(250, signal);
    if (attempt === 1) throw new Error("503 Service Unavailable");
    return `API result for: ${query}`;
  },
});

/** Hangs past its 400 ms timeout on "hang". */
export const searchTool = defineTool({
  name: "web_search",
  description: "A search that sometimes hangs",
  schema: query,
  timeoutMs: 400,
  concurrency: 2,
  run: async ({ query }, { signal }) => {
    await sleep(query === "hang" ? 5_000 : 120 + 15 * query.length, signal);
    return `Results for: ${query}`;
  },
});

/** Every tool above. */
export const demoTools = [fastTool, slowTool, flakyTool, searchTool] as const;

/** The tutorial's next steps at work: a retry that recovers, a timeout, a concurrency limit. */
export const nextStepsCalls: ToolCall[] = [
  { id: "search_1", name: "web_search", args: { query: "volley" } },
  { id: "search_2", name: "web_search", args: { query: "hang" } },
  { id: "search_3", name: "web_search", args: { query: "parallel tools" } },
  { id: "search_4", name: "web_search", args: { query: "sse" } },
  { id: "api_1", name: "flaky_api", args: { query: "weather" } },
  { id: "api_2", name: "flaky_api", args: { query: "stocks" } },
  { id: "fast_3", name: "fast_tool", args: { query: "task 4" } },
  { id: "ghost_1", name: "summarize", args: { text: "no such tool" } },
];
