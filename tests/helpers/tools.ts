import { z } from "zod";
import { defineTool } from "../../src/index.js";
import { sleep } from "../../src/cli/tutorial-tools.js";

export { fastTool, sleep, slowTool, tutorialCalls } from "../../src/cli/tutorial-tools.js";

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
