import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type ExecutorOptions } from "../../src/index.js";
import { echo, trapProxy } from "./helpers.js";

describe("corpus: bad executor options throw a TypeError naming the option", () => {
  it.each<[string, unknown, RegExp]>([
    [
      "a typo of concurrency",
      { tools: [echo], concurency: 4 },
      /"concurency".*did you mean "concurrency"/,
    ],
    ["concurrency 0", { tools: [echo], concurrency: 0 }, /concurrency/],
    ["concurrency NaN", { tools: [echo], concurrency: NaN }, /concurrency/],
    ["a negative timeoutMs", { tools: [echo], timeoutMs: -5 }, /timeoutMs/],
    [
      "a retry typo",
      { tools: [echo], retry: { maxAttempt: 3 } },
      /"maxAttempt".*did you mean "maxAttempts"/,
    ],
    [
      "a retry backoffFactor below 1",
      { tools: [echo], retry: { backoffFactor: 0.5 } },
      /backoffFactor/,
    ],
    ["tools that is not an array", { tools: echo }, /tools/],
    ["a tool that is a plain object", { tools: [{ name: "x" }] }, /tools\[0\]/],
    ["two tools of one name", { tools: [echo, echo] }, /Two tools are named "echo"/],
    [
      "policies for a tool that does not exist",
      { tools: [echo], policies: { nope: {} } },
      /policies names "nope"/,
    ],
    [
      "a policy with a bad rateLimit",
      { tools: [echo], policies: { echo: { rateLimit: { max: 0, perMs: 1 } } } },
      /rateLimit\.max/,
    ],
    ["a journal without record()", { tools: [echo], journal: { load: () => [] } }, /journal/],
    ["a backend without run()", { tools: [echo], backend: {} }, /backend/],
    ["maxQueued 0", { tools: [echo], maxQueued: 0 }, /maxQueued/],
    ["overflow that is not reject or split", { tools: [echo], overflow: "drop" }, /overflow/],
    ["options that are a Proxy whose traps throw", trapProxy({ tools: [echo] }), /./],
  ])("%s", (_label, options, message) => {
    expect(() => createExecutor(options as ExecutorOptions)).toThrow(TypeError);
    expect(() => createExecutor(options as ExecutorOptions)).toThrow(message);
  });
});

describe("corpus: bad execute() options throw a TypeError naming the option, and run nothing", () => {
  let runs = 0;
  const counted = defineTool({
    name: "c",
    description: "",
    schema: z.object({}),
    run: () => ++runs,
  });
  const executor = createExecutor({ tools: [counted] });
  it.each<[string, unknown, RegExp]>([
    ["a typo of deadlineMs", { deadline: 5 }, /"deadline".*did you mean "deadlineMs"/],
    ["a negative deadlineMs", { deadlineMs: -1 }, /deadlineMs/],
    ["a signal that is not an AbortSignal", { signal: {} }, /signal/],
    ["collect that is a string", { collect: "no" }, /collect/],
    ["an empty batchId", { batchId: "" }, /batchId/],
    ["a weight of 0", { weight: 0 }, /weight/],
    ["a class that does not exist", { class: "urgent" }, /class/],
    ["options that are a number", 5, /execute options/],
  ])("%s", (_label, options, message) => {
    expect(() => executor.execute([{ id: "a", name: "c", args: {} }], options as never)).toThrow(
      message,
    );
    expect(runs).toBe(0);
  });

  it("calls that are not iterable", () => {
    expect(() => executor.execute(42 as never)).toThrow(/calls to be an array/);
    expect(() => executor.execute("ab" as never)).toThrow(/calls to be an array/);
    expect(() => executor.execute({ length: 1 } as never)).toThrow(/calls to be an array/);
  });
});

describe("corpus: bad tool definitions throw a TypeError naming the field", () => {
  const base = { name: "t", description: "", schema: z.object({}), run: () => 1 };
  it.each<[string, Record<string, unknown>, RegExp]>([
    ["an empty name", { name: "" }, /name/],
    ["a schema that is not one", { schema: { parse: () => 1 } }, /schema/],
    ["run that is not a function", { run: "go" }, /run/],
    ["a timeoutMs of 0", { timeoutMs: 0 }, /timeoutMs/],
    ["a maxTimeoutMs of -1", { maxTimeoutMs: -1 }, /maxTimeoutMs/],
    ["a maxAttempts of 0", { maxAttempts: 0 }, /maxAttempts/],
    ["a fallback and a default at once", { onError: { fallback: "x", default: 1 } }, /exactly one/],
    ["an isolation that is a number", { isolation: 1 }, /isolation/],
  ])("%s", (_label, change, message) => {
    expect(() => defineTool({ ...base, ...change } as never)).toThrow(message);
  });
});
