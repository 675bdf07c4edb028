import { expect } from "vitest";
import { z } from "zod";
import {
  createExecutor,
  defineTool,
  type ErrorKind,
  type ExecutorOptions,
  type Outcome,
} from "../../src/index.js";

/** A tool that answers at once with its `x`. */
export const echo = defineTool({
  name: "echo",
  description: "Answers with x",
  schema: z.object({ x: z.number() }),
  run: ({ x }) => x,
});

/** Throws a Proxy whose every trap throws. */
export function trapProxy<T extends object>(target: T): T {
  const boom = (): never => {
    throw new Error("trap");
  };
  return new Proxy(target, {
    get: boom,
    getPrototypeOf: boom,
    has: boom,
    ownKeys: boom,
    getOwnPropertyDescriptor: boom,
    apply: boom,
    construct: boom,
    set: boom,
    defineProperty: boom,
    deleteProperty: boom,
    isExtensible: boom,
    preventExtensions: boom,
    setPrototypeOf: boom,
  });
}

/** A value whose getter throws. */
export function throwingGetter<T extends object>(target: T, key: string): T {
  return Object.defineProperty(target, key, {
    enumerable: true,
    get() {
      throw new Error(`getter ${key}`);
    },
  });
}

/**
 * Runs `hostile` between two valid calls, and checks that it ends with `kind` (and a message
 * that is a non-empty string) while the valid calls beside it end `ok`.
 */
export async function endsBeside(
  hostile: unknown,
  kind: ErrorKind,
  options: Partial<ExecutorOptions> = {},
): Promise<Outcome> {
  const executor = createExecutor({ tools: [echo], ...options } as ExecutorOptions);
  const report = await executor.execute([
    { id: "before", name: "echo", args: { x: 1 } },
    hostile,
    { id: "after", name: "echo", args: { x: 2 } },
  ]);
  const [before, outcome, after] = report.outcomes;
  expect(before).toMatchObject({ status: "ok", value: 1 });
  expect(after).toMatchObject({ status: "ok", value: 2 });
  expect(outcome!.status).toBe("error");
  if (outcome!.status === "error") {
    expect(outcome!.error.kind).toBe(kind);
    expect(typeof outcome!.error.message).toBe("string");
    expect(outcome!.error.message.length).toBeGreaterThan(0);
    // The outcome is plain data: it survives structured clone and JSON.
    expect(() => structuredClone(outcome!.error)).not.toThrow();
  }
  await executor.onIdle();
  expect(executor.stats()).toMatchObject({ running: 0, queued: 0, retrying: 0, held: 0 });
  return outcome!;
}
