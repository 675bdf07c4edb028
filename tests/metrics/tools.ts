import { z } from "zod";
import { sleep } from "../../src/cli/tutorial-tools.js";
import { defineTool } from "../../src/index.js";

export { sleep } from "../../src/cli/tutorial-tools.js";

/** Returns its `value` argument after `ms` (0 by default), honouring its signal. */
export const echo = defineTool({
  name: "echo",
  description: "Echoes args.value",
  schema: z.object({ value: z.unknown().optional(), ms: z.number().optional() }).passthrough(),
  run: async ({ value, ms }, { signal }) => {
    if (ms !== undefined) await sleep(ms, signal);
    return value;
  },
});

/** Always throws a plain Error. */
export const boom = defineTool({
  name: "boom",
  description: "Always fails",
  schema: z.object({}).passthrough(),
  run: () => {
    throw new Error("kaboom");
  },
});

/** Fails its first attempt, succeeds on the second; retries after 1 ms. */
export const flaky = defineTool({
  name: "flaky",
  description: "Fails once",
  schema: z.object({}).passthrough(),
  retry: { maxAttempts: 2, initialInterval: 1, jitter: false },
  run: (_args, { attempt }) => {
    if (attempt === 1) throw new Error("first attempt fails");
    return "recovered";
  },
});

/** Ignores its signal and times out after 20 ms, so it is abandoned when it settles at 60 ms. */
export const stubborn = defineTool({
  name: "stubborn",
  description: "Ignores its abort signal",
  schema: z.object({}).passthrough(),
  timeoutMs: 20,
  run: async () => {
    await sleep(60);
    return "too late";
  },
});

export const allTools = [echo, boom, flaky, stubborn] as const;

/** A tool named `held` whose calls wait until the test calls `open()`. */
export function heldTool() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const held = defineTool({
    name: "held",
    description: "Waits for the test to open the gate",
    schema: z.object({}).passthrough(),
    run: () => gate,
  });
  return { held, open };
}
