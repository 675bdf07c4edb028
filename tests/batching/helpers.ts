import { z } from "zod";
import { defineTool, type Policy, type ToolContext } from "../../src/index.js";

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A tool that waits `args.ms` (or `ms`) and returns `args.tag`; fails when `args.fail` is set. */
export function waitTool<const N extends string>(
  name: N,
  policy: Policy & { ms?: number; onRun?: (args: WaitArgs, ctx: ToolContext) => void } = {},
) {
  const { ms = 10, onRun, ...rest } = policy;
  return defineTool({
    name,
    description: `waits, for tests`,
    schema: z.object({
      ms: z.number().optional(),
      tag: z.string().optional(),
      fail: z.boolean().optional(),
    }),
    ...rest,
    run: async (args, ctx) => {
      onRun?.(args, ctx);
      await sleep(args.ms ?? ms, ctx.signal);
      if (args.fail) throw new Error(`${name} failed on purpose`);
      return args.tag ?? name;
    },
  });
}

export interface WaitArgs {
  ms?: number | undefined;
  tag?: string | undefined;
  fail?: boolean | undefined;
}

/** Lets pending promise callbacks run (with fake timers). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
