import { z } from "zod";
import {
  createExecutor,
  defineTool,
  type AnyTool,
  type Backend,
  type ExecutorOptions,
} from "../../src/core/index.js";

/** An inline tool that waits `ms` honouring its signal: the event loop's health check. */
export const inlineSleep = defineTool({
  name: "inline_sleep",
  description: "Waits on a timer, inline",
  schema: z.object({ ms: z.number() }),
  run: ({ ms }, { signal }) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => resolve("slept"), ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    }),
});

/** An executor for one test: it is never closed, so the shared backend outlives it. */
export function executorWith(
  tools: readonly AnyTool[],
  worker: Backend,
  options: Partial<ExecutorOptions> = {},
) {
  return createExecutor({ tools, backends: { worker }, retry: false, ...options });
}

export const sleepMs = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with how much later than `ms` a plain timer fired (ms): the machine's lateness. */
export function timerLateness(ms: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) =>
    setTimeout(() => resolve(Math.max(0, performance.now() - started - ms)), ms),
  );
}
