/**
 * The tools and calls every scenario shares: a no-op and a 50 ms sleep, each as a plain function,
 * a Volley tool and a `@langchain/core` tool, all with the same zod schema. LangChain is imported
 * lazily, so that children measuring Volley or p-limit never load it.
 */
import { pathToFileURL } from "node:url";
import { z } from "zod";
import type * as CoreApi from "../src/core/index.js";

/** The core's public API, as the children import it. */
export type Core = typeof CoreApi;

/**
 * Environment variable naming the core a child measures (a path to another tree's
 * `src/core/index.ts`), for `--baseline` comparisons; unset, this tree's core.
 */
export const CORE_ENV = "VOLLEY_BENCH_CORE";

/** Loads the core under test. */
export function loadCore(): Promise<Core> {
  const other = process.env[CORE_ENV];
  return other
    ? (import(pathToFileURL(other).href) as Promise<Core>)
    : import("../src/core/index.js");
}

/** The schema of every benchmark tool: `{ x: number }`. */
export const argsSchema = z.object({ x: z.number() });

/** The arguments type. */
export type Args = z.infer<typeof argsSchema>;

/** What every no-op returns. */
export const RESULT = "ok";

/** A no-op as a bare async function (what `Promise.all` and p-limit run). */
export const noop = async (_args: Args): Promise<string> => RESULT;

/** Resolves after `ms` (no signal: every contender sleeps the same way). */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Sleeps 50 ms, then returns. */
export const SLEEP_MS = 50;
export const sleeper = async (_args: Args): Promise<string> => {
  await sleep(SLEEP_MS);
  return RESULT;
};

/** `fn` as a Volley tool named "noop", made by the core under test. */
export async function volleyTool(fn: (args: Args) => Promise<string>) {
  const { defineTool } = await loadCore();
  return defineTool({ name: "noop", description: "Does nothing", schema: argsSchema, run: fn });
}

/** `fn` as a `@langchain/core` `tool()` named "noop". */
export async function langchainTool(fn: (args: Args) => Promise<string>) {
  const { tool } = await import("@langchain/core/tools");
  return tool(fn, { name: "noop", description: "Does nothing", schema: argsSchema });
}

/** `n` calls in LangChain's shape (`AIMessage.tool_calls`), ids `c0`… */
export function makeCalls(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    name: "noop",
    args: { x: i } as Args,
    type: "tool_call" as const,
  }));
}

/** A `ToolNode` over `fn`, and the AIMessage carrying `n` calls; resolves to a batch function. */
export async function toolNodeBatch(fn: (args: Args) => Promise<string>, n: number) {
  const [{ ToolNode }, { AIMessage }] = await Promise.all([
    import("@langchain/langgraph/prebuilt"),
    import("@langchain/core/messages"),
  ]);
  const node = new ToolNode([await langchainTool(fn)]);
  const message = new AIMessage({ content: "", tool_calls: makeCalls(n) });
  return async (): Promise<number> => {
    const out = (await node.invoke({ messages: [message] })) as {
      messages: Array<{ status?: string }>;
    };
    return out.messages.filter((m) => m.status !== "error").length;
  };
}
